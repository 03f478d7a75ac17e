/**
 * MQTT payload codec, protocol.md §1.1. `decodeMqttPayload` is the only
 * door from a device publish into the gateway: it never throws, and every
 * refusal carries a short, stable reason naming the field.
 */
import type { Decoded, DeviceMessage } from '../../gateway/src/model/event.js';
import type { DeviceTopicKind } from '../../gateway/src/topics.js';
import {
  isId,
  isRfc3339,
  isUint32,
  RSSI_MAX,
  RSSI_MIN,
  SEQ_REASON,
  UID_REASON,
  uidOrNull,
} from './fields.js';
import { decodeRecordsPayload, encodeRecordsPayload } from './records.js';

export const MAX_PAYLOAD_BYTES = 4096;

/** Keys that could poison prototypes in downstream code that merges objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

type Json = Record<string, unknown>;

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First forbidden key anywhere in the tree (iterative: no stack overflow on deep nesting). */
function findForbiddenKey(root: unknown): string | null {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      stack.push((v as Json)[key]);
    }
  }
  return null;
}

function decodeUtf8(payload: Buffer): string | null {
  try {
    return utf8.decode(payload);
  } catch {
    return null;
  }
}

/**
 * The payload rules shared by every JSON input (devices, consoles, operators):
 * at most 4 KiB, strict UTF-8, valid JSON, a plain object, and no key that
 * could poison prototypes anywhere in it. Never throws.
 */
export function parseJsonObject(payload: Buffer): Decoded<Json> {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return fail(`payload too large (${payload.length} > ${MAX_PAYLOAD_BYTES} bytes)`);
  }
  const text = decodeUtf8(payload);
  if (text === null) return fail('invalid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('invalid JSON');
  }
  if (!isPlainObject(parsed)) return fail('payload must be a JSON object');
  const forbidden = findForbiddenKey(parsed);
  if (forbidden !== null) return fail(`forbidden key "${forbidden}"`);
  return { ok: true, value: parsed };
}

function has(o: Json, key: string): boolean {
  return Object.hasOwn(o, key);
}

/** Present and not null. Optional fields may be sent as null, meaning absent. */
function present(o: Json, key: string): boolean {
  return has(o, key) && o[key] !== null;
}

function seqField(o: Json, required: boolean): Decoded<number | null> {
  if (!has(o, 'seq')) return required ? fail('seq: required') : { ok: true, value: null };
  const v = o.seq;
  if (v === null && !required) return { ok: true, value: null };
  if (!isUint32(v)) return fail(SEQ_REASON);
  return { ok: true, value: v + 0 }; // -0 → 0
}

function tsField(o: Json): Decoded<string | null> {
  if (!present(o, 'ts')) return { ok: true, value: null };
  const v = o.ts;
  if (typeof v !== 'string' || !isRfc3339(v)) return fail('ts: must be an RFC 3339 date-time string');
  return { ok: true, value: v.toUpperCase() };
}

function uidField(o: Json): Decoded<string> {
  if (!has(o, 'uid')) return fail('uid: required');
  const v = o.uid;
  if (typeof v !== 'string') return fail('uid: must be a string');
  const uid = uidOrNull(v);
  return uid === null ? fail(`uid: ${UID_REASON}`) : { ok: true, value: uid };
}

function decodeStatus(device: string, text: string): Decoded<DeviceMessage> {
  const s = text.trim();
  if (s === 'online' || s === 'offline') return { ok: true, value: { kind: 'status', device, status: s } };
  return fail('status: must be plain text "online" or "offline"');
}

/**
 * Decode one device publish. `device` and `kind` come from the topic
 * (gp/v1/dev/{device}/{kind}); the ACL has already checked the device may
 * publish there.
 */
