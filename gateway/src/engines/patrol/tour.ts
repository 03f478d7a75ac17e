/**
 * One tour in progress and the pure rules applied to it: which tap counts,
 * out-of-order and late checkpoints, and the record written when it ends.
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import type { TapEvent } from '../../model/event.js';
import type { PatrolRules } from './rules.js';

export interface Visit {
  checkpoint: string;
  at: number;
  device: string;
  guard: string | null;
}

/** JSON-serialisable state of an open tour (part of the engine snapshot). */
export interface OpenTour {
  id: string;
  route: string;
  zone: string;
  /** "device:<id>" (wand tag taps), "guard:<id>" (card taps at fixed readers) or "joint". */
  owner: string;
  device: string;
  guard: string | null;
  startedAt: number;
  deadline: number;
  visits: Visit[];
  late: string[];
  outOfOrder: number;
  units: string[];
  lateRaised: boolean;
  // patrol rules (extension; normaliseTour() fills them in older snapshots)
  /** Checkpoints tapped before their notBefore. */
  early: string[];
  /** Paused by a supervisor card since (engine time), or null. */
  pausedAt: number | null;
  /** Time spent paused so far, ms (windows and due times count active time only). */
  pausedMs: number;
  /** Patrol exceptions seen in this tour's taps, counted. */
  exceptions: Record<string, number>;
  /** Built from an offline wand's records. */
  offline: boolean;
  /** Receive time of the latest offline record of the tour. */
  uploadedAt: number | null;
  /** Two-person routes: a checkpoint tapped by one guard, waiting for the second. */
  pending: Record<string, { at: number; who: string }>;
  /** Judgements written so far minus one (0 until revised). */
  revision: number;
  previous: { state: string; endedAt: number } | null;
  /** Judged (record written) and kept for late records: its latest judgement. */
  judgement?: { state: string; endedAt: number };
  /** Changed by late records since its latest judgement. */
  dirty?: boolean;
}

export type TapOutcome = 'started' | 'visited' | 'repeat' | 'pending';

export interface VisitResult {
  outcome: TapOutcome;
  /** The checkpoint was reached after its expected time. */
  late: boolean;
  /** The checkpoint was reached before its notBefore. */
  early: boolean;
  /** Two-person route: the first guard's tap expired without a second (flag `two_person`). */
  alone: boolean;
  /** Every checkpoint of the route has been visited. */
  complete: boolean;
}

/** Fill the rule fields of a tour from an older snapshot. */
export function normaliseTour(t: OpenTour): OpenTour {
  return {
    ...t,
    early: t.early ?? [],
    pausedAt: t.pausedAt ?? null,
    pausedMs: t.pausedMs ?? 0,
    exceptions: t.exceptions ?? {},
    offline: t.offline ?? false,
    uploadedAt: t.uploadedAt ?? null,
    pending: t.pending ?? {},
    revision: t.revision ?? 0,
    previous: t.previous ?? null,
  };
}

/** Who a tap belongs to, for a route: joint routes share one tour per route. */
export function ownerOf(route: RouteConfig, event: TapEvent): string | null {
  if (route.joint) return 'joint';
  // two-person routes: the guards' taps make one tour together
  if (route.twoPerson) return event.uidKind === 'unknown' ? null : 'team';
  if (event.uidKind === 'tag') return `device:${event.device}`;
  if (event.uidKind === 'card' && event.guard) return `guard:${event.guard}`;
  return null;
}

/** The unit a tap's guard stands for: the guard's unit, else the reading device's unit. */
export function unitOfTap(site: Site, event: TapEvent): string {
  const g = event.guard ? site.guards.get(event.guard) : undefined;
  return g?.unit ?? event.unit;
}

/**
 * When checkpoint `ordinal` (0-based) of n is due: startedAt + maxDuration * ordinal / (n - 1).
 * Ordered routes use the checkpoint's place in the route; unordered ones the
 * count of checkpoints already visited (the k-th new checkpoint is due at k/(n-1)).
 */
export function dueAt(startedAt: number, maxDurationMs: number, ordinal: number, n: number): number {
  if (n <= 1) return startedAt;
  return startedAt + Math.floor((maxDurationMs * ordinal) / (n - 1));
}

export function newTour(
  id: string,
  route: RouteConfig,
  owner: string,
  event: TapEvent,
  maxDurationMs: number,
  unit: string,
): OpenTour {
  return {
    id,
    route: route.id,
    zone: route.zone,
    owner,
    device: event.device,
    guard: event.guard,
    startedAt: event.at,
    deadline: event.at + maxDurationMs,
    visits: [],
    late: [],
    outOfOrder: 0,
    units: [unit],
    lateRaised: false,
    early: [],
    pausedAt: null,
    pausedMs: 0,
    exceptions: {},
    offline: event.offline === true,
    uploadedAt: event.offline ? event.receivedAt : null,
    pending: {},
    revision: 0,
    previous: null,
  };
}

