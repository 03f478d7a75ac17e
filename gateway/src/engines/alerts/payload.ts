/** Copies of alert payloads (the store never shares objects with the wire) and refusal logs. */
import type { AlertPayload } from '../../model/alert.js';
import type { Effect } from '../engine.js';

export function clone(p: AlertPayload): AlertPayload {
  const out: AlertPayload = { ...p };
  if (p.targets) out.targets = [...p.targets];
  if (p.details) out.details = [...p.details];
  if (p.group) out.group = { ...p.group, members: p.group.members.map((m) => ({ ...m })) };
  if (p.levels)
    out.levels = p.levels.map((l) => ({
      ...l,
      targets: [...l.targets],
      names: [...l.names],
      skipped: [...l.skipped],
    }));
  if (p.notified) out.notified = p.notified.map((n) => ({ ...n }));
  if (p.checklist) out.checklist = p.checklist.map((i) => ({ ...i }));
  if (p.owner) out.owner = { ...p.owner };
  if (p.drillNotify) out.drillNotify = [...p.drillNotify];
  return out;
}

export function refused(
  op: string,
  by: string,
  reason: string,
  data: Record<string, unknown>,
  level: 'info' | 'warn' = 'warn',
): Effect {
  return {
    type: 'log',
    level,
    msg: `alert ${op} by ${by} refused: ${reason}`,
    data: { op, by, reason, ...data },
  };
}
