import { describe, expect, it } from 'vitest';
import { lineDrivers } from '../../devices/codecs/index.js';
import type { LineContext } from '../../devices/codecs/line.js';

const driver = lineDrivers['uid-line'];

function context(devices: string[]): LineContext & { issued: number[] } {
  let seq = 41;
  const issued: number[] = [];
  return {
    allowedDevices: new Set(devices),
    issued,
    nextSeq: () => {
      seq += 1;
      issued.push(seq);
      return seq;
    },
  };
}

describe('uid-line driver', () => {
  it('decodes one UID per line for the single bound reader, with a gateway-assigned seq', () => {
    const ctx = context(['U03-SER-READER']);
    expect(driver.decode('04d1e2f5', ctx)).toEqual({
      ok: true,
      value: { kind: 'tap', device: 'U03-SER-READER', uid: '04D1E2F5', seq: 42, ts: null },
    });
    expect(driver.decode(' 04-A1-B2-C3-D4-E5-F6 \r\n', ctx)).toMatchObject({
      ok: true,
      value: { uid: '04A1B2C3D4E5F6', seq: 43 },
    });
    expect(driver.decode('04:A1:B2:C3:D4:E5:F6:07:08:09', ctx)).toMatchObject({
      ok: true,
      value: { seq: 44 },
    });
  });
  it('rejects bad lines without consuming a seq', () => {
    const ctx = context(['U03-SER-READER']);
    const cases: [string, string][] = [
      ['', 'empty line'],
      ['   ', 'empty line'],
      ['04D1E2', 'uid: must be an NFC UID of 8, 14 or 20 hex digits'],
      ['04D1 E2F5', 'uid: must be an NFC UID of 8, 14 or 20 hex digits'],
      ['$GP,X,TAP,04D1E2F5,1*00', 'uid: must be an NFC UID of 8, 14 or 20 hex digits'],
      ['04D1E2F\u00c5', 'non-ASCII byte 0xC5 at column 8'],
      ['04D1\u0000E2F5', 'control byte 0x00 at column 5'],
      ['0'.repeat(300), 'line too long (300 > 256 bytes)'],
    ];
    for (const [l, reason] of cases)
      expect(driver.decode(l, ctx), JSON.stringify(l)).toEqual({ ok: false, reason });
    expect(ctx.issued).toEqual([]);
  });
  it('refuses to guess when the port binds several devices', () => {
    const ctx = context(['A', 'B']);
    expect(driver.decode('04D1E2F5', ctx)).toEqual({
      ok: false,
      reason: 'uid-line port must bind exactly one device (has 2)',
    });
    expect(driver.deviceHint('04D1E2F5', ctx)).toBeNull();
    expect(driver.deviceHint('junk', context(['A']))).toBe('A');
  });
  it('encodes taps only, and has no commands', () => {
    const ctx = context(['R']);
    const l = driver.encode({ kind: 'tap', device: 'R', uid: '04D1E2F5', seq: null, ts: null });
    expect(l).toBe('04D1E2F5\r\n');
    expect(driver.decode(l ?? '', ctx)).toMatchObject({ ok: true, value: { uid: '04D1E2F5', device: 'R' } });
    expect(driver.encode({ kind: 'panic', device: 'R', state: 'pressed', seq: 1, ts: null })).toBeNull();
    expect(driver.encodeCommand('R', { kind: 'rollcall', call: 'C', deadline: 0, unit: 'U' })).toBeNull();
    expect(driver.decodeCommand('anything').ok).toBe(false);
  });
  it('the registry names every driver after its key', () => {
    for (const [name, d] of Object.entries(lineDrivers)) {
      expect(d.name).toBe(name);
      expect(d.maxLineBytes).toBe(256);
    }
  });
});
