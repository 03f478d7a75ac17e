/**
 * Decoding of console and operator inputs (protocol.md §1.3 ack/resolve,
 * §1.4 ops, and the inspection extension). Pure; never throws.
 */
import { parseJsonObject } from '../../../devices/codecs/mqtt-json.js';
import type { Account, Site } from '../config/site.js';
import type { OpInput } from '../journal/types.js';
import type { Decoded } from '../model/event.js';
import type { ParsedTopic } from '../topics.js';

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1000;

export function decodeOp(
  parsed: ParsedTopic,
  payload: Buffer,
  account: Account,
  site: Site,
  /** Where it came from (source address, or the transport), for the alert audit trail. */
  from?: string,
): Decoded<OpInput> {
  const obj = parseJsonObject(payload);
  if (!obj.ok) return obj;
  const o = obj.value;
  const by = account.id;
  const isAdmin = account.kind === 'operator' && account.operator.role === 'admin';
  const src = from === undefined ? {} : { from };
  switch (parsed.type) {
    case 'ack':
    case 'resolve':
    case 'view':
    case 'take':
    case 'checklist': {
      if (!str(o.id) || o.id.length > 64) return { ok: false, reason: 'id: required string' };
      if (!site.units.has(parsed.unit)) return { ok: false, reason: `unknown unit ${parsed.unit}` };
      const base = { id: o.id, by, unit: parsed.unit, ...src };
      if (parsed.type === 'ack' || parsed.type === 'view' || parsed.type === 'take')
        return { ok: true, value: { op: parsed.type, ...base } };
      if (parsed.type === 'checklist') {
        if (!str(o.step) || o.step.length > 64) return { ok: false, reason: 'step: required string' };
        if (typeof o.done !== 'boolean') return { ok: false, reason: 'done: must be true or false' };
        return { ok: true, value: { op: 'checklist', ...base, step: o.step, done: o.done } };
      }
      return decodeResolve(o, { ...base, admin: isAdmin });
    }
    case 'ops': {
      if (parsed.what === 'drill' || parsed.what === 'test')
        return decodeDrill(parsed.what, o, by, site, src);
      if (parsed.what === 'rollcall') {
        const zone = o.zone === undefined || o.zone === null ? null : o.zone;
        const unit = o.unit === undefined || o.unit === null ? null : o.unit;
        if (zone !== null && (!str(zone) || !site.zones.has(zone)))
          return { ok: false, reason: 'zone: unknown zone' };
        if (unit !== null && (!str(unit) || !site.units.has(unit)))
          return { ok: false, reason: 'unit: unknown unit' };
        const w = o.window_s ?? 120;
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 1 || w > 86_400) {
          return { ok: false, reason: 'window_s: must be a number of seconds 1..86400' };
        }
        return { ok: true, value: { op: 'rollcall', by, zone, unit, windowMs: Math.round(w * 1000) } };
      }
      if (parsed.what === 'alert') {
        if (!str(o.unit) || !site.units.has(o.unit)) return { ok: false, reason: 'unit: unknown unit' };
        if (!str(o.message)) return { ok: false, reason: 'message: required string (≤ 1000 chars)' };
        const severity = o.severity ?? 'warning';
        if (severity !== 'critical' && severity !== 'warning' && severity !== 'info') {
          return { ok: false, reason: 'severity: must be critical, warning or info' };
        }
        return { ok: true, value: { op: 'alert', by, unit: o.unit, message: o.message, severity } };
      }
      if (parsed.what === 'clock') {
        // extension (docs/operators.md "Clock faults"): only an admin vouches for the wall clock
        if (!isAdmin) return { ok: false, reason: 'clock: only an admin may confirm the clock' };
        if (o.confirm !== true) return { ok: false, reason: 'confirm: must be true' };
        return { ok: true, value: { op: 'clock', by, action: 'confirm' } };
      }
      // inspection (extension, docs/bulletin.md)
      if (!str(o.unit) || !site.units.has(o.unit)) return { ok: false, reason: 'unit: unknown unit' };
      const v = o.violations ?? 0;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10_000) {
        return { ok: false, reason: 'violations: must be an integer ≥ 0' };
      }
      const note = o.note ?? '';
      if (typeof note !== 'string' || note.length > 1000)
        return { ok: false, reason: 'note: must be a string' };
      return { ok: true, value: { op: 'inspection', by, unit: o.unit, violations: v, note } };
    }
    default:
      return { ok: false, reason: 'not an operator topic' };
  }
}

const CLASSIFICATIONS = new Set(['real', 'false', 'test', 'drill']);

/** v1 `{id}`, or `{id, classification, note}` (docs/alerts.md "Resolving"). */
function decodeResolve(
  o: Record<string, unknown>,
  base: { id: string; by: string; unit: string; admin: boolean; from?: string },
): Decoded<OpInput> {
  const c = o.classification ?? null;
  if (c !== null && (typeof c !== 'string' || !CLASSIFICATIONS.has(c)))
    return { ok: false, reason: 'classification: must be real, false, test or drill' };
  const note = o.note ?? null;
  if (note !== null && (typeof note !== 'string' || note.length > 1000))
    return { ok: false, reason: 'note: must be a string (≤ 1000 chars)' };
  if (c === null && note === null) return { ok: true, value: { op: 'resolve', ...base } };
  return {
    ok: true,
    value: { op: 'resolve', ...base, classification: c as 'real' | 'false' | 'test' | 'drill' | null, note },
  };
}

const DRILL_KINDS = new Set(['panic', 'tamper', 'device_offline', 'custom']);
const NOTIFY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** gp/v1/ops/drill `{unit, kind?, notify?, duration_s?}` and gp/v1/ops/test `{unit, window_s?}`. */
function decodeDrill(
  what: 'drill' | 'test',
  o: Record<string, unknown>,
  by: string,
  site: Site,
  src: { from?: string },
): Decoded<OpInput> {
  if (!str(o.unit) || !site.units.has(o.unit)) return { ok: false, reason: 'unit: unknown unit' };
  const secs = what === 'drill' ? (o.duration_s ?? 900) : (o.window_s ?? 900);
  const key = what === 'drill' ? 'duration_s' : 'window_s';
  // the engine caps it at gateway.alerts.maxDrill: a forgotten window must not hide real alarms for long
  if (typeof secs !== 'number' || !Number.isFinite(secs) || secs < 1 || secs > 86_400)
    return { ok: false, reason: `${key}: must be a number of seconds 1..86400` };
  const ms = Math.round(secs * 1000);
  if (what === 'test') return { ok: true, value: { op: 'test', by, unit: o.unit, windowMs: ms, ...src } };
  const kind = o.kind ?? 'panic';
  if (typeof kind !== 'string' || !DRILL_KINDS.has(kind))
    return { ok: false, reason: 'kind: must be panic, tamper, device_offline or custom' };
  const notify = o.notify ?? [];
  if (
    !Array.isArray(notify) ||
    notify.length > 20 ||
    !notify.every((n) => typeof n === 'string' && NOTIFY.test(n))
  )
    return { ok: false, reason: 'notify: must be a list of names like "police", "arc" or account ids' };
  return {
    ok: true,
    value: {
      op: 'drill',
      by,
      unit: o.unit,
      kind: kind as 'panic' | 'tamper' | 'device_offline' | 'custom',
      notify: notify as string[],
      durationMs: ms,
      ...src,
    },
  };
}
