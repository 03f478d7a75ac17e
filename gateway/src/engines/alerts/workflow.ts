/**
 * Ownership and workflow on an alert card (docs/alerts.md "Ownership and
 * workflow"): first view, take (one owner, takeover allowed and logged),
 * checklist steps, and who may do each. Pure: an alert and an input in, a
 * refusal or the changes and their audit entry out; null when the input
 * changes nothing (a second view, the same owner again), so a flood of
 * repeats writes nothing.
 */
import type { Site } from '../../config/site.js';
import type { OpInput } from '../../journal/types.js';
import type { AlertPayload, AuditEntry } from '../../model/alert.js';
import { accountName } from './ladder.js';
import { consoleUnitMismatch, isAdmin } from './rules.js';
import type { StoredAlert } from './store.js';

export type Verdict =
  | { ok: false; reason: string; level?: 'info' | 'warn' }
  | { ok: true; changes: Partial<AlertPayload>; action: AuditEntry }
  | null;

type Input = Extract<OpInput, { op: 'view' | 'take' | 'checklist' }>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The gateway's own actions in the audit trail. */
export const SYSTEM = { by: 'system', from: 'gateway' };

/** Elapsed ms since the raise in engine time (raisedAt + the clock steps since). */
export function sinceRaise(a: StoredAlert, now: number): number {
  return Math.max(0, now - Date.parse(a.payload.raisedAt) - (a.shiftMs ?? 0));
}

/** Refusal reason when `input` may not act on `a` (a console of a target unit, or an admin). */
export function mayAct(site: Site, a: StoredAlert, input: { by: string; unit: string }): string | null {
  if (isAdmin(site, input.by)) return null;
  if (!a.targets.includes(input.unit)) return `unit ${input.unit} is not a target of alert ${a.payload.id}`;
  if (consoleUnitMismatch(site, input.by, input.unit))
    return `console ${input.by} does not belong to unit ${input.unit}`;
  return null;
}

export function audit(
  input: { by: string; from?: string },
  action: AuditEntry['action'],
  now: number,
  detail?: Record<string, unknown>,
): AuditEntry {
  return { action, by: input.by, at: iso(now), from: input.from ?? 'mqtt', ...(detail ? { detail } : {}) };
}

export function workflow(site: Site, a: StoredAlert, input: Input, now: number): Verdict {
  const p = a.payload;
  if (p.state === 'resolved')
    return { ok: false, reason: `alert ${p.id} is already resolved`, level: 'info' };
  const denied = mayAct(site, a, input);
  if (denied !== null) return { ok: false, reason: denied };
  switch (input.op) {
    case 'view': {
      if (p.viewedAt) return null; // only the first view counts (response times)
      return {
        ok: true,
        changes: { viewedAt: iso(now), viewMs: sinceRaise(a, now) },
        action: audit(input, 'view', now),
      };
    }
    case 'take': {
      const previous = p.owner ?? null;
      if (previous?.account === input.by) return null;
      const acc = site.accounts.get(input.by);
      const owner = {
        account: input.by,
        name: accountName(site, input.by),
        unit: acc?.kind === 'console' ? acc.unit.id : null,
        at: iso(now),
      };
      return {
        ok: true,
        changes: { owner },
        action: audit(input, 'take', now, previous ? { takeoverFrom: previous.account } : undefined),
      };
    }
    case 'checklist': {
      const list = p.checklist ?? [];
      const item = list.find((i) => i.step === input.step);
      if (!item) return { ok: false, reason: `alert ${p.id} has no checklist step ${input.step}` };
      if (item.done === input.done) return null;
      const checklist = list.map((i) =>
        i.step === input.step
          ? { ...i, done: input.done, by: input.done ? input.by : null, at: input.done ? iso(now) : null }
          : { ...i },
      );
      return {
        ok: true,
        changes: { checklist },
        action: audit(input, 'checklist', now, { step: input.step, done: input.done }),
      };
    }
  }
}
