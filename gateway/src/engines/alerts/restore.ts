/**
 * Restore tracking (docs/alerts.md "Restore"): a device that checks in again
 * restores its `device_offline` trouble, a `tamper: false` heartbeat its
 * `tamper`; a restored trouble resolves itself (`resolvedBy: "system"`)
 * unless gateway.alerts.restore says it needs a person. A grouped alert
 * closes itself once every member is restored. Gateway notices listing
 * devices (not yet commissioned, button test due) close when the last one
 * is heard or pressed. Panics are never restored: they latch.
 */
import type { AlertKind, AlertPayload } from '../../model/alert.js';
import type { Effect } from '../engine.js';
import type { EngineCore } from './engine.js';
import { rebase } from './rebase.js';
import type { StoredAlert } from './store.js';
import { groupText, withRestored } from './storm.js';
import { audit, SYSTEM, sinceRaise } from './workflow.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const RESTORED = { zh: '已恢复·自动解除', en: 'RESTORED: closed automatically' };

/** The device's trouble of `kind` (its own alert under `key`, or a group holding it) is over. */
export function restoreDevice(
  core: EngineCore,
  kind: AlertKind,
  key: string,
  device: string,
  now: number,
): Effect[] {
  const out: Effect[] = [];
  const a = core.store.openWithKey(key);
  if (a && a.payload.kind === kind && a.payload.restored === false)
    out.push(...restored(core, a, now, {}, { device }, true));
  const g = core.store.groupWithMember(kind, device);
  const group = g?.payload.group ? withRestored(g.payload.group, device) : null;
  if (g && group) {
    const r = rebase(g, groupText(core.site, kind, g.payload.unit, group));
    out.push(
      ...restored(
        core,
        { ...g, base: r.base },
        now,
        { ...r.changes, group },
        { device },
        group.restoredCount === group.count,
      ),
    );
  }
  return out;
}

function restored(
  core: EngineCore,
  a: StoredAlert,
  now: number,
  changes: Partial<AlertPayload>,
  detail: Record<string, unknown>,
  complete: boolean,
): Effect[] {
  const fields = complete ? { restored: true, restoredAt: iso(now) } : {};
  if (complete && core.policy.restore(a.payload.kind) === 'auto') {
    return [
      ...core.transition(
        a,
        now,
        { state: 'resolved', by: 'system', label: RESTORED },
        { ...changes, ...fields, resolvedBy: 'system', resolveMs: sinceRaise(a, now) },
        audit(SYSTEM, 'restore', now, { ...detail, autoResolved: true }),
      ),
      {
        type: 'log',
        level: 'info',
        msg: `alert ${a.payload.id} (${a.payload.kind}) restored and closed automatically`,
        data: { id: a.payload.id, kind: a.payload.kind, unit: a.payload.unit, ...detail },
      },
    ];
  }
  return core.transition(a, now, null, { ...changes, ...fields }, audit(SYSTEM, 'restore', now, detail));
}

/** A notice listing devices (`details`) loses `device`; the last one closes it. */
export function clearNoticeDevice(core: EngineCore, key: string, device: string, now: number): Effect[] {
  const a = core.store.openWithKey(key);
  if (!a?.payload.details?.includes(device)) return [];
  const details = a.payload.details.filter((d) => d !== device);
  if (details.length > 0)
    return core.transition(a, now, null, { details }, audit(SYSTEM, 'restore', now, { device }));
  return core.transition(
    a,
    now,
    { state: 'resolved', by: 'system', label: RESTORED },
    { details, resolvedBy: 'system', resolveMs: sinceRaise(a, now) },
    audit(SYSTEM, 'restore', now, { device, autoResolved: true }),
  );
}
