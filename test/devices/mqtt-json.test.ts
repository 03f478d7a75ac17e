import { describe, expect, it } from 'vitest';
import { decodeMqttPayload, encodeMqttPayload } from '../../devices/codecs/mqtt-json.js';
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import type { DeviceTopicKind } from '../../gateway/src/topics.js';

const buf = (s: string | object): Buffer => Buffer.from(typeof s === 'string' ? s : JSON.stringify(s));

function reason(kind: DeviceTopicKind, payload: Buffer | string | object): string {
  const r = decodeMqttPayload('U02-READER-1', kind, Buffer.isBuffer(payload) ? payload : buf(payload));
  if (r.ok) throw new Error(`expected a reject, got ${JSON.stringify(r.value)}`);
  return r.reason;
}

describe('decodeMqttPayload: valid payloads', () => {
  it('decodes a tap and normalises the UID', () => {
    const r = decodeMqttPayload(
      'U02-READER-1',
      'tap',
      buf({ uid: '04:d1:e2:f3', seq: 17, ts: '2026-11-28T20:01:02.123Z' }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'tap',
        device: 'U02-READER-1',
        uid: '04D1E2F3',
        seq: 17,
        ts: '2026-11-28T20:01:02.123Z',
      },
    });
  });
  it('decodes panic, rollcall, heartbeat and status', () => {
    expect(decodeMqttPayload('P1', 'panic', buf({ state: 'released', seq: 0 }))).toEqual({
      ok: true,
      value: { kind: 'panic', device: 'P1', state: 'released', seq: 0, ts: null },
    });
    expect(
      decodeMqttPayload(
        'RC1',
        'rollcall',
        buf({ call: 'RC-20261128-1', uid: '04a1b2c3d4e5f6', seq: 4294967295 }),
      ),
    ).toEqual({
      ok: true,
      value: {
        kind: 'rollcall',
        device: 'RC1',
        call: 'RC-20261128-1',
        uid: '04A1B2C3D4E5F6',
        seq: 4294967295,
        ts: null,
      },
    });
    expect(
      decodeMqttPayload('P1', 'heartbeat', buf({ battery: 87, rssi: -60, tamper: false, seq: 20 })),
    ).toEqual({
      ok: true,
      value: { kind: 'heartbeat', device: 'P1', battery: 87, rssi: -60, tamper: false, seq: 20, ts: null },
    });
    expect(decodeMqttPayload('P1', 'heartbeat', buf({}))).toEqual({
      ok: true,
      value: {
        kind: 'heartbeat',
        device: 'P1',
        battery: null,
        rssi: null,
        tamper: null,
        seq: null,
        ts: null,
      },
    });
    expect(decodeMqttPayload('P1', 'status', buf(' offline\n'))).toEqual({
      ok: true,
      value: { kind: 'status', device: 'P1', status: 'offline' },
    });
  });
  it('tolerates unknown extra fields, even nested ones (forward compatible)', () => {
    const r = decodeMqttPayload(
      'P1',
      'panic',
      buf({ state: 'pressed', seq: 3, fw: '1.2', extra: { a: [1, 2] } }),
    );
    expect(r.ok).toBe(true);
  });
  it('accepts offsets, lower-case t/z and nanoseconds in ts', () => {
    for (const ts of [
      '2026-11-28T20:01:02+08:00',
      '2026-11-28t20:01:02z',
      '2026-11-28T20:01:02.123456789Z',
    ]) {
      const r = decodeMqttPayload('P1', 'panic', buf({ state: 'pressed', seq: 1, ts }));
      expect(r.ok, ts).toBe(true);
      if (r.ok && r.value.kind === 'panic') expect(Number.isFinite(Date.parse(r.value.ts ?? ''))).toBe(true);
    }
  });
  it('accepts a payload of exactly 4096 bytes', () => {
    const base = { uid: '04D1E2F3', seq: 1, pad: '' };
    const pad = 'x'.repeat(4096 - JSON.stringify(base).length);
    const payload = buf({ ...base, pad });
    expect(payload.length).toBe(4096);
    expect(decodeMqttPayload('R1', 'tap', payload).ok).toBe(true);
  });
});

