/**
 * ATTLOG bodies of ZKTeco-style push terminals (docs/zkpush.md): one punch per
 * line, tab-separated `PIN, YYYY-MM-DD HH:MM:SS, status, verify, workcode,
 * reserved…`, the time in the terminal's local time (the site's time zone).
 * Pure: a body in, the good punches and a reason per refused line out; a bad
 * line never spoils the good ones.
 */
import { DateTime } from 'luxon';
import { normalisePin } from '../config/validate-zkpush.js';

export interface Punch {
  /** 1-based line number in the body. */
  line: number;
  /** Normalised (leading zeros dropped from digit PINs). */
  pin: string;
  /** The terminal's local time as sent. */
  local: string;
  /** Instant of `local` in the site's time zone, epoch ms. */
  at: number;
  status: number | null;
  verify: number | null;
}

export interface LineReject {
  line: number;
  reason: string;
}

export interface Attlog {
  punches: Punch[];
  rejects: LineReject[];
  /** Non-empty lines seen. */
  lines: number;
}

/** Longer lines are refused unread (real ones are under 100 characters). */
export const MAX_LINE_CHARS = 512;
const PIN = /^[A-Za-z0-9]{1,24}$/;
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
// any control character but tab (a NUL, an escape sequence for the log, a stray CR mid-line)
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** "2026-12-02 08:00:01" in `zone` → epoch ms; null when it is no such time. */
export function localToEpoch(local: string, zone: string): number | null {
  if (!TIME.test(local)) return null;
  const t = DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm:ss', { zone });
  if (!t.isValid) return null;
  // a wall time skipped by a DST change is moved by luxon; it was never on a correct clock
  if (t.toFormat('yyyy-MM-dd HH:mm:ss') !== local) return null;
  return t.toMillis();
}

/** epoch ms → "YYYY-MM-DD HH:MM:SS" in `zone` (what terminals read and show). */
export function epochToLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
}

const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function small(field: string | undefined): number | null | undefined {
  if (field === undefined || field.trim() === '') return null;
  return /^\d{1,3}$/.test(field.trim()) ? Number(field.trim()) : undefined;
}

function parseLine(text: string, line: number, zone: string): Punch | LineReject {
  const bad = (why: string): LineReject => ({ line, reason: `ATTLOG line ${line}: ${why}` });
  if (text.length > MAX_LINE_CHARS) return bad(`longer than ${MAX_LINE_CHARS} characters`);
  if (CONTROL.test(text)) return bad('control characters in the line');
  if (text.includes('\ufffd')) return bad('not UTF-8');
  const f = text.split('\t');
  const pinField = (f[0] ?? '').trim();
  if (f.length < 2) return bad('no tab-separated time after the PIN');
  if (!PIN.test(pinField)) return bad(`PIN ${show(pinField)} is not 1-24 letters or digits`);
  const local = (f[1] ?? '').trim();
  const at = localToEpoch(local, zone);
  if (at === null) return bad(`time ${show(local)} is not a valid local YYYY-MM-DD HH:MM:SS`);
  const status = small(f[2]);
  if (status === undefined) return bad(`status ${show(f[2] ?? '')} is not a small number`);
  const verify = small(f[3]);
  if (verify === undefined) return bad(`verify mode ${show(f[3] ?? '')} is not a small number`);
  return { line, pin: normalisePin(pinField), local, at, status, verify };
}

/** Parse a whole ATTLOG body (`\n` or `\r\n` line ends; empty lines skipped). */
export function parseAttlog(body: string, zone: string): Attlog {
  const out: Attlog = { punches: [], rejects: [], lines: 0 };
  const rows = body.split('\n');
  rows.forEach((row, i) => {
    const text = row.endsWith('\r') ? row.slice(0, -1) : row;
    if (text.trim() === '') return;
    out.lines++;
    const r = parseLine(text, i + 1, zone);
    if ('reason' in r) out.rejects.push(r);
    else out.punches.push(r);
  });
  return out;
}

/**
 * A stable uint32 for one punch (FNV-1a of PIN and time): the terminal resends
 * a batch it got no OK for, and (device, seq) is what the journal dedupes.
 */
export function punchSeq(pin: string, local: string): number {
  let h = 0x811c9dc5;
  const s = `${pin}\t${local}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
