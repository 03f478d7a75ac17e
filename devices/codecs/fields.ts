/**
 * Field rules shared by every codec (MQTT JSON, GPL/1, uid-line). Pure,
 * never throw; each check returns null when fine, else a short reason that
 * names the field.
 */
import { ID_PATTERN, normaliseUidOrNull } from '../../gateway/src/config/schema.js';

export const UINT32_MAX = 4_294_967_295;
export const RSSI_MIN = -32_768;
export const RSSI_MAX = 32_767;

export const SEQ_REASON = 'seq: must be an integer 0..4294967295';
export const UID_REASON = 'must be an NFC UID of 8, 14 or 20 hex digits';

export function isUint32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;
}

export function isId(s: unknown): s is string {
  return typeof s === 'string' && ID_PATTERN.test(s);
}

/** Upper case hex without separators, or null. Bounded before the regex work. */
export function uidOrNull(raw: string): string | null {
  if (raw.length > 256) return null;
  return normaliseUidOrNull(raw);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * RFC 3339 date-time syntax (section 5.6), with calendar ranges checked.
 * Only the syntax: how far it is from the gateway clock is the pipeline's call.
 */
export function isRfc3339(s: string): boolean {
  if (s.length > 40) return false;
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** Decimal digits only (no sign, no exponent, no spaces): the text form of seq on serial lines. */
export function parseUint32Text(s: string): number | null {
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= UINT32_MAX ? n : null;
}

/** Optional signed decimal integer within [min, max]; '' → null (absent). undefined → invalid. */
export function parseIntText(s: string, min: number, max: number): number | null | undefined {
  if (s === '') return null;
  if (!/^-?\d{1,6}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}
