/**
 * One tour in progress and the pure rules applied to it: which tap counts,
 * out-of-order and late checkpoints, and the record written when it ends.
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import type { TapEvent } from '../../model/event.js';

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
}

export type TapOutcome = 'started' | 'visited' | 'repeat';

export interface VisitResult {
  outcome: TapOutcome;
  /** The checkpoint was reached after its expected time. */
  late: boolean;
  /** Every checkpoint of the route has been visited. */
  complete: boolean;
}

/** Who a tap belongs to, for a route: joint routes share one tour per route. */
export function ownerOf(route: RouteConfig, event: TapEvent): string | null {
  if (route.joint) return 'joint';
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
  };
}

/** Apply one tap of `checkpoint` to the tour (mutates it). */
export function visit(
  tour: OpenTour,
  route: RouteConfig,
  maxDurationMs: number,
  event: TapEvent,
  checkpoint: string,
  unit: string,
): VisitResult {
  const visited = new Set(tour.visits.map((v) => v.checkpoint));
  if (!tour.units.includes(unit)) tour.units.push(unit);
  if (visited.has(checkpoint)) return { outcome: 'repeat', late: false, complete: false };
  const n = route.checkpoints.length;
  const index = route.checkpoints.indexOf(checkpoint);
  if (route.ordered) {
    const next = route.checkpoints.findIndex((cp) => !visited.has(cp));
    if (index !== next) tour.outOfOrder++;
  }
  const ordinal = route.ordered ? index : visited.size;
  const late = event.at > dueAt(tour.startedAt, maxDurationMs, ordinal, n);
  if (late) tour.late.push(checkpoint);
  const outcome: TapOutcome = tour.visits.length === 0 ? 'started' : 'visited';
  tour.visits.push({ checkpoint, at: event.at, device: event.device, guard: event.guard });
  return { outcome, late, complete: tour.visits.length === n };
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
  };
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
