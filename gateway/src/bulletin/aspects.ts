/**
 * Aspects 1–5 of the weekly bulletin, each a pure function of the scope, the
 * week and the journal entries (docs/bulletin.md explains every figure).
 */
import type { JournalEntry, TourRecord } from '../journal/types.js';
import type { AlertKind, AlertPayload } from '../model/alert.js';
import { accountName, guardName, inRange, median, ratio, type Scope, unitRef } from './scope.js';
import type {
  InspectionSummary,
  LicenceSummary,
  PatrolActivity,
  PatrolUnitRow,
  PreventableCases,
  RollcallSummary,
  RollcallUnitRow,
} from './types.js';
import { daysOfWeek, localDay, type WeekRange } from './week.js';

export const ALERT_KINDS: readonly AlertKind[] = [
  'panic',
  'patrol_missed',
  'patrol_late',
  'device_offline',
  'tamper',
  'rollcall_absent',
  'custom',
];

/** Alert records of the scope, each alert id's first record in each state. */
function alertRecords(scope: Scope, entries: readonly JournalEntry[], range: WeekRange, state: string) {
  const seen = new Set<string>();
  const out: { at: number; alert: AlertPayload }[] = [];
  for (const e of entries) {
    if (e.body.type !== 'alert' || !inRange(e.at, range)) continue;
    const a = e.body.alert;
    if (a.state !== state || !scope.inZone(a.zone) || seen.has(a.id)) continue;
    seen.add(a.id);
    out.push({ at: e.at, alert: a });
  }
  return out;
}

/** (1) 可防性案件: raised alerts by kind, this week against last week. */
export function preventableCases(
  scope: Scope,
  entries: readonly JournalEntry[],
  thisWeek: WeekRange,
  lastWeek: WeekRange,
): PreventableCases {
  const now = alertRecords(scope, entries, thisWeek, 'raised');
  const before = alertRecords(scope, entries, lastWeek, 'raised');
  const count = (list: typeof now, kind: AlertKind) => list.filter((r) => r.alert.kind === kind).length;
  const byKind = ALERT_KINDS.map((kind) => {
    const a = count(now, kind);
    const b = count(before, kind);
    return { kind, thisWeek: a, lastWeek: b, change: a - b };
  });
  const byUnit = scope.units.map((u) => ({
    ...u,
    alerts: now.filter((r) => r.alert.unit === u.unit).length,
    panics: now.filter((r) => r.alert.unit === u.unit && r.alert.kind === 'panic').length,
  }));
  const acks = alertRecords(scope, entries, thisWeek, 'acknowledged');
  const ackTimes = acks.map((r) => r.alert.ackMs).filter((v): v is number => typeof v === 'number');
  const offline = new Map<string, { device: string; unit: string; times: number }>();
  for (const r of now) {
    if (r.alert.kind !== 'device_offline' || !r.alert.device) continue;
    const row = offline.get(r.alert.device) ?? { device: r.alert.device, unit: r.alert.unit, times: 0 };
    row.times++;
    offline.set(r.alert.device, row);
  }
  return {
    byKind,
    total: { thisWeek: now.length, lastWeek: before.length, change: now.length - before.length },
    byUnit,
    escalated: alertRecords(scope, entries, thisWeek, 'escalated').length,
    acknowledged: acks.length,
    ackMedianMs: median(ackTimes),
    offlineDevices: [...offline.values()].sort(
      (a, b) => b.times - a.times || a.device.localeCompare(b.device),
    ),
  };
}

function toursOf(
  scope: Scope,
  entries: readonly JournalEntry[],
  range: WeekRange,
): { at: number; tour: TourRecord }[] {
  const out: { at: number; tour: TourRecord }[] = [];
  for (const e of entries) {
    if (e.body.type === 'tour' && inRange(e.at, range) && scope.inZone(e.body.tour.zone)) {
      out.push({ at: e.at, tour: e.body.tour });
    }
  }
  return out;
}

