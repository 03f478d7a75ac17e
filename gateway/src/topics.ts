/**
 * Every MQTT topic of protocol v1, built and parsed in one place.
 * Nothing else in the code base writes "gp/v1/..." by hand.
 */
import type { EventKind } from './model/event.js';

export const ROOT = 'gp/v1';

export const topics = {
  // device → gateway
  device: (device: string, what: 'tap' | 'panic' | 'rollcall' | 'heartbeat' | 'status') =>
    `${ROOT}/dev/${device}/${what}`,
  devicePrefix: (device: string) => `${ROOT}/dev/${device}/`,
  // gateway → device
  deviceCommand: (device: string, command: 'rollcall') => `${ROOT}/dev/${device}/cmd/${command}`,
  deviceCommandFilter: (device: string) => `${ROOT}/dev/${device}/cmd/#`,
  // alerts and console inputs
  unitAlert: (unit: string) => `${ROOT}/unit/${unit}/alert`,
  unitAck: (unit: string) => `${ROOT}/unit/${unit}/ack`,
  unitResolve: (unit: string) => `${ROOT}/unit/${unit}/resolve`,
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
  opsPrefix: `${ROOT}/ops/`,
  // gateway
  rejects: `${ROOT}/gateway/rejects`,
  /** Retained roll-call results (extension): gp/v1/rollcall/{call}/result. */
  rollcallResult: (call: string) => `${ROOT}/rollcall/${call}/result`,
  all: `${ROOT}/#`,
} as const;

export type DeviceTopicKind = 'tap' | 'panic' | 'rollcall' | 'heartbeat' | 'status';

export type ParsedTopic =
  | { type: 'device'; device: string; kind: DeviceTopicKind }
  | { type: 'device-other'; device: string; rest: string }
  | { type: 'ack'; unit: string }
  | { type: 'resolve'; unit: string }
  | { type: 'ops'; what: 'rollcall' | 'alert' | 'inspection' }
  | { type: 'other' };

const DEVICE_KINDS = new Set<string>(['tap', 'panic', 'rollcall', 'heartbeat', 'status']);

/** Classify an incoming topic. Pure; cheap enough for the hot path. */
export function parseTopic(topic: string): ParsedTopic {
  if (!topic.startsWith(`${ROOT}/`)) return { type: 'other' };
  const parts = topic.split('/');
  // parts[0] = 'gp', parts[1] = 'v1'
  const section = parts[2];
  if (section === 'dev' && parts.length >= 4 && parts[3]) {
    const device = parts[3];
    const rest = parts.slice(4).join('/');
    if (parts.length === 5 && DEVICE_KINDS.has(rest)) {
      return { type: 'device', device, kind: rest as DeviceTopicKind };
    }
    return { type: 'device-other', device, rest };
  }
  if (section === 'unit' && parts.length === 5 && parts[3]) {
    if (parts[4] === 'ack') return { type: 'ack', unit: parts[3] };
    if (parts[4] === 'resolve') return { type: 'resolve', unit: parts[3] };
  }
  if (section === 'ops' && parts.length === 4) {
    const what = parts[3];
    if (what === 'rollcall' || what === 'alert' || what === 'inspection') return { type: 'ops', what };
  }
  return { type: 'other' };
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
