import { describe, expect, it } from 'vitest';
import { gplChecksum, gplDriver, gplLine } from '../../devices/codecs/gpl.js';
import type { LineContext } from '../../devices/codecs/line.js';
import type { DeviceMessage } from '../../gateway/src/model/event.js';

const ctx: LineContext = {
  allowedDevices: new Set(['U03-SER-PANIC', 'U03-RC-1', 'U03-SER-READER']),
  nextSeq: () => {
    throw new Error('GPL lines carry their own seq');
  },
};

/** Frame a body with the right checksum, without the terminator. */
const line = (body: string): string => gplLine(body).slice(0, -2);

function rejectReason(l: string): string {
  const r = gplDriver.decode(l, ctx);
  if (r.ok) throw new Error(`expected a reject for ${JSON.stringify(l)}, got ${JSON.stringify(r.value)}`);
  return r.reason;
}

describe('GPL/1 checksum', () => {
  it('is the XOR of the bytes between $ and *', () => {
    // G^P = 0x17, ^',' (0x2C) = 0x3B
    expect(gplChecksum('GP,')).toBe('3B');
    expect(gplChecksum('')).toBe('00');
    expect(gplChecksum('A')).toBe('41');
    expect(gplChecksum('AA')).toBe('00');
    expect(gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,1')).toMatch(
      /^\$GP,U03-SER-PANIC,PANIC,PRESSED,1\*[0-9A-F]{2}\r\n$/,
    );
  });
  it('accepts lower-case hex and rejects a wrong checksum with both values', () => {
    const good = line('GP,U03-SER-READER,TAP,04D1E2F5,9');
    const cs = good.slice(-2);
    expect(gplDriver.decode(`${good.slice(0, -2)}${cs.toLowerCase()}`, ctx).ok).toBe(true);
    const wrong = ((Number.parseInt(cs, 16) + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0');
    expect(rejectReason(`${good.slice(0, -2)}${wrong}`)).toBe(
      `bad checksum: line says ${wrong}, computed ${cs}`,
    );
  });
  it('checks the checksum of an empty body, then refuses the empty frame', () => {
    expect(rejectReason('$*00')).toBe('not a GPL/1 line (starts "$", expected "$GP")');
    expect(rejectReason('$*01')).toBe('bad checksum: line says 01, computed 00');
  });
  it('refuses a "*" inside the fields even when the checksum covers it', () => {
    expect(rejectReason(line('GP,U03-SER-READER,TAP,04D1*E2F5,9'))).toBe('"*" inside fields');
  });
});

describe('GPL/1 decode: valid lines', () => {
  const cases: [string, DeviceMessage][] = [
    [
      'GP,U03-SER-READER,TAP,04:d1:e2:f5,17',
      { kind: 'tap', device: 'U03-SER-READER', uid: '04D1E2F5', seq: 17, ts: null },
    ],
    [
      'GP,U03-SER-PANIC,PANIC,PRESSED,18',
      { kind: 'panic', device: 'U03-SER-PANIC', state: 'pressed', seq: 18, ts: null },
    ],
    [
      'GP,U03-SER-PANIC,PANIC,RELEASED,4294967295',
      { kind: 'panic', device: 'U03-SER-PANIC', state: 'released', seq: 4294967295, ts: null },
    ],
    [
      'GP,U03-RC-1,RC,RC-1,04A1B2C3D4E502,19',
      { kind: 'rollcall', device: 'U03-RC-1', call: 'RC-1', uid: '04A1B2C3D4E502', seq: 19, ts: null },
    ],
    [
      'GP,U03-SER-PANIC,HB,87,-60,0',
      {
        kind: 'heartbeat',
        device: 'U03-SER-PANIC',
        battery: 87,
        rssi: -60,
        tamper: false,
        seq: null,
        ts: null,
      },
    ],
    [
      'GP,U03-SER-PANIC,HB,,,1',
      {
        kind: 'heartbeat',
        device: 'U03-SER-PANIC',
        battery: null,
        rssi: null,
        tamper: true,
        seq: null,
        ts: null,
      },
    ],
    [
      'GP,U03-SER-PANIC,HB,,,',
      {
        kind: 'heartbeat',
        device: 'U03-SER-PANIC',
        battery: null,
        rssi: null,
        tamper: null,
        seq: null,
        ts: null,
      },
    ],
  ];
  for (const [body, expected] of cases) {
    it(body, () => {
      expect(gplDriver.decode(line(body), ctx)).toEqual({ ok: true, value: expected });
      // with its terminator, and with a bare \n
      expect(gplDriver.decode(gplLine(body), ctx)).toEqual({ ok: true, value: expected });
      expect(gplDriver.decode(`${line(body)}\n`, ctx)).toEqual({ ok: true, value: expected });
    });
  }
});

describe('GPL/1 decode: every kind of bad line', () => {
  const cases: [string, string, string | RegExp][] = [
    ['empty', '', 'empty line'],
    ['only CRLF', '\r\n', 'empty line'],
    [
      'over-long',
      line(`GP,U03-SER-READER,TAP,04D1E2F5,${'1'.repeat(250)}`),
      /^line too long \(\d+ > 256 bytes\)$/,
    ],
    [
      'non-ASCII',
      line('GP,U03-SER-PANIC,PANIC,PRESSED,1').replace('PRESSED', 'PRÉSSED'),
      'non-ASCII byte 0xC9 at column 27',
    ],
    ['control byte', '$GP,U03\tX*00', 'control byte 0x09 at column 8'],
    ['no $', 'GP,U03-SER-PANIC,PANIC,PRESSED,1*00', 'missing "$" at start of line'],
    ['no *', '$GP,U03-SER-PANIC,PANIC,PRESSED,1', 'missing "*" before checksum'],
    [
      'one hex digit',
      '$GP,U03-SER-PANIC,PANIC,PRESSED,1*A',
      'checksum must be two hex digits after "*" (got "A")',
    ],
    ['three hex digits', '$GP,X*ABC', 'checksum must be two hex digits after "*" (got "ABC")'],
    ['non-hex checksum', '$GP,X*ZZ', 'checksum must be two hex digits after "*" (got "ZZ")'],
    [
      'trailing junk after checksum',
      `${line('GP,U03-SER-PANIC,PANIC,PRESSED,1')} `,
      /^checksum must be two hex digits/,
    ],
    ['"$" inside', line('GP,U03-SER-PANIC,PANIC,$PRESSED,1'), '"$" inside fields'],
    [
      'wrong talker',
      line('XX,U03-SER-PANIC,PANIC,PRESSED,1'),
      'not a GPL/1 line (starts "$XX", expected "$GP")',
    ],
    ['no TYPE', line('GP,U03-SER-PANIC'), 'missing TYPE'],
    ['bad device id', line('GP,U03 PANIC,PANIC,PRESSED,1'), 'device: "U03 PANIC" is not a valid id'],
    ['empty device id', line('GP,,PANIC,PRESSED,1'), 'device: "" is not a valid id'],
    [
      'device not on this port',
      line('GP,U01-PANIC-1,PANIC,PRESSED,1'),
      'device U01-PANIC-1 is not bound to this port',
    ],
    ['unknown type', line('GP,U03-SER-PANIC,FIRE,1'), 'unknown TYPE "FIRE" (expected TAP, PANIC, RC or HB)'],
    ['lower-case type', line('GP,U03-SER-PANIC,panic,PRESSED,1'), /^unknown TYPE "panic"/],
    [
      'RCSTART from a device',
      line('GP,U03-RC-1,RCSTART,C1,1764360062'),
      'RCSTART is a gateway command, not a device line',
    ],
    ['TAP too few fields', line('GP,U03-SER-READER,TAP,04D1E2F5'), 'TAP: expected 2 fields (uid,seq), got 1'],
    [
      'TAP too many fields',
      line('GP,U03-SER-READER,TAP,04D1E2F5,1,2'),
      'TAP: expected 2 fields (uid,seq), got 3',
    ],
    [
      'TAP bad uid',
      line('GP,U03-SER-READER,TAP,04D1E2,1'),
      'uid: must be an NFC UID of 8, 14 or 20 hex digits',
    ],
    ['TAP negative seq', line('GP,U03-SER-READER,TAP,04D1E2F5,-1'), 'seq: must be an integer 0..4294967295'],
    [
      'TAP overflow seq',
      line('GP,U03-SER-READER,TAP,04D1E2F5,4294967296'),
      'seq: must be an integer 0..4294967295',
    ],
    ['TAP float seq', line('GP,U03-SER-READER,TAP,04D1E2F5,1.0'), 'seq: must be an integer 0..4294967295'],
    ['TAP empty seq', line('GP,U03-SER-READER,TAP,04D1E2F5,'), 'seq: must be an integer 0..4294967295'],
    ['PANIC bad state', line('GP,U03-SER-PANIC,PANIC,pressed,1'), 'state: must be PRESSED or RELEASED'],
    [
      'PANIC missing seq',
      line('GP,U03-SER-PANIC,PANIC,PRESSED'),
      'PANIC: expected 2 fields (PRESSED|RELEASED,seq), got 1',
    ],
    ['RC bad call', line('GP,U03-RC-1,RC,-x,04D1E2F5,1'), /^call: must be an id/],
    ['RC fields missing', line('GP,U03-RC-1,RC,C1,1'), 'RC: expected 3 fields (call,uid,seq), got 2'],
    ['HB battery 101', line('GP,U03-SER-PANIC,HB,101,-60,0'), 'battery: must be an integer 0..100 or empty'],
    [
      'HB battery negative',
      line('GP,U03-SER-PANIC,HB,-0,-60,0'),
      'battery: must be an integer 0..100 or empty',
    ],
    ['HB rssi text', line('GP,U03-SER-PANIC,HB,50,weak,0'), /^rssi: must be an integer/],
    ['HB tamper 2', line('GP,U03-SER-PANIC,HB,50,-60,2'), 'tamper: must be 0, 1 or empty'],
    [
      'HB two fields',
      line('GP,U03-SER-PANIC,HB,50,-60'),
      'HB: expected 3 fields (battery,rssi,tamper), got 2',
    ],
  ];
  for (const [name, l, expected] of cases) {
    it(name, () => {
      const got = rejectReason(l);
      if (typeof expected === 'string') expect(got).toBe(expected);
      else expect(got).toMatch(expected);
    });
  }
  it('accepts a line of exactly 256 bytes', () => {
    // `$` + body + `*CS` = 256: pad the uid with separators, which normalise away
    const frame = (colons: number) => line(`GP,U03-SER-READER,TAP,04${':'.repeat(colons)}D1E2F5,1`);
    const colons = 256 - frame(0).length;
    expect(frame(colons).length).toBe(256);
    expect(gplDriver.decode(frame(colons), ctx)).toMatchObject({
      ok: true,
      value: { uid: '04D1E2F5', seq: 1 },
    });
    expect(rejectReason(frame(colons + 1))).toBe('line too long (257 > 256 bytes)');
  });
});

describe('GPL/1 commands and encoding', () => {
  it('encodes RCSTART with the deadline in unix seconds, and the terminal decodes it', () => {
    const cmd = { kind: 'rollcall' as const, call: 'RC-1', deadline: 1_764_360_062_999, unit: 'U03' };
    const l = gplDriver.encodeCommand('U03-RC-1', cmd);
    expect(l).toBe(gplLine('GP,U03-RC-1,RCSTART,RC-1,1764360062'));
    expect(l?.endsWith('\r\n')).toBe(true);
    expect(gplDriver.decodeCommand(l ?? '')).toEqual({
      ok: true,
      value: {
        device: 'U03-RC-1',
        command: { kind: 'rollcall', call: 'RC-1', deadline: 1_764_360_062_000, unit: '' },
      },
    });
  });
  it('refuses to encode a command with an invalid id', () => {
    expect(
      gplDriver.encodeCommand('bad id', { kind: 'rollcall', call: 'C', deadline: 0, unit: 'U' }),
    ).toBeNull();
    expect(
      gplDriver.encodeCommand('D', { kind: 'rollcall', call: 'a,b', deadline: 0, unit: 'U' }),
    ).toBeNull();
  });
  it('decodeCommand refuses device lines and bad RCSTART lines', () => {
    expect(gplDriver.decodeCommand(line('GP,D,TAP,04D1E2F5,1'))).toEqual({
      ok: false,
      reason: 'not a command: TYPE "TAP" (expected RCSTART)',
    });
    expect(gplDriver.decodeCommand(line('GP,D,RCSTART,C1,soon'))).toEqual({
      ok: false,
      reason: 'deadline: must be unix seconds',
    });
    expect(gplDriver.decodeCommand('$GP,D,RCSTART,C1,1*00')).toMatchObject({
      ok: false,
      reason: /^bad checksum/,
    });
  });
  it('round trips every encodable message', () => {
    const messages: DeviceMessage[] = [
      { kind: 'tap', device: 'U03-SER-READER', uid: '04A1B2C3D4E5F6A7B8C9', seq: 0, ts: null },
      { kind: 'panic', device: 'U03-SER-PANIC', state: 'released', seq: 99, ts: null },
      { kind: 'rollcall', device: 'U03-RC-1', call: 'C.2', uid: '04A1B2C3', seq: 7, ts: null },
      {
        kind: 'heartbeat',
        device: 'U03-SER-PANIC',
        battery: 100,
        rssi: 0,
        tamper: null,
        seq: null,
        ts: null,
      },
    ];
    for (const msg of messages) {
      const l = gplDriver.encode(msg);
      expect(l).not.toBeNull();
      expect(gplDriver.decode(l ?? '', ctx)).toEqual({ ok: true, value: msg });
    }
    expect(gplDriver.encode({ kind: 'status', device: 'U03-SER-PANIC', status: 'online' })).toBeNull();
  });
  it('names the device of a bad line only when it is bound to the port', () => {
    expect(gplDriver.deviceHint('$GP,U03-SER-PANIC,PANIC,X*00', ctx)).toBe('U03-SER-PANIC');
    expect(gplDriver.deviceHint('$GP,U01-PANIC-1,PANIC,X*00', ctx)).toBeNull();
    expect(gplDriver.deviceHint('garbage', ctx)).toBeNull();
  });
});
