/**
 * The one normalised event type. Every transport (MQTT, serial) and every
 * driver ends here; everything downstream (journal, engines, sinks) reads
 * only this. Times are epoch milliseconds inside the gateway and RFC 3339 on
 * the wire.
 */

export type EventKind = 'tap' | 'panic' | 'rollcall' | 'heartbeat' | 'status';
export const EVENT_KINDS: readonly EventKind[] = ['tap', 'panic', 'rollcall', 'heartbeat', 'status'];

/** `http`: ZKTeco-style push terminals (gateway/src/zkpush, docs/zkpush.md). */
export type Transport = 'mqtt' | 'serial' | 'http';

interface EventBase {
  kind: EventKind;
  device: string;
  zone: string;
  unit: string;
  /** Device counter (uint32); null for `status` and for uid-line readers before the gateway assigns one. */
  seq: number | null;
  /** Event time, epoch ms: the device `ts` if sane, else the receive time. */
  at: number;
  /** Gateway receive time, epoch ms (kept to expose clock tampering). */
  receivedAt: number;
  /** True when `ts` was missing or more than 5 minutes off the gateway clock. */
  skewed: boolean;
  transport: Transport;
  /** Device `ts` minus receive time, ms, when the device sent a `ts` (extension: clock drift check). */
  drift?: number;
}

export interface TapEvent extends EventBase {
  kind: 'tap';
  /** Upper case hex, no separators. */
  uid: string;
  /** What the UID is: a checkpoint tag, a guard card, or unknown. */
  uidKind: 'tag' | 'card' | 'unknown';
  checkpoint: string | null;
  guard: string | null;
  /** The route of the tour this tap belongs to, set by the patrol engine's annotate() before journaling. */
  route: string | null;
  /** The tour id, when part of a tour. */
  tour: string | null;
  /** Read from an offline wand's memory (records topic or dock): `at` is device time, `receivedAt` the upload. */
  offline?: true;
  /** Patrol exceptions the patrol engine found in this tap (extension, docs/patrol-and-rollcall.md). */
  exceptions?: string[];
}

export interface PanicEvent extends EventBase {
  kind: 'panic';
  state: 'pressed' | 'released';
}

export interface RollcallEvent extends EventBase {
  kind: 'rollcall';
  call: string;
  uid: string;
  guard: string | null;
  /** The unit of the guard whose card it is (may differ from the terminal's unit). */
  guardUnit: string | null;
}

export interface HeartbeatEvent extends EventBase {
  kind: 'heartbeat';
  battery: number | null;
  rssi: number | null;
  tamper: boolean | null;
}

export interface StatusEvent extends EventBase {
  kind: 'status';
  status: 'online' | 'offline';
}

export type DeviceEvent = TapEvent | PanicEvent | RollcallEvent | HeartbeatEvent | StatusEvent;

/**
 * What a driver decodes from the wire, before the site config gives it a
 * zone, unit, checkpoint or guard. Pure data, shared with the simulators.
 */
export type DeviceMessage =
  | { kind: 'tap'; device: string; uid: string; seq: number | null; ts: string | null }
  | { kind: 'panic'; device: string; state: 'pressed' | 'released'; seq: number; ts: string | null }
  | { kind: 'rollcall'; device: string; call: string; uid: string; seq: number; ts: string | null }
  | {
      kind: 'heartbeat';
      device: string;
      battery: number | null;
      rssi: number | null;
      tamper: boolean | null;
      seq: number | null;
      ts: string | null;
    }
  | { kind: 'status'; device: string; status: 'online' | 'offline' }
  /** An offline wand's stored reads (records topic, dock driver); `invalid`: records refused, by index. */
  | {
      kind: 'records';
      device: string;
      records: OfflineRecord[];
      invalid: { index: number; reason: string }[];
    };

/** One stored read of an offline wand: device time in epoch ms. */
export interface OfflineRecord {
  uid: string;
  ts: number;
  seq: number;
  /** Its place in the message as sent (reasons name it). */
  index?: number;
}

/** Gateway → device commands (protocol.md §1.2, §2 RCSTART). */
export type DeviceCommand = { kind: 'rollcall'; call: string; deadline: number; unit: string };

/** A refused input: counted, logged, published to gp/v1/gateway/rejects. */
export interface Reject {
  topic: string;
  device: string | null;
  reason: string;
  at: number;
  transport: Transport;
}

/** Result of decoding: the codec never throws, it returns one of these. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };
