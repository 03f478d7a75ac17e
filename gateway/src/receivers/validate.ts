/**
 * Cross-reference checks of `receivers:` and `units[].arcZone` (called from
 * config/validate.ts on the raw YAML): duplicate receiver ids, two units
 * reporting the same zone number, a receiver host:port listed twice.
 */
import type { Problem } from '../config/problem.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkReceivers(raw: Rec, problems: Problem[], warnings: Problem[]): void {
  const receivers = Array.isArray(raw.receivers) ? raw.receivers : [];
  const ids = new Map<string, number>();
  const targets = new Map<string, number>();
  receivers.forEach((r, i) => {
    if (!isRec(r)) return;
    if (typeof r.id === 'string') {
      const first = ids.get(r.id);
      if (first !== undefined)
        problems.push({
          path: `receivers[${i}].id`,
          message: `duplicate receiver id "${r.id}" (first at receivers[${first}])`,
        });
      else ids.set(r.id, i);
    }
    if (typeof r.host === 'string' && typeof r.port === 'number') {
      const key = `${r.host}:${r.port}:${String(r.account)}`;
      const first = targets.get(key);
      if (first !== undefined)
        warnings.push({
          path: `receivers[${i}]`,
          message: `same receiver and account as receivers[${first}]: every report would be sent twice`,
        });
      else targets.set(key, i);
    }
  });
  const units = Array.isArray(raw.units) ? raw.units : [];
  const zones = new Map<number, number>();
  units.forEach((u, i) => {
    if (!isRec(u) || typeof u.arcZone !== 'number') return;
    const first = zones.get(u.arcZone);
    if (first !== undefined)
      problems.push({
        path: `units[${i}].arcZone`,
        message: `zone number ${u.arcZone} is already units[${first}]'s: the ARC could not tell them apart`,
      });
    else zones.set(u.arcZone, i);
  });
  // an explicit arcZone may collide with another unit's default (its 1-based index)
  units.forEach((u, i) => {
    if (!isRec(u) || typeof u.arcZone === 'number' || receivers.length === 0) return;
    const first = zones.get(i + 1);
    if (first !== undefined && first !== i)
      warnings.push({
        path: `units[${i}]`,
        message: `its default zone number ${i + 1} is units[${first}]'s arcZone: give it an arcZone`,
      });
  });
}
