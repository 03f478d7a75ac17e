/**
 * 巡更异常 / Patrol exceptions of the week per unit (docs/bulletin.md): the
 * anti-fake and patrol-rule findings the patrol engine records, counted once
 * each where the engine records it — annotate()'s tap flags from the tap
 * events, early and two-person from the tours' counts (the latest revision
 * of each tour), overdue from its alerts. Pure.
 */
import type { JournalEntry, TourRecord } from '../journal/types.js';
import { inRange, type Scope } from './scope.js';
import type { PatrolExceptionKind, PatrolExceptionSummary } from './types.js';
import type { WeekRange } from './week.js';

export const EXCEPTION_KINDS: readonly PatrolExceptionKind[] = [
  'early',
  'rescan',
  'impossible_travel',
  'proxy',
  'moved_reader',
  'clock_drift',
  'two_person',
  'overdue',
];

/** Flagged on the tap before it is journaled (antifake.ts): counted from tap events. */
const TAP_KINDS = new Set<string>(['rescan', 'impossible_travel', 'proxy', 'moved_reader', 'clock_drift']);
/** Found while applying the tap to a tour, after journaling: counted from tour records. */
const TOUR_KINDS = ['early', 'two_person'] as const;
/** The fake-patrol signs behind the `fake_patrol` suggestion. */
export const FAKE_SIGNS: readonly PatrolExceptionKind[] = [
  'rescan',
  'impossible_travel',
  'proxy',
  'moved_reader',
];

const zero = (): Record<PatrolExceptionKind, number> => ({
  early: 0,
  rescan: 0,
  impossible_travel: 0,
  proxy: 0,
  moved_reader: 0,
  clock_drift: 0,
  two_person: 0,
  overdue: 0,
});

/** A tour's unit, as the points scheme credits it: its guard's unit, else the device's. */
function tourUnit(scope: Scope, tour: TourRecord): string | undefined {
  const guard = tour.guard ? scope.site.guards.get(tour.guard) : undefined;
  return guard?.unit ?? scope.site.devices.get(tour.device)?.unit;
}

export function patrolExceptions(
  scope: Scope,
  entries: readonly JournalEntry[],
  week: WeekRange,
): PatrolExceptionSummary {
  const counts = new Map<string, Record<PatrolExceptionKind, number>>();
  const add = (unit: string | undefined, kind: PatrolExceptionKind, n = 1) => {
    if (unit === undefined || !scope.unitIds.has(unit) || n <= 0) return;
    const row = counts.get(unit) ?? zero();
    row[kind] += n;
    counts.set(unit, row);
  };
  const tours = new Map<string, TourRecord>();
  const overdue = new Set<string>();
  for (const e of entries) {
    if (!inRange(e.at, week)) continue;
    const body = e.body;
    if (body.type === 'event' && body.event.kind === 'tap') {
      const ev = body.event;
      // the checkpoint's unit, as the exception's alert names it
      const unit = (ev.checkpoint ? scope.site.checkpoints.get(ev.checkpoint)?.unit : undefined) ?? ev.unit;
      for (const x of new Set(ev.exceptions ?? [])) if (TAP_KINDS.has(x)) add(unit, x as PatrolExceptionKind);
    } else if (body.type === 'tour') {
      const prev = tours.get(body.tour.id);
      if (!prev || (body.tour.revision ?? 0) >= (prev.revision ?? 0)) tours.set(body.tour.id, body.tour);
    } else if (body.type === 'alert' && body.alert.exception === 'overdue' && body.alert.state === 'raised') {
      if (overdue.has(body.alert.id)) continue;
      overdue.add(body.alert.id);
      add(body.alert.unit, 'overdue');
    }
  }
  for (const tour of tours.values()) {
    const unit = tourUnit(scope, tour);
    for (const k of TOUR_KINDS) {
      const n = tour.exceptions?.[k];
      if (typeof n === 'number' && Number.isFinite(n)) add(unit, k, Math.floor(n));
    }
  }
  const byUnit = scope.units.map((u) => {
    const c = counts.get(u.unit) ?? zero();
    const total = EXCEPTION_KINDS.reduce((n, k) => n + c[k], 0);
    return { ...u, counts: c, total, fakeSigns: FAKE_SIGNS.reduce((n, k) => n + c[k], 0) };
  });
  const sum = (rows: typeof byUnit) => {
    const c = zero();
    for (const r of rows) for (const k of EXCEPTION_KINDS) c[k] += r.counts[k];
    return c;
  };
  const byZone = scope.site.config.zones
    .filter((z) => scope.inZone(z.id))
    .map((z) => {
      const c = sum(byUnit.filter((u) => u.zone === z.id));
      return { zone: z.id, name: z.name, counts: c, total: EXCEPTION_KINDS.reduce((n, k) => n + c[k], 0) };
    });
  return { total: sum(byUnit), byZone, byUnit };
}
