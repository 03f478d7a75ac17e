/**
 * The points scheme (积分管理): tallied weekly, paid monthly. Guards earn
 * points for checkpoints and roll calls; units for acknowledging alerts and
 * joining joint patrols. A unit's total is its own items plus its guards'.
 */
import { normaliseUidOrNull } from '../config/schema.js';
import type { Site } from '../config/site.js';
import type { JournalEntry } from '../journal/types.js';
import { inRange, type Scope, unitsOfRoute } from './scope.js';
import {
  DEFAULT_POINTS,
  type GuardPoints,
  type PointsBreakdown,
  type PointsRules,
  type PointsSummary,
  type UnitPoints,
} from './types.js';

type Item = keyof PointsRules;
type Range = { from: number; to: number };

/** Defaults overridden by the site config's `points:` map; unknown keys are ignored. */
export function pointsRules(site: Site, override?: Partial<PointsRules>): PointsRules {
  const rules: PointsRules = { ...DEFAULT_POINTS };
  const fromConfig = site.config.points ?? {};
  for (const key of Object.keys(rules) as Item[]) {
    const v = override?.[key] ?? fromConfig[key];
    if (typeof v === 'number' && Number.isFinite(v)) rules[key] = v;
  }
  return rules;
}

const emptyBreakdown = (): PointsBreakdown => ({
  checkpoint: 0,
  rollcall_answered: 0,
  alert_acknowledged: 0,
  patrol_missed: 0,
  rollcall_absent: 0,
  joint_patrol: 0,
  inspection_violation: 0,
});

interface Credit {
  guard: string | null;
  unit: string | null;
  item: Item;
  times: number;
}

function guardId(site: Site, idOrCard: string): string | null {
  if (site.guards.has(idOrCard)) return idOrCard;
  const uid = normaliseUidOrNull(idOrCard);
  return uid ? (site.guardByCard.get(uid)?.id ?? null) : null;
}

/** Every point-earning occurrence in one journal entry. */
function creditsOf(site: Site, e: JournalEntry, ackSeen: Set<string>): Credit[] {
  const b = e.body;
  const out: Credit[] = [];
  switch (b.type) {
    case 'tour': {
      const t = b.tour;
      const guard = t.guard && site.guards.has(t.guard) ? t.guard : null;
      const deviceUnit = site.devices.get(t.device)?.unit ?? null;
      const visited = new Set(t.visited).size;
      if (visited > 0)
        out.push({ guard, unit: guard ? null : deviceUnit, item: 'checkpoint', times: visited });
      if (t.status === 'missed') {
        if (guard) out.push({ guard, unit: null, item: 'patrol_missed', times: 1 });
        else
          for (const u of unitsOfRoute(site, t.route))
            out.push({ guard: null, unit: u, item: 'patrol_missed', times: 1 });
      }
      if (site.routes.get(t.route)?.joint === true) {
        for (const u of new Set(t.units)) out.push({ guard: null, unit: u, item: 'joint_patrol', times: 1 });
      }
      break;
    }
    case 'schedule-missed':
      for (const u of unitsOfRoute(site, b.route))
        out.push({ guard: null, unit: u, item: 'patrol_missed', times: 1 });
      break;
    case 'rollcall-result': {
      const answered = new Set([...b.result.present, ...b.result.late].map((g) => guardId(site, g)));
      for (const g of answered)
        if (g) out.push({ guard: g, unit: null, item: 'rollcall_answered', times: 1 });
      for (const raw of new Set(b.result.absent)) {
        const g = guardId(site, raw);
        if (g && !answered.has(g)) out.push({ guard: g, unit: null, item: 'rollcall_absent', times: 1 });
      }
      break;
    }
    case 'alert': {
      const a = b.alert;
      if (a.state !== 'acknowledged' || !a.ackBy || ackSeen.has(a.id)) break;
      ackSeen.add(a.id);
      const account = site.accounts.get(a.ackBy);
      if (account?.kind === 'console')
        out.push({ guard: null, unit: account.unit.id, item: 'alert_acknowledged', times: 1 });
      break;
    }
    case 'op':
      if (b.input.op === 'inspection' && b.input.violations > 0) {
        out.push({
          guard: null,
          unit: b.input.unit,
          item: 'inspection_violation',
          times: b.input.violations,
        });
      }
      break;
    default:
      break;
  }
  return out;
}

export function computePoints(
  scope: Scope,
  entries: readonly JournalEntry[],
  rules: PointsRules,
  week: Range,
  month: Range & { month: string },
): PointsSummary {
  const { site } = scope;
  const guards = new Map<string, { week: number; month: number; breakdown: PointsBreakdown }>();
  const units = new Map<string, { week: number; month: number; breakdown: PointsBreakdown }>();
  for (const g of site.config.guards) {
    if (scope.unitIds.has(g.unit)) guards.set(g.id, { week: 0, month: 0, breakdown: emptyBreakdown() });
  }
  for (const u of scope.units) units.set(u.unit, { week: 0, month: 0, breakdown: emptyBreakdown() });
  const ackSeen = new Set<string>();
  for (const e of entries) {
    const inWeek = inRange(e.at, week);
    const inMonth = inRange(e.at, month);
    if (!inWeek && !inMonth) continue;
    for (const c of creditsOf(site, e, ackSeen)) {
      const pts = rules[c.item] * c.times;
      const guardRow = c.guard ? guards.get(c.guard) : undefined;
      const unitId = c.guard ? site.guards.get(c.guard)?.unit : c.unit;
      const unitRow = unitId ? units.get(unitId) : undefined;
      for (const row of [guardRow, unitRow]) {
        if (!row) continue;
        if (inWeek) {
          row.week += pts;
          row.breakdown[c.item] += pts;
        }
        if (inMonth) row.month += pts;
      }
    }
  }
  const guardRows: GuardPoints[] = [...guards.entries()]
    .map(([guard, r]) => ({
      guard,
      name: site.guards.get(guard)?.name ?? guard,
      unit: site.guards.get(guard)?.unit ?? '',
      ...r,
    }))
    .sort((a, b) => b.week - a.week || b.month - a.month || a.guard.localeCompare(b.guard));
  const unitRows: UnitPoints[] = scope.units
    .map((u) => ({ ...u, ...(units.get(u.unit) ?? { week: 0, month: 0, breakdown: emptyBreakdown() }) }))
    .sort((a, b) => b.week - a.week || b.month - a.month || a.unit.localeCompare(b.unit));
  return { rules, month: month.month, guards: guardRows, units: unitRows };
}