const NONE = { late: false, early: false, alone: false, complete: false };

/**
 * Apply one tap of `checkpoint` to the tour (mutates it). Times are active
 * tour time: paused spells do not count towards windows and due times.
 */
export function visit(
  tour: OpenTour,
  route: RouteConfig,
  maxDurationMs: number,
  event: TapEvent,
  checkpoint: string,
  unit: string,
  rules?: PatrolRules,
): VisitResult {
  const visited = new Set(tour.visits.map((v) => v.checkpoint));
  if (!tour.units.includes(unit)) tour.units.push(unit);
  if (visited.has(checkpoint)) return { outcome: 'repeat', ...NONE };
  let alone = false;
  // when the checkpoint was reached: the first guard's tap on two-person routes
  let reachedAt = event.at;
  const within = rules?.twoPersonMs(route) ?? null;
  if (within !== null) {
    // a checkpoint counts when a second guard taps it within `within` of the first
    const who = event.guard ?? `device:${event.device}`;
    const p = tour.pending[checkpoint];
    if (p?.who === who) return { outcome: 'pending', ...NONE };
    if (!p || event.at - p.at > within) {
      alone = p !== undefined;
      tour.pending[checkpoint] = { at: event.at, who };
      return { outcome: 'pending', ...NONE, alone };
    }
    reachedAt = p.at;
    delete tour.pending[checkpoint];
  }
  const n = route.checkpoints.length;
  const index = route.checkpoints.indexOf(checkpoint);
  if (route.ordered) {
    const next = route.checkpoints.findIndex((cp) => !visited.has(cp));
    if (index !== next) tour.outOfOrder++;
  }
  const ordinal = route.ordered ? index : visited.size;
  const offset = reachedAt - tour.startedAt - tour.pausedMs;
  const window = rules?.windowOf(route.id, checkpoint) ?? null;
  const early = window?.notBeforeMs != null && offset < window.notBeforeMs;
  const late =
    window?.notAfterMs != null ? offset > window.notAfterMs : offset > dueAt(0, maxDurationMs, ordinal, n);
  if (late) tour.late.push(checkpoint);
  if (early) tour.early.push(checkpoint);
  const outcome: TapOutcome = tour.visits.length === 0 ? 'started' : 'visited';
  tour.visits.push({ checkpoint, at: event.at, device: event.device, guard: event.guard });
  return { outcome, late, early, alone, complete: tour.visits.length === n };
}

export function missingOf(tour: OpenTour, route: RouteConfig): string[] {
  const visited = new Set(tour.visits.map((v) => v.checkpoint));
  return route.checkpoints.filter((cp) => !visited.has(cp));
}

export function tourRecord(
  tour: OpenTour,
  route: RouteConfig,
  status: TourRecord['status'],
  endedAt: number,
): TourRecord {
  return {
    id: tour.id,
    route: tour.route,
    zone: tour.zone,
    device: tour.device,
    guard: tour.guard,
    startedAt: tour.startedAt,
    endedAt,
    status,
    expected: route.checkpoints.length,
    visited: tour.visits.map((v) => v.checkpoint),
    missed: missingOf(tour, route),
    late: [...tour.late],
    outOfOrder: tour.outOfOrder,
    durationMs: endedAt - tour.startedAt,
    units: [...tour.units],
    state: finalState(tour, status),
    early: [...tour.early],
    exceptions: { ...tour.exceptions },
    revision: tour.revision,
    uploadedAt: tour.uploadedAt,
    previous: tour.previous,
    pausedMs: tour.pausedMs,
  };
}

/**
 * completed: every checkpoint in time; late: every checkpoint, some after
 * their time; incomplete: the deadline passed with checkpoints missing after
 * at least two were visited; missed: not more than the start.
 */
export function finalState(tour: OpenTour, status: TourRecord['status']): NonNullable<TourRecord['state']> {
  if (status === 'completed') return tour.late.length > 0 ? 'late' : 'completed';
  return tour.visits.length >= 2 ? 'incomplete' : 'missed';
}

/** Units owning the route's checkpoints, in route order: the targets of its alerts. */
export function routeUnits(site: Site, route: RouteConfig): string[] {
  const units: string[] = [];
  for (const cp of route.checkpoints) {
    const u = site.checkpoints.get(cp)?.unit;
    if (u && !units.includes(u)) units.push(u);
  }
  return units;
}
