/**
 * DC-09 frames against published examples (CRC, length, timestamp, plain and
 * encrypted), and property tests: any account / sequence / data round-trips
 * through the decoder, plain and encrypted with every key size.
 *
 * The example frames are copied as data from:
 * - eavanvalkenburg/pysiaalarm, tests/test_sia_package_cases.py (commit 0f539a6;
 *   several of its frames carry a wrong length field, which pysiaalarm does not
 *   check: those are decoded with checkLength: false and the strict decoder
 *   must report the length);
 * - fioletoven/dc09, common/src/dc09/message.tests.rs.
 */
import { describe, expect, it } from 'vitest';
import {
  crc16arc,
  type Dc09Frame,
  decodeFrame,
  encodeFrame,
  FrameSplitter,
  hex4,
  parseCidData,
  parseSiaData,
  recogniseAnswer,
} from '../../devices/codecs/dc09/index.js';
import { createRng } from '../../simulators/prng.js';

const PYSIA_KEY = 'AAAAAAAAAAAAAAAA';

function ok(frame: string, opts: Parameters<typeof decodeFrame>[1] = {}): Dc09Frame {
  const d = decodeFrame(frame, opts);
  if (!d.ok) throw new Error(`${JSON.stringify(frame)}: ${d.reason}`);
  return d.value;
}

describe('published frames', () => {
  it('fioletoven/dc09: plain frames with receiver, prefix and empty data', () => {
    const a = ok('\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r');
    expect(a).toMatchObject({ token: 'SIA-DCS', seq: 1, receiver: 'RF3', prefix: 'L77', account: '1234' });
    expect(a.data).toBe('#1234|NRR|Atest');
    const b = ok('\n96ED0016"SIA-DCS"0001L0#1234[]\r');
    expect(b).toMatchObject({
      seq: 1,
      receiver: null,
      prefix: 'L0',
      account: '1234',
      data: '',
      timestamp: null,
    });
    // our encoder produces the same bytes
    expect(encodeFrame(a)).toBe('\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r');
    expect(encodeFrame(b)).toBe('\n96ED0016"SIA-DCS"0001L0#1234[]\r');
  });

  it('fioletoven/dc09: a receiver NAK with timestamp', () => {
    const nak = '\nE4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025\r';
    const f = ok(nak);
    expect(f).toMatchObject({ token: 'NAK', seq: 0, account: null });
    expect(f.timestamp).toBe(Date.UTC(2025, 8, 24, 16, 20, 1));
    expect(recogniseAnswer(nak)).toEqual({ token: 'NAK', seq: 0 });
  });

  it('pysiaalarm: encrypted NULL with its key (CRC, length, pad, timestamp)', () => {
    const line =
      '76D80055"*NULL"0000R0L0#AAAB[B4BC8B40D0E6D959D6BEA78E88CC0B2155741A3C44FBB96D476A3E557CAD64D9';
    const f = ok(line, { key: PYSIA_KEY });
    expect(f).toMatchObject({
      token: 'NULL',
      encrypted: true,
      seq: 0,
      receiver: 'R0',
      account: 'AAAB',
      data: '',
    });
    expect(f.timestamp).toBe(Date.UTC(2020, 6, 5, 18, 24, 52));
    expect(decodeFrame(line, { key: 'BBBBBBBBBBBBBBBB' })).toMatchObject({ ok: false });
    expect(decodeFrame(line)).toEqual({ ok: false, reason: 'encrypted: no key for this account' });
  });

  it('pysiaalarm: encrypted ADM-CID frame passes CRC and length (key not published)', () => {
    const line =
      'D0850078"*ADM-CID"6879R0L0#123F[64F7ADD9BA9377DBF2C014BC709329BEEE345B5F20C60B7EB9D2C6B8C222666B13D0B4A114B448B0AC555FCC658DB6EE';
    expect(decodeFrame(line)).toEqual({ ok: false, reason: 'encrypted: no key for this account' });
    expect(decodeFrame(line, { key: PYSIA_KEY })).toMatchObject({ ok: false });
  });

  const loose: Array<[string, Partial<Dc09Frame>]> = [
    [
      '97F90078"SIA-DCS"6002L0#AAA[|Nri2/JC12]_12:58:23,09-15-2021',
      { seq: 6002, account: 'AAA', data: '|Nri2/JC12', timestamp: Date.UTC(2021, 8, 15, 12, 58, 23) },
    ],
    [
      '87570078"SIA-DCS"6002L0#AAA[|Nri1/CL501][M0026B9E4268B]_14:12:04,09-25-2019',
      { data: '|Nri1/CL501', extended: ['M0026B9E4268B'], timestamp: Date.UTC(2019, 8, 25, 14, 12, 4) },
    ],
    [
      '5B090059"SIA-DCS"0004L0#1111[#1111|Nri1/PA501][X006E07.7777777][Y49N06.6666666]_20:45:46,04-22-2021',
      { seq: 4, data: '#1111|Nri1/PA501', extended: ['X006E07.7777777', 'Y49N06.6666666'] },
    ],
    [
      '57150047"ADM-CID"0247R4F39L4F39#4F39[#4F39|3401 01 057]',
      { token: 'ADM-CID', seq: 247, receiver: 'R4F39', prefix: 'L4F39', account: '4F39', timestamp: null },
    ],
    ['E5D50078"SIA-DCS"6002L0#AAA[|Nri1/CL501]_14:12:04,09-25-2019', { data: '|Nri1/CL501' }],
  ];

  it.each(loose)('pysiaalarm: %s (right CRC, wrong length field)', (line, expected) => {
    expect(ok(line, { checkLength: false })).toMatchObject(expected);
    expect(decodeFrame(line)).toEqual({ ok: false, reason: 'length: mismatch' });
  });

  it('pysiaalarm: the CRC its fixture computes for a frame whose sent CRC is wrong', () => {
    const message = '"SIA-DCS"5268L0#AAA[Nri1/WA000]_08:40:47,07-08-2020';
    expect(hex4(crc16arc(message))).toBe('E9A4');
    expect(decodeFrame(`C4160279${message}`, { checkLength: false })).toEqual({
      ok: false,
      reason: 'crc: mismatch',
    });
  });

  it('data blocks of the examples parse', () => {
    expect(parseSiaData('#1111|Nri1/PA501')).toEqual({
      ok: true,
      value: { account: '1111', zone: 1, code: 'PA' },
    });
    expect(parseSiaData('|Nri2/JC12')).toEqual({ ok: true, value: { account: null, zone: 2, code: 'JC' } });
    expect(parseCidData('#4F39|3401 01 057')).toEqual({
      ok: true,
      value: { account: '4F39', qualifier: 3, event: 401, partition: 1, zone: 57 },
    });
  });

  it('answers are recognised by token and sequence whatever else they carry', () => {
    expect(recogniseAnswer('\nABCD0020"ACK"0042NoneL0#AAA[]\r')).toEqual({ token: 'ACK', seq: 42 });
    expect(recogniseAnswer('"*ACK"0007L0#AAA[0011223344556677]')).toEqual({ token: 'ACK', seq: 7 });
    expect(recogniseAnswer('"DUH"0001')).toEqual({ token: 'DUH', seq: 1 });
    expect(recogniseAnswer('"SIA-DCS"0001L0#AAA[]')).toBeNull();
  });
});