/** (2) 巡逻动态: tours, checkpoint coverage, missed and late, joint-patrol participation. */
export function patrolActivity(
  scope: Scope,
  entries: readonly JournalEntry[],
  week: WeekRange,
): PatrolActivity {
  const { site } = scope;
  const tz = site.timezone;
  const tours = toursOf(scope, entries, week);
  const visited = new Set<string>();
  for (const { tour } of tours) for (const cp of tour.visited) visited.add(cp);
  for (const e of entries) {
    if (
      e.body.type === 'event' &&
      e.body.event.kind === 'tap' &&
      e.body.event.checkpoint &&
      inRange(e.at, week)
    ) {
      visited.add(e.body.event.checkpoint);
    }
  }
  const scheduleMissed = entries.filter(
    (e) => e.body.type === 'schedule-missed' && inRange(e.at, week) && scope.inZone(e.body.zone),
  );
  const checkpoints = site.config.checkpoints.filter((c) => scope.unitIds.has(c.unit));
  const jointRoutes = new Set(
    site.config.routes.filter((r) => r.joint === true && scope.inZone(r.zone)).map((r) => r.id),
  );
  const joint = new Map<string, { tours: number; days: Set<string> }>();
  for (const { tour } of tours) {
    if (!jointRoutes.has(tour.route)) continue;
    for (const u of new Set(tour.units)) {
      const j = joint.get(u) ?? { tours: 0, days: new Set<string>() };
      j.tours++;
      j.days.add(localDay(tour.startedAt, tz));
      joint.set(u, j);
    }
  }
  const byUnit: PatrolUnitRow[] = scope.units.map((u) => {
    const own = checkpoints.filter((c) => c.unit === u.unit);
    const seen = own.filter((c) => visited.has(c.id)).length;
    const j = joint.get(u.unit);
    return {
      ...u,
      checkpoints: own.length,
      visited: seen,
      coverage: ratio(seen, own.length),
      jointTours: j?.tours ?? 0,
      jointDays: j?.days.size ?? 0,
    };
  });
  const perDay = daysOfWeek(week, tz).map((day) => ({
    day,
    completed: tours.filter((t) => t.tour.status === 'completed' && localDay(t.at, tz) === day).length,
    missed:
      tours.filter((t) => t.tour.status === 'missed' && localDay(t.at, tz) === day).length +
      scheduleMissed.filter((e) => localDay(e.at, tz) === day).length,
  }));
  const covered = checkpoints.filter((c) => visited.has(c.id)).length;
  return {
    toursCompleted: tours.filter((t) => t.tour.status === 'completed').length,
    toursMissed: tours.filter((t) => t.tour.status === 'missed').length,
    scheduleMissed: scheduleMissed.length,
    toursLate: tours.filter((t) => t.tour.late.length > 0).length,
    lateCheckpoints: tours.reduce((n, t) => n + t.tour.late.length, 0),
    missedCheckpoints: tours.reduce((n, t) => n + t.tour.missed.length, 0),
    checkpointsTotal: checkpoints.length,
    checkpointsVisited: covered,
    coverage: ratio(covered, checkpoints.length),
    perDay,
    byUnit,
    hasJointRoutes: jointRoutes.size > 0,
  };
}

/** (3) 系统点名: calls, attendance, absentees by unit. */
export function rollcallSummary(
  scope: Scope,
  entries: readonly JournalEntry[],
  week: WeekRange,
): RollcallSummary {
  const calls = new Set<string>();
  const rows = new Map<
    string,
    { calls: Set<string>; expected: number; answered: number; absent: Map<string, number> }
  >();
  for (const e of entries) {
    if (e.body.type !== 'rollcall-result' || !inRange(e.at, week)) continue;
    const r = e.body.result;
    if (!scope.unitIds.has(r.unit)) continue;
    calls.add(r.call);
    const row = rows.get(r.unit) ?? { calls: new Set<string>(), expected: 0, answered: 0, absent: new Map() };
    row.calls.add(r.call);
    const answered = new Set([...r.present, ...r.late]);
    const absent = new Set(r.absent.filter((g) => !answered.has(g)));
    row.answered += answered.size;
    row.expected += answered.size + absent.size;
    for (const g of absent) row.absent.set(g, (row.absent.get(g) ?? 0) + 1);
    rows.set(r.unit, row);
  }
  const byUnit: RollcallUnitRow[] = scope.units.map((u) => {
    const row = rows.get(u.unit);
    const absentees = [...(row?.absent ?? new Map<string, number>()).entries()]
      .map(([guard, times]) => ({ guard, name: guardName(scope.site, guard), times }))
      .sort((a, b) => b.times - a.times || a.guard.localeCompare(b.guard));
    return {
      ...u,
      calls: row?.calls.size ?? 0,
      expected: row?.expected ?? 0,
      answered: row?.answered ?? 0,
      absent: absentees.reduce((n, a) => n + a.times, 0),
      attendance: ratio(row?.answered ?? 0, row?.expected ?? 0),
      absentees,
    };
  });
  const expected = byUnit.reduce((n, r) => n + r.expected, 0);
  const answered = byUnit.reduce((n, r) => n + r.answered, 0);
  return { calls: calls.size, expected, answered, attendance: ratio(answered, expected), byUnit };
}

/** (4) 实地检查: inspections journaled from gp/v1/ops/inspection. */
export function inspectionSummary(
  scope: Scope,
  entries: readonly JournalEntry[],
  week: WeekRange,
): InspectionSummary {
  const list: InspectionSummary['list'] = [];
  for (const e of entries) {
    if (e.body.type !== 'op' || e.body.input.op !== 'inspection' || !inRange(e.at, week)) continue;
    const i = e.body.input;
    if (!scope.unitIds.has(i.unit)) continue;
    list.push({
      at: new Date(e.at).toISOString(),
      unit: i.unit,
      name: unitRef(scope.site, i.unit).name,
      by: i.by,
      byName: accountName(scope.site, i.by),
      violations: i.violations,
      note: i.note,
    });
  }
  const byUnit = scope.units.map((u) => {
    const mine = list.filter((i) => i.unit === u.unit);
    return { ...u, inspections: mine.length, violations: mine.reduce((n, i) => n + i.violations, 0) };
  });
  return { count: list.length, violations: list.reduce((n, i) => n + i.violations, 0), byUnit, list };
}

/** (5) 保安员持证: licensed share of each unit's guards, from the site config. */
export function licenceSummary(scope: Scope): LicenceSummary {
  const guards = scope.site.config.guards.filter((g) => scope.unitIds.has(g.unit));
  const byUnit = scope.units.map((u) => {
    const mine = guards.filter((g) => g.unit === u.unit);
    const licensed = mine.filter((g) => g.licensed).length;
    return { ...u, guards: mine.length, licensed, share: ratio(licensed, mine.length) };
  });
  const licensed = guards.filter((g) => g.licensed).length;
  return { guards: guards.length, licensed, share: ratio(licensed, guards.length), byUnit };
}