export function decodeMqttPayload(
  device: string,
  kind: DeviceTopicKind,
  payload: Buffer,
): Decoded<DeviceMessage> {
  if (!isId(device)) return fail('device: not a valid id');
  // offline wand uploads have their own, larger limit (records.ts)
  if (kind === 'records') return decodeRecordsPayload(device, payload);
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return fail(`payload too large (${payload.length} > ${MAX_PAYLOAD_BYTES} bytes)`);
  }
  if (kind === 'status') {
    const text = decodeUtf8(payload);
    return text === null ? fail('invalid UTF-8') : decodeStatus(device, text);
  }
  const obj = parseJsonObject(payload);
  if (!obj.ok) return obj;
  const parsed = obj.value;
  const o = parsed;

  switch (kind) {
    case 'tap': {
      const uid = uidField(o);
      if (!uid.ok) return uid;
      const seq = seqField(o, true);
      if (!seq.ok) return seq;
      const ts = tsField(o);
      if (!ts.ok) return ts;
      return { ok: true, value: { kind: 'tap', device, uid: uid.value, seq: seq.value, ts: ts.value } };
    }
    case 'panic': {
      if (!has(o, 'state')) return fail('state: required');
      const state = o.state;
      if (state !== 'pressed' && state !== 'released') return fail('state: must be "pressed" or "released"');
      const seq = seqField(o, true);
      if (!seq.ok) return seq;
      const ts = tsField(o);
      if (!ts.ok) return ts;
      return { ok: true, value: { kind: 'panic', device, state, seq: seq.value ?? 0, ts: ts.value } };
    }
    case 'rollcall': {
      if (!has(o, 'call')) return fail('call: required');
      if (!isId(o.call)) return fail('call: must be an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
      const call = o.call;
      const uid = uidField(o);
      if (!uid.ok) return uid;
      const seq = seqField(o, true);
      if (!seq.ok) return seq;
      const ts = tsField(o);
      if (!ts.ok) return ts;
      return {
        ok: true,
        value: { kind: 'rollcall', device, call, uid: uid.value, seq: seq.value ?? 0, ts: ts.value },
      };
    }
    case 'heartbeat': {
      let battery: number | null = null;
      if (present(o, 'battery')) {
        const v = o.battery;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) {
          return fail('battery: must be an integer 0..100');
        }
        battery = v + 0;
      }
      let rssi: number | null = null;
      if (present(o, 'rssi')) {
        const v = o.rssi;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < RSSI_MIN || v > RSSI_MAX) {
          return fail(`rssi: must be an integer ${RSSI_MIN}..${RSSI_MAX}`);
        }
        rssi = v + 0;
      }
      let tamper: boolean | null = null;
      if (present(o, 'tamper')) {
        if (typeof o.tamper !== 'boolean') return fail('tamper: must be true or false');
        tamper = o.tamper;
      }
      const seq = seqField(o, false);
      if (!seq.ok) return seq;
      const ts = tsField(o);
      if (!ts.ok) return ts;
      return {
        ok: true,
        value: { kind: 'heartbeat', device, battery, rssi, tamper, seq: seq.value, ts: ts.value },
      };
    }
    default:
      return fail(`unknown topic kind "${String(kind)}"`);
  }
}

/** Device side (simulators): the topic kind and payload a real device would publish. Null fields are left out. */
export function encodeMqttPayload(msg: DeviceMessage): { kind: DeviceTopicKind; payload: string } {
  switch (msg.kind) {
    case 'status':
      return { kind: 'status', payload: msg.status };
    case 'tap':
      return { kind: 'tap', payload: JSON.stringify(compact({ uid: msg.uid, seq: msg.seq, ts: msg.ts })) };
    case 'panic':
      return {
        kind: 'panic',
        payload: JSON.stringify(compact({ state: msg.state, seq: msg.seq, ts: msg.ts })),
      };
    case 'rollcall':
      return {
        kind: 'rollcall',
        payload: JSON.stringify(compact({ call: msg.call, uid: msg.uid, seq: msg.seq, ts: msg.ts })),
      };
    case 'heartbeat':
      return {
        kind: 'heartbeat',
        payload: JSON.stringify(
          compact({ battery: msg.battery, rssi: msg.rssi, tamper: msg.tamper, seq: msg.seq, ts: msg.ts }),
        ),
      };
    case 'records':
      return { kind: 'records', payload: encodeRecordsPayload(msg.records) };
  }
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