describe('property: encode → decode round trip', () => {
  const HEX = '0123456789ABCDEF';
  const DATA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 #|/^.,:;-_=+*';
  const KEY = '!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz{}~';
  const str = (r: ReturnType<typeof createRng>, chars: string, min: number, max: number): string =>
    Array.from({ length: r.int(min, max) }, () => chars[r.int(0, chars.length - 1)]).join('');

  it('1000 random frames, plain and encrypted (16/24/32-char keys)', () => {
    const r = createRng(20261202);
    for (let i = 0; i < 1000; i++) {
      const frame: Dc09Frame = {
        token: r.pick(['SIA-DCS', 'ADM-CID', 'NULL', 'ACK', 'NAK', 'DUH'] as const),
        encrypted: false,
        seq: r.int(0, 9999),
        receiver: r.chance(0.3) ? `R${str(r, HEX, 1, 6)}` : null,
        prefix: `L${str(r, HEX, 1, 6)}`,
        account: r.chance(0.9) ? str(r, HEX, 3, 16) : null,
        data: str(r, DATA, 0, 120),
        extended: r.chance(0.2) ? [str(r, DATA, 1, 30)] : [],
        timestamp: r.chance(0.9) ? Math.floor(r.between(0, 4_102_444_800)) * 1000 : null,
      };
      expect(ok(encodeFrame(frame))).toEqual(frame);
      const size = [16, 24, 32][i % 3] ?? 16;
      const k = str(r, KEY, size, size);
      const enc = encodeFrame(frame, { key: k });
      expect(ok(enc, { key: k })).toEqual({ ...frame, encrypted: true });
      // a split stream returns the same frames
      const splitter = new FrameSplitter();
      const cut = r.int(1, enc.length - 1);
      expect([...splitter.push(`noise${enc.slice(0, cut)}`), ...splitter.push(enc.slice(cut))]).toEqual([
        enc.slice(1, -1),
      ]);
    }
  });
});
