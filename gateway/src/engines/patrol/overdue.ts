/**
 * Protection levels (docs/patrol-and-rollcall.md "Protection levels"): a unit
 * with `protectionLevel` 1, 2 or 3 must see a completed patrol (a tour of a
 * route through one of its checkpoints) at least every 6, 12 or 24 hours;
 * past that, one `patrol_missed` alert with `exception: "overdue"` per gap.
 * Counted from the unit's last completed patrol, else from when the engine
 * first ran. The raise is known at replay from its alert record's key.
 */
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import type { Effect } from '../engine.js';
import { overdueAlert, overdueKey, reviseRequest } from './exception-alerts.js';
import type { PatrolRules } from './rules.js';
import type { PatrolState } from './state.js';
import { routeUnits } from './tour.js';

/** Units with a protection level, and their interval. */
export function protectedUnits(site: Site, rules: PatrolRules): [string, number][] {
  const out: [string, number][] = [];
  for (const u of site.config.units) {
    const ms = rules.protectionOf(u.id);
    if (ms !== null) out.push([u.id, ms]);
  }
  return out;
}

function sinceOf(state: PatrolState, unit: string): number | null {
  const last = state.lastPatrol[unit];
  if (last !== undefined) return state.since === null ? last : Math.max(last, state.since);
  return state.since;
}

/** Overdue alerts due at `now`. */
export function overdueEffects(
  site: Site,
  rules: PatrolRules,
  units: readonly [string, number][],
  state: PatrolState,
  now: number,
): Effect[] {
  const effects: Effect[] = [];
  const severity = rules.severityOf('overdue');
  if (severity === 'off') return effects;
  for (const [unit, ms] of units) {
    const since = sinceOf(state, unit);
    if (since === null || now < since + ms || state.overdueRaised[unit] === since) continue;
    state.overdueRaised[unit] = since;
    effects.push({ type: 'raise', request: overdueAlert(site, unit, since, ms, severity) });
  }
  return effects;
}

/** When the next overdue alert is due, or null. */
export function nextOverdue(units: readonly [string, number][], state: PatrolState): number | null {
  let next: number | null = null;
  for (const [unit, ms] of units) {
    const since = sinceOf(state, unit);
    if (since === null || state.overdueRaised[unit] === since) continue;
    if (next === null || since + ms < next) next = since + ms;
  }
  return next;
}

/**
 * A completed tour moves its units' last patrol. When it arrived late (an
 * offline wand) and shows that a unit was patrolled in time after all, the
 * overdue alert already raised for that gap is revised.
 */
export function notePatrol(
  site: Site,
  units: ReadonlyMap<string, number>,
  state: PatrolState,
  record: TourRecord,
): Effect[] {
  if (record.state !== 'completed' && record.state !== 'late' && record.status !== 'completed') return [];
  const route = site.routes.get(record.route);
  if (!route) return [];
  const effects: Effect[] = [];
  for (const unit of routeUnits(site, route)) {
    const ms = units.get(unit);
    if (ms === undefined) continue;
    const before = state.lastPatrol[unit];
    if (before !== undefined && before >= record.endedAt) continue;
    state.lastPatrol[unit] = record.endedAt;
    const raised = state.overdueRaised[unit];
    if (raised !== undefined && record.endedAt <= raised + ms && record.endedAt >= raised) {
      const zone = site.units.get(unit)?.zone ?? route.zone;
      effects.push({
        type: 'raise',
        request: reviseRequest(overdueKey(unit, raised), 'patrolled', zone, unit),
      });
    }
  }
  return effects;
}
