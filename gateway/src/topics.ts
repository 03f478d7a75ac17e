/**
 * Every MQTT topic of protocol v1, built and parsed in one place.
 * Nothing else in the code base writes "gp/v1/..." by hand.
 */
import type { EventKind } from './model/event.js';

export const ROOT = 'gp/v1';

/**
 * The device → gateway data topics (protocol.md §1.1), the one place a new
 * kind (e.g. a later `records`) is added. `retain`: a device may publish it
 * retained. `forwardRaw`: the broker also delivers the device's own publish
 * to subscribers; every other kind reaches them only as the gateway's
 * normalised event on gp/v1/events/…, after it was accepted.
 */
export const DEVICE_TOPIC_RULES = {
  tap: { retain: false, forwardRaw: false },
  panic: { retain: false, forwardRaw: false },
  rollcall: { retain: false, forwardRaw: false },
  heartbeat: { retain: false, forwardRaw: false },
  // an offline wand's stored reads, up to 1,000 per message (extension, docs/protocol-extensions.md)
  records: { retain: false, forwardRaw: false },
  // the device's online/offline will: operators read it as the device left it
  status: { retain: true, forwardRaw: true },
} as const satisfies Record<string, { retain: boolean; forwardRaw: boolean }>;

export type DeviceTopicKind = keyof typeof DEVICE_TOPIC_RULES;
export const DEVICE_TOPIC_KINDS = Object.keys(DEVICE_TOPIC_RULES) as DeviceTopicKind[];

export const topics = {
  // device → gateway
  device: (device: string, what: DeviceTopicKind) => `${ROOT}/dev/${device}/${what}`,
  devicePrefix: (device: string) => `${ROOT}/dev/${device}/`,
  // gateway → device
  deviceCommand: (device: string, command: 'rollcall') => `${ROOT}/dev/${device}/cmd/${command}`,
  deviceCommandFilter: (device: string) => `${ROOT}/dev/${device}/cmd/#`,
  // alerts and console inputs
  unitAlert: (unit: string) => `${ROOT}/unit/${unit}/alert`,
  unitAck: (unit: string) => `${ROOT}/unit/${unit}/ack`,
  unitResolve: (unit: string) => `${ROOT}/unit/${unit}/resolve`,
  /** Alarm handling inputs (extension, docs/protocol-extensions.md "Alarm handling"). */
  unitInput: (unit: string, what: UnitInput) => `${ROOT}/unit/${unit}/${what}`,
  unitFilter: (unit: string) => `${ROOT}/unit/${unit}/#`,
  zoneAlert: (zone: string) => `${ROOT}/zone/${zone}/alert`,
  zoneFilter: (zone: string) => `${ROOT}/zone/${zone}/#`,
  /** Escalation to an operator account (police station, patrol group): extension. */
  operatorAlert: (account: string) => `${ROOT}/operator/${account}/alert`,
  // republished events
  event: (kind: EventKind, zone: string, unit: string) => `${ROOT}/events/${kind}/${zone}/${unit}`,
  // operators
  opsRollcall: `${ROOT}/ops/rollcall`,
  opsAlert: `${ROOT}/ops/alert`,
  opsInspection: `${ROOT}/ops/inspection`,
  /** Admin confirms the wall clock after a step (extension, docs/operators.md "Clock faults"). */
  opsClock: `${ROOT}/ops/clock`,
  /** Drills and panic-button test windows (extension, docs/alerts.md "Drills and tests"). */
  opsDrill: `${ROOT}/ops/drill`,
  opsTest: `${ROOT}/ops/test`,
  opsPrefix: `${ROOT}/ops/`,
  // gateway
  rejects: `${ROOT}/gateway/rejects`,
  /** Tour state changes (extension): gp/v1/patrol/{zone}/{route}/tour. */
  patrolTour: (zone: string, route: string) => `${ROOT}/patrol/${zone}/${route}/tour`,
  /** Retained roll-call results (extension): gp/v1/rollcall/{call}/result. */
  rollcallResult: (call: string) => `${ROOT}/rollcall/${call}/result`,
  all: `${ROOT}/#`,
} as const;

/**
 * The city uplink's topics (integrations.md §2), under the district's
 * upstream prefix (default `city/v1/site/{site id}`): what the district
 * forwards and the commands the city may send down.
 */
