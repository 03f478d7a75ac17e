/**
 * Authorisation rules of protocol.md §1, as pure functions of (account,
 * topic). The aedes hooks in this folder only adapt these to callbacks.
 *
 * Three questions: may this account subscribe to a filter, may it publish on
 * a topic (and retain there), and may a message on a topic be delivered to it
 * (checked on every delivery, so nothing reaches an account outside its ACL:
 * not a retained message, not a message queued for a session that another
 * account resumed, not a gateway publish on a topic it should not see).
 */
import { decodeMqttPayload } from '../../../devices/codecs/mqtt-json.js';
import type { Account } from '../config/site.js';
import {
  DEVICE_TOPIC_KINDS,
  DEVICE_TOPIC_RULES,
  filterCovers,
  isGatewayInput,
  type ParsedTopic,
  parseTopic,
  ROOT,
  topics,
  UNIT_INPUTS,
  type UnitInput,
} from '../topics.js';

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };
const deny = (reason: string): Verdict => ({ ok: false, reason });

const isAdmin = (account: Account): boolean =>
  account.kind === 'operator' && account.operator.role === 'admin';

/** The topics (filters) an account may subscribe to. */
export function subscribableFilters(
  account: Account,
  zoneOfUnit: (unit: string) => string | undefined,
): string[] {
  switch (account.kind) {
    case 'device':
      return [topics.deviceCommandFilter(account.id)];
    case 'console': {
      const zone = zoneOfUnit(account.unit.id);
      return zone
        ? [topics.unitFilter(account.unit.id), topics.zoneFilter(zone)]
        : [topics.unitFilter(account.unit.id)];
    }
    case 'operator':
      return isAdmin(account) ? ['#', '$SYS/#'] : [topics.all];
  }
}

export function canSubscribe(
  account: Account,
  filter: string,
  zoneOfUnit: (unit: string) => string | undefined,
): Verdict {
  if (filter.startsWith('$SYS') && !isAdmin(account)) {
    return deny('$SYS is for admins only');
  }
  const allowed = subscribableFilters(account, zoneOfUnit);
  if (allowed.some((a) => filterCovers(a, filter))) return OK;
  return deny(`${account.kind} ${account.id} may not subscribe to ${filter}`);
}

/**
 * May `account` publish on `topic` (retained when `retain`)? A refusal means
 * the topic itself is wrong, whatever the payload: aedes closes the client.
 * Every reason says "may not" or "may only", which the MQTT 5 bridge turns
 * into DISCONNECT 0x87 (not authorised).
 */
export function canPublish(account: Account, topic: string, retain = false): Verdict {
  if (topic.startsWith('$SYS')) return deny('publishing to $SYS is refused');
  const t = parseTopic(topic);
  switch (account.kind) {
    case 'device': {
      const prefix = topics.devicePrefix(account.id);
      if (!topic.startsWith(prefix)) return deny(`device ${account.id} may publish only under ${prefix}`);
      if (t.type === 'device-command') return deny(`device ${account.id} may not publish commands`);
      if (t.type !== 'device') {
        return deny(
          `device ${account.id} may not publish ${topic}: its topics are ${prefix}{${DEVICE_TOPIC_KINDS.join(',')}}`,
        );
      }
      if (retain && !DEVICE_TOPIC_RULES[t.kind].retain) {
        return deny(`device ${account.id} may not retain ${t.kind}: ${retainableKinds()} only`);
      }
      return OK;
    }
    case 'console': {
      const u = account.unit.id;
      if (!isUnitInput(t) || t.unit !== u)
        return deny(
          `console ${account.id} may publish only ${topics.unitFilter(u).slice(0, -1)}{${UNIT_INPUTS.join(',')}}`,
        );
      if (retain) return deny(`console ${account.id} may not retain ${topic}`);
      return OK;
    }
    case 'operator': {
      const input = t.type === 'ops' || t.type === 'ops-other' || (isUnitInput(t) && isAdmin(account));
      if (input) return retain ? deny(`${account.id} may not retain ${topic}`) : OK;
      if (!isAdmin(account))
        return deny(`technician ${account.id} may publish only under ${topics.opsPrefix}`);
      // Admins may publish anything outside gp/v1 (their own integrations), but
      // inside it only the inputs above: a device's data carries its identity,
      // and alerts, events, commands and results carry the gateway's word (a
      // forged retained alert would reach every console of a unit).
      if (topic === ROOT || topic.startsWith(`${ROOT}/`))
        return deny(
          `admin ${account.id} may not publish ${topic}: in ${ROOT}/ only ops and the unit inputs (ack, resolve, view, take, checklist)`,
        );
      return OK;
    }
  }
}

/** gp/v1/unit/{u}/ack|resolve|view|take|checklist. */
function isUnitInput(t: ParsedTopic): t is Extract<ParsedTopic, { type: UnitInput }> {
  return (UNIT_INPUTS as readonly string[]).includes(t.type);
}

function retainableKinds(): string {
  return DEVICE_TOPIC_KINDS.filter((k) => DEVICE_TOPIC_RULES[k].retain).join(', ');
}

/**
 * Is a message on this topic delivered as published, to anyone? A client's
 * input to the gateway is not: devices' data, acks, resolves and ops reach
 * subscribers only as what the gateway made of them (events, alerts), so a
 * rejected input is never seen and a raw one never bypasses the gateway. The
 * exception is a device's `status` (its will), delivered when it is a valid
 * `online`/`offline`. `payload` is looked at only for those.
 */
export function isDeliverable(parsed: ParsedTopic, payload: Buffer): boolean {
  if (!isGatewayInput(parsed)) return true;
  if (parsed.type !== 'device' || !DEVICE_TOPIC_RULES[parsed.kind].forwardRaw) return false;
  return decodeMqttPayload(parsed.device, parsed.kind, payload).ok;
}

/** May `account` receive a message on `topic`: is it inside a filter it may subscribe to? */
export function canReceive(
  account: Account,
  topic: string,
  zoneOfUnit: (unit: string) => string | undefined,
): boolean {
  return receiverOf(account, zoneOfUnit)(topic);
}

/**
 * `canReceive` compiled for one account: a prefix test per filter, for the
 * delivery hot path (call once per account, keep the function).
 */
export function receiverOf(
  account: Account,
  zoneOfUnit: (unit: string) => string | undefined,
): (topic: string) => boolean {
  const admin = isAdmin(account);
  const tests = subscribableFilters(account, zoneOfUnit).map(topicTest);
  return (topic) => {
    if (topic.startsWith('$') && !admin) return false;
    for (const test of tests) if (test(topic)) return true;
    return false;
  };
}

/** A test of topics against one filter; `a/b/#` (the usual shape) is a prefix test. */
function topicTest(filter: string): (topic: string) => boolean {
  if (filter === '#') return () => true;
  if (filter.endsWith('/#') && !filter.includes('+')) {
    const parent = filter.slice(0, -2);
    const prefix = filter.slice(0, -1);
    return (topic) => topic.startsWith(prefix) || topic === parent;
  }
  return (topic) => filterCovers(filter, topic);
}
