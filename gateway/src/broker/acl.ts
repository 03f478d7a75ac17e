/**
 * Authorisation rules of protocol.md §1, as pure functions of (account,
 * topic). The aedes hooks in this folder only adapt these to callbacks.
 */
import type { Account } from '../config/site.js';
import { filterCovers, topics } from '../topics.js';

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };
const deny = (reason: string): Verdict => ({ ok: false, reason });

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
      return account.operator.role === 'admin' ? ['#', '$SYS/#'] : [topics.all];
  }
}

export function canSubscribe(
  account: Account,
  filter: string,
  zoneOfUnit: (unit: string) => string | undefined,
): Verdict {
  if (filter.startsWith('$SYS') && !(account.kind === 'operator' && account.operator.role === 'admin')) {
    return deny('$SYS is for admins only');
  }
  const allowed = subscribableFilters(account, zoneOfUnit);
  if (allowed.some((a) => filterCovers(a, filter))) return OK;
  return deny(`${account.kind} ${account.id} may not subscribe to ${filter}`);
}

const DEVICE_DATA = /^gp\/v1\/dev\/[^/]+\/(tap|panic|rollcall|heartbeat|status)$/;

export function canPublish(account: Account, topic: string): Verdict {
  if (topic.startsWith('$SYS')) return deny('publishing to $SYS is refused');
  switch (account.kind) {
    case 'device': {
      const prefix = topics.devicePrefix(account.id);
      if (!topic.startsWith(prefix)) return deny(`device ${account.id} may publish only under ${prefix}`);
      if (topic.startsWith(`${prefix}cmd/`) || topic === `${prefix}cmd`) {
        return deny(`device ${account.id} may not publish commands`);
      }
      return OK;
    }
    case 'console': {
      const u = account.unit.id;
      if (topic === topics.unitAck(u) || topic === topics.unitResolve(u)) return OK;
      return deny(`console ${account.id} may publish only ${topics.unitAck(u)} and ${topics.unitResolve(u)}`);
    }
    case 'operator': {
      if (topic.startsWith(topics.opsPrefix)) return OK;
      if (account.operator.role !== 'admin')
        return deny(`technician ${account.id} may publish only under ${topics.opsPrefix}`);
      // Admins may publish anywhere but may not impersonate a device: a device's
      // data topics carry its identity (only the device itself writes them).
      if (DEVICE_DATA.test(topic)) return deny(`admin ${account.id} may not publish device data as a device`);
      return OK;
    }
  }
}