describe('decodeMqttPayload: malformed payloads are rejected with a precise reason', () => {
  const deep = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const cases: [string, DeviceTopicKind, Buffer | string | object, string | RegExp][] = [
    ['empty payload', 'tap', '', 'invalid JSON'],
    ['garbage bytes', 'tap', Buffer.from([0x00, 0x01, 0x02, 0xfe]), 'invalid UTF-8'],
    ['lone continuation byte', 'tap', Buffer.from([0x7b, 0x80, 0x7d]), 'invalid UTF-8'],
    ['overlong UTF-8 encoding', 'tap', Buffer.from([0xc0, 0xaf]), 'invalid UTF-8'],
    ['UTF-16 surrogate in UTF-8', 'tap', Buffer.from([0xed, 0xa0, 0x80]), 'invalid UTF-8'],
    ['truncated multibyte', 'tap', Buffer.from([0x22, 0xe6, 0xb5]), 'invalid UTF-8'],
    ['1 MiB', 'tap', Buffer.alloc(1024 * 1024, 0x20), 'payload too large (1048576 > 4096 bytes)'],
    ['4097 bytes', 'tap', Buffer.alloc(4097, 0x20), 'payload too large (4097 > 4096 bytes)'],
    ['not JSON', 'tap', 'uid=04D1E2F3', 'invalid JSON'],
    ['truncated JSON', 'tap', '{"uid":"04D1E2F3","seq":1', 'invalid JSON'],
    ['JSON with comments', 'tap', '{"uid":"04D1E2F3",/*x*/"seq":1}', 'invalid JSON'],
    ['deep nesting within 4 KiB', 'tap', deep(600), 'uid: required'],
    ['deep nesting beyond 4 KiB', 'tap', deep(100_000), 'payload too large (600001 > 4096 bytes)'],
    [
      'deeply nested arrays',
      'tap',
      `${'['.repeat(2000)}${']'.repeat(2000)}`,
      'payload must be a JSON object',
    ],
    ['array', 'tap', [{ uid: '04D1E2F3', seq: 1 }], 'payload must be a JSON object'],
    ['null', 'tap', 'null', 'payload must be a JSON object'],
    ['number', 'tap', '42', 'payload must be a JSON object'],
    ['string', 'tap', '"04D1E2F3"', 'payload must be a JSON object'],
    [
      '__proto__ key',
      'tap',
      '{"uid":"04D1E2F3","seq":1,"__proto__":{"admin":true}}',
      'forbidden key "__proto__"',
    ],
    [
      'nested __proto__',
      'tap',
      '{"uid":"04D1E2F3","seq":1,"x":[{"__proto__":1}]}',
      'forbidden key "__proto__"',
    ],
    [
      'constructor key',
      'panic',
      { state: 'pressed', seq: 1, constructor: { prototype: 1 } },
      'forbidden key "constructor"',
    ],
    ['prototype key', 'heartbeat', { prototype: 1 }, 'forbidden key "prototype"'],
    ['missing uid', 'tap', { seq: 1 }, 'uid: required'],
    ['uid not a string', 'tap', { uid: 0x04d1e2f3, seq: 1 }, 'uid: must be a string'],
    ['uid as object', 'tap', { uid: { hex: '04D1E2F3' }, seq: 1 }, 'uid: must be a string'],
    ['uid as array', 'tap', { uid: ['04D1E2F3'], seq: 1 }, 'uid: must be a string'],
    [
      'uid wrong length',
      'tap',
      { uid: '04D1E2', seq: 1 },
      'uid: must be an NFC UID of 8, 14 or 20 hex digits',
    ],
    ['uid not hex', 'tap', { uid: '04D1E2GG', seq: 1 }, 'uid: must be an NFC UID of 8, 14 or 20 hex digits'],
    ['missing seq', 'tap', { uid: '04D1E2F3' }, 'seq: required'],
    ['seq as string', 'tap', { uid: '04D1E2F3', seq: '17' }, 'seq: must be an integer 0..4294967295'],
    ['negative seq', 'tap', { uid: '04D1E2F3', seq: -1 }, 'seq: must be an integer 0..4294967295'],
    ['float seq', 'tap', { uid: '04D1E2F3', seq: 1.5 }, 'seq: must be an integer 0..4294967295'],
    ['overflow seq', 'tap', { uid: '04D1E2F3', seq: 4294967296 }, 'seq: must be an integer 0..4294967295'],
    ['huge seq', 'tap', '{"uid":"04D1E2F3","seq":1e400}', 'seq: must be an integer 0..4294967295'],
    ['null seq', 'panic', { state: 'pressed', seq: null }, 'seq: must be an integer 0..4294967295'],
    ['bool seq', 'panic', { state: 'pressed', seq: true }, 'seq: must be an integer 0..4294967295'],
    ['seq as array', 'panic', { state: 'pressed', seq: [1] }, 'seq: must be an integer 0..4294967295'],
    [
      'ts not a string',
      'tap',
      { uid: '04D1E2F3', seq: 1, ts: 1764360062 },
      'ts: must be an RFC 3339 date-time string',
    ],
    [
      'ts free text',
      'tap',
      { uid: '04D1E2F3', seq: 1, ts: 'yesterday' },
      'ts: must be an RFC 3339 date-time string',
    ],
    ['ts without zone', 'tap', { uid: '04D1E2F3', seq: 1, ts: '2026-11-28T20:01:02' }, /^ts: /],
    ['ts month 13', 'tap', { uid: '04D1E2F3', seq: 1, ts: '2026-13-28T20:01:02Z' }, /^ts: /],
    ['ts 30 February', 'tap', { uid: '04D1E2F3', seq: 1, ts: '2026-02-30T20:01:02Z' }, /^ts: /],
    ['ts hour 24', 'tap', { uid: '04D1E2F3', seq: 1, ts: '2026-11-28T24:00:00Z' }, /^ts: /],
    ['ts date only', 'tap', { uid: '04D1E2F3', seq: 1, ts: '2026-11-28' }, /^ts: /],
    ['missing state', 'panic', { seq: 1 }, 'state: required'],
    ['state upper case', 'panic', { state: 'PRESSED', seq: 1 }, 'state: must be "pressed" or "released"'],
    ['state as bool', 'panic', { state: true, seq: 1 }, 'state: must be "pressed" or "released"'],
    ['missing call', 'rollcall', { uid: '04D1E2F3', seq: 1 }, 'call: required'],
    ['call with a slash', 'rollcall', { call: 'a/b', uid: '04D1E2F3', seq: 1 }, /^call: must be an id/],
    ['call as number', 'rollcall', { call: 7, uid: '04D1E2F3', seq: 1 }, /^call: must be an id/],
    ['rollcall without uid', 'rollcall', { call: 'C1', seq: 1 }, 'uid: required'],
    ['battery 101', 'heartbeat', { battery: 101 }, 'battery: must be an integer 0..100'],
    ['battery as string', 'heartbeat', { battery: '50' }, 'battery: must be an integer 0..100'],
    ['battery float', 'heartbeat', { battery: 50.5 }, 'battery: must be an integer 0..100'],
    ['rssi float', 'heartbeat', { rssi: -60.5 }, /^rssi: must be an integer/],
    ['rssi as object', 'heartbeat', { rssi: { dbm: -60 } }, /^rssi: must be an integer/],
    ['tamper as 0/1', 'heartbeat', { tamper: 1 }, 'tamper: must be true or false'],
    ['tamper as string', 'heartbeat', { tamper: 'false' }, 'tamper: must be true or false'],
    ['heartbeat negative seq', 'heartbeat', { seq: -5 }, 'seq: must be an integer 0..4294967295'],
    ['status JSON', 'status', '{"status":"online"}', 'status: must be plain text "online" or "offline"'],
    ['status other word', 'status', 'ONLINE', 'status: must be plain text "online" or "offline"'],
    ['status empty', 'status', '', 'status: must be plain text "online" or "offline"'],
    ['status invalid UTF-8', 'status', Buffer.from([0xff, 0xfe]), 'invalid UTF-8'],
  ];
  it(`has at least 30 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
  for (const [name, kind, payload, expected] of cases) {
    it(name, () => {
      const got = reason(kind, payload);
      if (typeof expected === 'string') expect(got).toBe(expected);
      else expect(got).toMatch(expected);
    });
  }
  it('never modifies Object.prototype', () => {
    reason('tap', '{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('rejects an invalid device id from the topic', () => {
    expect(decodeMqttPayload('bad id', 'status', buf('online'))).toEqual({
      ok: false,
      reason: 'device: not a valid id',
    });
  });
});

describe('encodeMqttPayload round trips', () => {
  const messages: DeviceMessage[] = [
    { kind: 'tap', device: 'R1', uid: '04D1E2F3', seq: 5, ts: '2026-11-28T20:01:02.123Z' },
    { kind: 'panic', device: 'P1', state: 'pressed', seq: 4294967295, ts: null },
    { kind: 'rollcall', device: 'RC1', call: 'C-1', uid: '04A1B2C3D4E5F6', seq: 0, ts: null },
    { kind: 'heartbeat', device: 'P1', battery: 0, rssi: -90, tamper: true, seq: 3, ts: null },
    { kind: 'heartbeat', device: 'P1', battery: null, rssi: null, tamper: null, seq: null, ts: null },
    { kind: 'status', device: 'P1', status: 'online' },
  ];
  for (const msg of messages) {
    it(`${msg.kind} ${JSON.stringify(msg)}`, () => {
      const { kind, payload } = encodeMqttPayload(msg);
      expect(kind).toBe(msg.kind);
      expect(decodeMqttPayload(msg.device, kind, Buffer.from(payload))).toEqual({ ok: true, value: msg });
    });
  }
});