export const cityTopics = {
  defaultPrefix: (siteId: string) => `city/v1/site/${siteId}`,
  alert: (prefix: string, zone: string, unit: string) => `${prefix}/alert/${zone}/${unit}`,
  event: (prefix: string, kind: EventKind, zone: string, unit: string) =>
    `${prefix}/events/${kind}/${zone}/${unit}`,
  /** The district's names for the city wall (retained, extension): `{prefix}/site`. */
  site: (prefix: string) => `${prefix}/site`,
  /** The current state of one open alert (retained, extension; cleared when resolved). */
  open: (prefix: string, zone: string, unit: string, id: string) => `${prefix}/open/${zone}/${unit}/${id}`,
  openFilter: (prefix: string) => `${prefix}/open/#`,
  ops: (prefix: string, what: 'rollcall' | 'alert') => `${prefix}/ops/${what}`,
  opsFilter: (prefix: string) => `${prefix}/ops/#`,
  /** The command after `{prefix}/ops/` (`rollcall`, `alert`, anything else), or null off that prefix. */
  parseOps(prefix: string, topic: string): string | null {
    const head = `${prefix}/ops/`;
    return topic.startsWith(head) ? topic.slice(head.length) : null;
  },
} as const;

/** Console inputs on gp/v1/unit/{u}/…: v1 ack and resolve, and the alarm-handling ones (extension). */
export const UNIT_INPUTS = ['ack', 'resolve', 'view', 'take', 'checklist'] as const;
export type UnitInput = (typeof UNIT_INPUTS)[number];
const UNIT_INPUT_SET = new Set<string>(UNIT_INPUTS);

export type ParsedTopic =
  | { type: 'device'; device: string; kind: DeviceTopicKind }
  /** gp/v1/dev/{device}/cmd/…: gateway → device. */
  | { type: 'device-command'; device: string; rest: string }
  /** Anything else under gp/v1/dev/ (`…/panic/`, `…//panic`, `…/foo`): no such topic. */
  | { type: 'device-other'; device: string; rest: string }
  | { type: 'ack'; unit: string }
  | { type: 'resolve'; unit: string }
  | { type: 'view' | 'take' | 'checklist'; unit: string }
  | { type: 'ops'; what: 'rollcall' | 'alert' | 'inspection' | 'clock' | 'drill' | 'test' }
  /** Under gp/v1/ops/ but no operation the gateway knows. */
  | { type: 'ops-other'; rest: string }
  | { type: 'other' };

const DEVICE_KINDS = new Set<string>(DEVICE_TOPIC_KINDS);

/** Classify an incoming topic. Pure; cheap enough for the hot path. */
export function parseTopic(topic: string): ParsedTopic {
  if (!topic.startsWith(`${ROOT}/`)) return { type: 'other' };
  const parts = topic.split('/');
  // parts[0] = 'gp', parts[1] = 'v1'
  const section = parts[2];
  if (section === 'dev') {
    const device = parts[3] ?? '';
    const rest = parts.slice(4).join('/');
    if (device && parts.length === 5 && DEVICE_KINDS.has(rest)) {
      return { type: 'device', device, kind: rest as DeviceTopicKind };
    }
    if (device && parts[4] === 'cmd') return { type: 'device-command', device, rest };
    return { type: 'device-other', device, rest };
  }
  if (section === 'unit' && parts.length === 5 && parts[3]) {
    const what = parts[4];
    if (what !== undefined && UNIT_INPUT_SET.has(what)) return { type: what as UnitInput, unit: parts[3] };
  }
  if (section === 'ops' && parts.length === 4) {
    const what = parts[3];
    if (
      what === 'rollcall' ||
      what === 'alert' ||
      what === 'inspection' ||
      what === 'clock' ||
      what === 'drill' ||
      what === 'test'
    )
      return { type: 'ops', what };
  }
  if (section === 'ops') return { type: 'ops-other', rest: parts.slice(3).join('/') };
  return { type: 'other' };
}

/**
 * Topics the gateway reads as input from clients (device data, console and
 * operator commands), including malformed ones under those prefixes. The
 * broker never delivers a client's publish on them as is: what the gateway
 * accepted comes back on its own topics (events, alerts, results).
 */
export function isGatewayInput(parsed: ParsedTopic): boolean {
  switch (parsed.type) {
    case 'device':
    case 'device-other':
    case 'ack':
    case 'resolve':
    case 'view':
    case 'take':
    case 'checklist':
    case 'ops':
    case 'ops-other':
      return true;
    case 'device-command':
    case 'other':
      return false;
  }
}

/** MQTT topic filter matching (+ and #), for ACL checks on subscriptions. */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    if (ai === '#') return true;
    const ri = r[i];
    if (ri === undefined) return false;
    if (ri === '#') return false; // requested is wider than allowed here
    if (ai === '+') continue;
    if (ai !== ri) {
      return false;
    }
  }
  return a.length === r.length;
}
