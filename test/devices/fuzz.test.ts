/**
 * Seeded fuzzing: thousands of random and mutated inputs per codec. The
 * codecs must never throw and must always answer ok+value or !ok+reason.
 */
import { describe, expect, it } from 'vitest';
import { gplLine } from '../../devices/codecs/gpl.js';
import { lineDrivers } from '../../devices/codecs/index.js';
import type { LineContext } from '../../devices/codecs/line.js';
import { decodeMqttPayload, encodeMqttPayload } from '../../devices/codecs/mqtt-json.js';
import type { Decoded, DeviceMessage } from '../../gateway/src/model/event.js';
import type { DeviceTopicKind } from '../../gateway/src/topics.js';
import { mulberry32 } from '../../simulators/prng.js';

const rng = mulberry32;

const int = (r: () => number, n: number) => Math.floor(r() * n);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

function randomBytes(r: () => number, max: number): Buffer {
  const b = Buffer.alloc(int(r, max + 1));
  for (let i = 0; i < b.length; i++) b[i] = int(r, 256);
  return b;
}

const ALPHABET = '$GP,*0123456789ABCDEFabcdef:-.TAPNICRHBSLEDX \r\n"{}[]_\\\u00e9\u4e2d';
function randomText(r: () => number, max: number): string {
  let s = '';
  const n = int(r, max + 1);
  for (let i = 0; i < n; i++) s += ALPHABET[int(r, ALPHABET.length)];
  return s;
}

/** Flip, insert, delete or duplicate a few characters of a valid input. */
function mutate(r: () => number, s: string): string {
  let out = s;
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits; e++) {
    const i = int(r, out.length + 1);
    switch (int(r, 4)) {
      case 0:
        out = out.slice(0, i) + String.fromCharCode(int(r, 256)) + out.slice(i + 1);
        break;
      case 1:
        out = out.slice(0, i) + pick(r, [',', '*', '$', '"', '{', '}', '-', '0', 'Z']) + out.slice(i);
        break;
      case 2:
        out = out.slice(0, i) + out.slice(i + 1);
        break;
      default:
        out = out.slice(0, i) + out.slice(i, i + int(r, 8)).repeat(2) + out.slice(i);
    }
  }
  return out;
}

function assertWellFormed<T>(d: Decoded<T>): void {
  expect(typeof d.ok).toBe('boolean');
  if (d.ok) expect(d.value).toBeTypeOf('object');
  else {
    expect(typeof d.reason).toBe('string');
    expect(d.reason.length).toBeGreaterThan(0);
    expect(d.reason.length).toBeLessThan(200);
  }
}

const KINDS: DeviceTopicKind[] = ['tap', 'panic', 'rollcall', 'heartbeat', 'status'];
const VALID_MQTT: DeviceMessage[] = [
  { kind: 'tap', device: 'R1', uid: '04D1E2F3', seq: 5, ts: '2026-11-28T20:01:02.123Z' },
  { kind: 'panic', device: 'P1', state: 'pressed', seq: 9, ts: null },
  { kind: 'rollcall', device: 'RC1', call: 'C-1', uid: '04A1B2C3D4E5F6', seq: 0, ts: null },
  { kind: 'heartbeat', device: 'P1', battery: 50, rssi: -70, tamper: false, seq: 3, ts: null },
  { kind: 'status', device: 'P1', status: 'offline' },
];
const VALID_GPL = [
  gplLine('GP,D1,TAP,04D1E2F5,17'),
  gplLine('GP,D1,PANIC,PRESSED,18'),
  gplLine('GP,D1,RC,RC-1,04A1B2C3D4E502,19'),
  gplLine('GP,D1,HB,87,-60,0'),
  gplLine('GP,D1,RCSTART,RC-1,1764360062'),
];

describe('fuzz: decodeMqttPayload', () => {
  it('never throws on 5000 random byte payloads', () => {
    const r = rng(0xc0ffee);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const d = decodeMqttPayload('R1', pick(r, KINDS), randomBytes(r, 300));
      assertWellFormed(d);
      if (d.ok) accepted++;
    }
    // random bytes are essentially never a valid payload (a few "online"s in a row are not going to happen)
    expect(accepted).toBeLessThan(50);
  });
  it('never throws on 5000 mutations of valid payloads, and whatever it accepts re-encodes', () => {
    const r = rng(42);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const msg = pick(r, VALID_MQTT);
      const { kind, payload } = encodeMqttPayload(msg);
      const d = decodeMqttPayload(msg.device, kind, Buffer.from(mutate(r, payload), 'latin1'));
      assertWellFormed(d);
      if (d.ok) {
        accepted++;
        const again = encodeMqttPayload(d.value);
        expect(decodeMqttPayload(msg.device, again.kind, Buffer.from(again.payload))).toEqual(d);
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(5000);
  });
  it('never throws on random JSON trees', () => {
    const r = rng(7);
    const value = (depth: number): unknown => {
      switch (int(r, depth > 4 ? 5 : 7)) {
        case 0:
          return null;
        case 1:
          return r() < 0.5;
        case 2:
          return pick(r, [0, -1, 1.5, 4294967295, 4294967296, 1e300, -0]);
        case 3:
          return randomText(r, 20);
        case 4:
          return pick(r, ['04D1E2F3', 'pressed', 'released', '2026-11-28T20:01:02Z', 'C-1']);
        case 5:
          return Array.from({ length: int(r, 4) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let k = int(r, 6); k > 0; k--) {
            o[pick(r, ['uid', 'seq', 'ts', 'state', 'call', 'battery', 'rssi', 'tamper', 'x', '__proto__'])] =
              value(depth + 1);
          }
          return o;
        }
      }
    };
    for (let i = 0; i < 5000; i++) {
      const payload = Buffer.from(JSON.stringify(value(0)) ?? 'undefined');
      assertWellFormed(decodeMqttPayload('R1', pick(r, KINDS), payload));
    }
  });
});

describe('fuzz: line drivers', () => {
  const ctx: LineContext = { allowedDevices: new Set(['D1']), nextSeq: () => 1 };
  for (const [name, driver] of Object.entries(lineDrivers)) {
    it(`${name}: never throws on 5000 random lines, byte strings and mutations`, () => {
      const r = rng(name.length * 1000 + 1);
      for (let i = 0; i < 5000; i++) {
        const source = i % 3;
        const l =
          source === 0
            ? randomText(r, 300)
            : source === 1
              ? randomBytes(r, 300).toString('latin1')
              : mutate(r, pick(r, [...VALID_GPL, '04D1E2F5\r\n', '04:a1:b2:c3:d4:e5:f6\n']));
        const d = driver.decode(l, ctx);
        assertWellFormed(d);
        if (d.ok) {
          // anything accepted re-encodes to a line that decodes the same (uid-line: seq is assigned again)
          const again = driver.encode(d.value);
          if (again !== null) expect(driver.decode(again, ctx)).toEqual(d);
        }
        assertWellFormed(driver.decodeCommand(l));
        const hint = driver.deviceHint(l, ctx);
        expect(hint === null || hint === 'D1').toBe(true);
      }
    });
  }
  it('gpl: mutations of valid lines are almost all rejected by the checksum or the parser', () => {
    const r = rng(99);
    let accepted = 0;
    let checksum = 0;
    for (let i = 0; i < 5000; i++) {
      const d = lineDrivers.gpl.decode(mutate(r, pick(r, VALID_GPL.slice(0, 4))), ctx);
      if (d.ok) accepted++;
      else if (d.reason.startsWith('bad checksum')) checksum++;
    }
    expect(checksum).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(500);
  });
});
