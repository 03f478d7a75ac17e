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
): Decoded<OpInput> {
  const obj = parseJsonObject(payload);
  if (!obj.ok) return obj;
  const o = obj.value;
  const by = account.id;
  const isAdmin = account.kind === 'operator' && account.operator.role === 'admin';
  switch (parsed.type) {
    case 'ack':
    case 'resolve': {
      if (!str(o.id)) return { ok: false, reason: 'id: required string' };
      if (!site.units.has(parsed.unit)) return { ok: false, reason: `unknown unit ${parsed.unit}` };
      return parsed.type === 'ack'
        ? { ok: true, value: { op: 'ack', id: o.id, by, unit: parsed.unit } }
        : { ok: true, value: { op: 'resolve', id: o.id, by, unit: parsed.unit, admin: isAdmin } };
    }
    case 'ops': {
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
