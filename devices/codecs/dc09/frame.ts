/**
 * SIA DC-09 frames (integrations.md §1): `\n` + CRC (4 hex, CRC-16/ARC) +
 * length (`0` + 3 hex) + `"token"` + 4-digit sequence + `R…` (optional) +
 * `L…` + `#account` + `[data]` + `[extended]…` + `_HH:MM:SS,MM-DD-YYYY` + `\r`.
 * The CRC and the length cover the message from the opening quote to the end
 * (the `\r` excluded). Encrypted tokens (`*SIA-DCS`…) carry everything after
 * `[` as AES hex (crypto.ts). Pure: the time is passed in, never read here.
 */
import type { Decoded } from '../../../gateway/src/model/event.js';
import { crc16arc, hex4 } from './crc.js';
import { decryptContent, encryptContent, type RandomBytes } from './crypto.js';

export const TOKENS = ['SIA-DCS', 'ADM-CID', 'NULL', 'ACK', 'NAK', 'DUH'] as const;
export type Dc09Token = (typeof TOKENS)[number];

/** Longest frame either side accepts (the length field caps at 0FFF). */
export const MAX_FRAME_CHARS = 0x0fff + 10;

export interface Dc09Frame {
  token: Dc09Token;
  encrypted: boolean;
  /** 0..9999 */
  seq: number;
  /** Receiver number with its `R` (e.g. `R12`), or null. */
  receiver: string | null;
  /** Account prefix with its `L` (e.g. `L0`). */
  prefix: string;
  /** Account (3–16 hex) or null when the header has none. */
  account: string | null;
  /** Between `[` and `]`, e.g. `#AAA|Nri1/PA`. */
  data: string;
  /** Extended data blocks, each without its brackets (e.g. `X114E…`). */
  extended: string[];
  /** Epoch ms of the UTC timestamp (whole seconds), or null when absent. */
  timestamp: number | null;
}

export interface EncodeOptions {
  /** AES key: the frame is sent encrypted (`"*SIA-DCS"`). */
  key?: string | null;
  random?: RandomBytes;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `_HH:MM:SS,MM-DD-YYYY` in UTC. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `_${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())},` +
    `${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${d.getUTCFullYear()}`
  );
}

const TS = /^_(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/;

export function parseTimestamp(text: string): number | null {
  const m = TS.exec(text);
  if (!m) return null;
  const [h, mi, s, mo, d, y] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59 || mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : null;
}

/** The message between the length field and `\r` (what the CRC covers). */
export function encodeMessage(f: Dc09Frame, opts: EncodeOptions = {}): string {
  const key = opts.key ?? null;
  const head =
    `"${key ? '*' : ''}${f.token}"${String(f.seq).padStart(4, '0')}` +
    `${f.receiver ?? ''}${f.prefix}${f.account !== null ? `#${f.account}` : ''}[`;
  const tail =
    `${f.data}]${f.extended.map((x) => `[${x}]`).join('')}` +
    (f.timestamp !== null ? formatTimestamp(f.timestamp) : '');
  return head + (key ? encryptContent(tail, key, opts.random) : tail);
}

/** A whole frame, `\n` … `\r`. */
export function encodeFrame(f: Dc09Frame, opts: EncodeOptions = {}): string {
  const message = encodeMessage(f, opts);
  return `\n${hex4(crc16arc(message))}0${message.length.toString(16).toUpperCase().padStart(3, '0')}${message}\r`;
}

export interface DecodeOptions {
  /** Keys by account (or '' for any account) to decrypt `*` frames. */
  key?: string | ((account: string | null) => string | null | undefined) | null;
  /** Check the length field (default true; some published examples carry a wrong one). */
  checkLength?: boolean;
}

const HEADER =
  /^"(\*?)(SIA-DCS|ADM-CID|NULL|ACK|NAK|DUH)"(\d{4})(R[0-9A-Fa-f]{1,6})?(L[0-9A-Fa-f]{1,6})(?:#([0-9A-Fa-f]{3,16})|A[0-9A-Fa-f]{1,16})?\[/;

/**
 * Decode one frame: with or without the leading `\n` and trailing `\r`.
 * Checks, in order: size, CRC and length fields, CRC, length, header,
 * decryption, data/extended/timestamp syntax.
 */
export function decodeFrame(frame: string, opts: DecodeOptions = {}): Decoded<Dc09Frame> {
  let s = frame;
  if (s.startsWith('\n')) s = s.slice(1);
  if (s.endsWith('\r')) s = s.slice(0, -1);
  if (s.length > MAX_FRAME_CHARS) return { ok: false, reason: 'frame: too long' };
  if (!/^[0-9A-Fa-f]{8}/.test(s)) return { ok: false, reason: 'header: no CRC and length fields' };
  const message = s.slice(8);
  if (Number.parseInt(s.slice(0, 4), 16) !== crc16arc(message)) return { ok: false, reason: 'crc: mismatch' };
  if (opts.checkLength !== false && Number.parseInt(s.slice(4, 8), 16) !== message.length) {
    return { ok: false, reason: 'length: mismatch' };
  }
  const h = HEADER.exec(message);
  if (!h) return { ok: false, reason: 'header: not a DC-09 message' };
  const encrypted = h[1] === '*';
  const account = h[6] ?? null;
  let tail = message.slice(h[0].length);
  if (encrypted) {
    const k = typeof opts.key === 'function' ? opts.key(account) : opts.key;
    if (!k) return { ok: false, reason: 'encrypted: no key for this account' };
    const plain = decryptContent(tail, k);
    if (!plain.ok) return plain;
    tail = plain.value;
  }
  const close = tail.indexOf(']');
  if (close < 0) return { ok: false, reason: 'data: no closing ]' };
  const data = tail.slice(0, close);
  if (data.includes('[')) return { ok: false, reason: 'data: [ inside data' };
  let rest = tail.slice(close + 1);
  const extended: string[] = [];
  while (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return { ok: false, reason: 'extended: no closing ]' };
    extended.push(rest.slice(1, end));
    rest = rest.slice(end + 1);
  }
  let timestamp: number | null = null;
  if (rest.length > 0) {
    timestamp = parseTimestamp(rest);
    if (timestamp === null) return { ok: false, reason: 'timestamp: not _HH:MM:SS,MM-DD-YYYY' };
  }
  return {
    ok: true,
    value: {
      token: h[2] as Dc09Token,
      encrypted,
      seq: Number(h[3]),
      receiver: h[4] ?? null,
      prefix: h[5] as string,
      account,
      data,
      extended,
      timestamp,
    },
  };
}

export interface Dc09Answer {
  token: 'ACK' | 'NAK' | 'DUH';
  seq: number;
}

const ANSWER = /"\*?(ACK|NAK|DUH)"(\d{4})/;

/**
 * What a receiver answered, recognised by its token and sequence whatever
 * else the frame carries (a literal `None` receiver number, a bad CRC of a
 * sloppy receiver, an encrypted body): the sender only needs these two.
 */
export function recogniseAnswer(frame: string): Dc09Answer | null {
  if (frame.length > MAX_FRAME_CHARS) return null;
  const m = ANSWER.exec(frame.slice(0, 64));
  if (!m) return null;
  return { token: m[1] as Dc09Answer['token'], seq: Number(m[2]) };
}
