/**
 * ATTLOG bodies of ZKTeco-style push terminals (docs/zkpush.md): one punch per
 * line, tab-separated `PIN, YYYY-MM-DD HH:MM:SS, status, verify, workcode,
 * reserved…`, the time in the terminal's local time (the site's time zone).
 * Pure (the sliced parse only yields between slices): a body in, the good
 * punches and a reason per refused line out; a bad line never spoils the good ones.
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

/** UTC offsets (minutes) by zone and quarter hour: luxon costs ~70 µs a call, a full body has thousands of lines. */
const offsets = new Map<string, number>();
const QUARTER = 900_000;

function offsetAt(ms: number, zone: string): number {
  const key = `${zone}\u0000${Math.floor(ms / QUARTER)}`;
  let o = offsets.get(key);
  if (o === undefined) {
    if (offsets.size > 10_000) offsets.clear();
    o = DateTime.fromMillis(ms, { zone }).offset;
    offsets.set(key, o);
  }
  return o;
}

/**
 * "2026-12-02 08:00:01" in `zone` → epoch ms; null when it is no such time
 * (a bad date, or a wall time skipped by a DST change). A wall time that
 * happens twice (the autumn hour) is its first instant.
 */
export function localToEpoch(local: string, zone: string): number | null {
  if (!TIME.test(local)) return null;
  const n = (a: number, b: number): number => Number(local.slice(a, b));
  const [y, mo, d, h, mi, sec] = [n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19)];
  if (y < 1970 || y > 2099 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, sec);
  if (new Date(wall).getUTCDate() !== d) return null; // 30 February
  // the instant whose wall time this is: try the offset around it, then the other side of a change
  let t = wall - offsetAt(wall, zone) * 60_000;
  const o2 = offsetAt(t, zone);
  if (t + o2 * 60_000 !== wall) t = wall - o2 * 60_000;
  return t + offsetAt(t, zone) * 60_000 === wall ? t : null;
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

/** Parse an ATTLOG body (`\n` or `\r\n` line ends; empty lines skipped); `firstLine`: number of its first line. */
export function parseAttlog(body: string, zone: string, firstLine = 1): Attlog {
  const out: Attlog = { punches: [], rejects: [], lines: 0 };
  const rows = body.split('\n');
  rows.forEach((row, i) => {
    const text = row.endsWith('\r') ? row.slice(0, -1) : row;
    if (text.trim() === '') return;
    out.lines++;
    const r = parseLine(text, firstLine + i, zone);
    if ('reason' in r) out.rejects.push(r);
    else out.punches.push(r);
  });
  return out;
}

/** Characters parsed per turn of the event loop (~1-2 ms of work; a full body is ~25 ms). */
export const SLICE_CHARS = 16 * 1024;

/**
 * parseAttlog in slices of whole lines, yielding to the event loop between
 * them, so a large upload never holds the thread that carries panics.
 */
export async function parseAttlogSliced(body: string, zone: string): Promise<Attlog> {
  const out: Attlog = { punches: [], rejects: [], lines: 0 };
  let pos = 0;
  let line = 1;
  while (pos < body.length) {
    const nl = body.indexOf('\n', Math.min(body.length, pos + SLICE_CHARS));
    const end = nl < 0 ? body.length : nl + 1;
    const slice = body.slice(pos, end);
    const part = parseAttlog(slice, zone, line);
    out.punches.push(...part.punches);
    out.rejects.push(...part.rejects);
    out.lines += part.lines;
    for (let i = 0; i < slice.length; i++) if (slice.charCodeAt(i) === 10) line++;
    pos = end;
    if (pos < body.length) await new Promise<void>((r) => setImmediate(r));
  }
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
