/**
 * Storm grouping (docs/alerts.md "Storms"): an alert joining its unit's open
 * grouped alert, and the start of a storm, which folds the open alerts of the
 * window into one grouped alert per unit. The window itself is storm.ts.
 */
import type { AlertPayload, AlertRequest, Severity } from '../../model/alert.js';
import type { Effect } from '../engine.js';
import type { DrillWindow } from './drills.js';
import type { EngineCore } from './engine.js';
import type { Texts } from './messages.js';
import { rebase } from './rebase.js';
import type { StoredAlert } from './store.js';
import { groupKey, groupText, withMember } from './storm.js';
import { audit, SYSTEM } from './workflow.js';

export type Build = (
  request: AlertRequest,
  now: number,
  window: DrillWindow | null,
  extra?: Partial<AlertPayload>,
) => StoredAlert;

const iso = (ms: number): string => new Date(ms).toISOString();
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const GROUPED = (id: string): Texts => ({ zh: `已并入批量告警 ${id}`, en: `GROUPED into ${id}` });

function member(request: AlertRequest, since: string, restored = false) {
  return { device: request.device ?? null, unit: request.unit, zone: request.zone, since, restored };
}

export function joinGroup(core: EngineCore, g: StoredAlert, request: AlertRequest, now: number): Effect[] {
  const group = withMember(g.payload.group, member(request, iso(now)));
  const severity = RANK[request.severity] > RANK[g.payload.severity] ? request.severity : g.payload.severity;
  const r = rebase(g, groupText(core.site, g.payload.kind, g.payload.unit, group));
  return core.commit(
    {
      ...g,
      base: r.base,
      payload: { ...g.payload, ...r.changes, group, severity, restored: false, updatedAt: iso(now) },
    },
    audit(SYSTEM, 'group', now, { join: request.device ?? request.key }),
  );
}

/**
 * The storm threshold is reached: this alert and every open, unacknowledged
 * alert of its kind raised within the window become one grouped alert per
 * unit; the folded ones close as grouped (not restored: `groupedInto`).
 */
export function startStorm(core: EngineCore, request: AlertRequest, now: number, build: Build): Effect[] {
  const { store, policy } = core;
  const byUnit = new Map<string, { requests: AlertRequest[]; folded: StoredAlert[] }>();
  const add = (unit: string): { requests: AlertRequest[]; folded: StoredAlert[] } => {
    const e = byUnit.get(unit) ?? { requests: [], folded: [] };
    byUnit.set(unit, e);
    return e;
  };
  for (const a of store.open()) {
    const p = a.payload;
    if (p.kind !== request.kind || p.group || p.mode || p.notice || p.state !== 'raised') continue;
    if (Date.parse(p.raisedAt) + (a.shiftMs ?? 0) <= now - policy.storm.windowMs) continue;
    add(p.unit).folded.push(a);
  }
  add(request.unit).requests.push(request);
  const out: Effect[] = [];
  for (const [unit, e] of byUnit) {
    const members = [
      ...e.folded.map((a) => ({
        device: a.payload.device,
        unit,
        zone: a.payload.zone,
        since: a.payload.raisedAt,
        restored: a.payload.restored ?? false,
      })),
      ...e.requests.map((r) => member(r, iso(now))),
    ];
    let group = withMember(undefined, members[0] as (typeof members)[number]);
    for (const m of members.slice(1)) group = withMember(group, m);
    const first = e.folded[0]?.payload;
    const seed: AlertRequest = e.requests[0] ?? {
      kind: request.kind,
      severity: first?.severity ?? request.severity,
      zone: first?.zone ?? request.zone,
      unit,
      key: '',
      messageZh: '',
      messageEn: '',
      targets: e.folded[0]?.targets,
    };
    const t = groupText(core.site, request.kind, unit, group);
    const g = build(
      { ...seed, unit, device: null, key: groupKey(request.kind, unit), messageZh: t.zh, messageEn: t.en },
      now,
      null,
      { group, restored: false, restoredAt: null, device: null },
    );
    out.push(...core.commit(g, audit(SYSTEM, 'group', now, { start: true, count: group.count })));
    for (const a of e.folded) {
      out.push(
        ...core.transition(
          a,
          now,
          { state: 'resolved', by: 'system', label: GROUPED(g.payload.id) },
          { resolvedBy: 'system', groupedInto: g.payload.id },
          audit(SYSTEM, 'group', now, { into: g.payload.id }),
        ),
      );
    }
  }
  return out;
}
