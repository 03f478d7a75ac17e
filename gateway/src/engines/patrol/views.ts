/** What the console and /api/tours show of a tour. */
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import { topics } from '../../topics.js';
import type { Effect } from '../engine.js';
import { iso } from './time.js';
import { missingOf, type OpenTour } from './tour.js';

/** The tour states of docs/patrol-and-rollcall.md "Tour states" (scheduled: a slot open, not started yet; slot-view.ts). */
export type TourState =
  | 'scheduled'
  | 'in_progress'
  | 'paused'
  | 'late'
  | 'completed'
  | 'incomplete'
  | 'missed';

export interface TourView {
  id: string;
  route: string;
  routeName: string;
  zone: string;
  /** The wand (tag taps), the guard (card taps), or "joint". */
  owner: string;
  device: string;
  guard: string | null;
  state: 'open' | 'completed' | 'missed';
  startedAt: string;
  deadline: string;
  endedAt: string | null;
  expected: number;
  visited: string[];
  missing: string[];
  late: string[];
  outOfOrder: number;
  units: string[];
  // extensions
  status: TourState;
  early: string[];
  exceptions: Record<string, number>;
  revision: number;
  uploadedAt: string | null;
  previous: { state: string; endedAt: string } | null;
  /** The schedule slot (RFC 3339): on slot messages, and on the start of the tour that keeps a published slot. */
  slot?: string;
}

export function openStatus(t: OpenTour): TourState {
  if (t.pausedAt !== null) return 'paused';
  return t.late.length > 0 ? 'late' : 'in_progress';
}

/** Card tours (a fixed reader read the guard's card) belong to the guard, tag tours to the wand. */
function ownerOfRecord(site: Site, r: TourRecord): string {
  const fixed = site.devices.get(r.device)?.checkpoint !== undefined;
  return fixed && r.guard ? r.guard : r.device;
}

export function openTourView(site: Site, t: OpenTour): TourView {
  const route = site.routes.get(t.route);
  return {
    id: t.id,
    route: t.route,
    routeName: route?.name ?? t.route,
    zone: t.zone,
    owner: t.owner.includes(':') ? t.owner.slice(t.owner.indexOf(':') + 1) : t.owner,
    device: t.device,
    guard: t.guard,
    state: 'open',
    startedAt: iso(t.startedAt),
    deadline: iso(t.deadline),
    endedAt: null,
    expected: route?.checkpoints.length ?? t.visits.length,
    visited: t.visits.map((v) => v.checkpoint),
    missing: route ? missingOf(t, route) : [],
    late: [...t.late],
    outOfOrder: t.outOfOrder,
    units: [...t.units],
    status: openStatus(t),
    early: [...t.early],
    exceptions: { ...t.exceptions },
    revision: t.revision,
    uploadedAt: t.uploadedAt === null ? null : iso(t.uploadedAt),
    previous: t.previous ? { state: t.previous.state, endedAt: iso(t.previous.endedAt) } : null,
  };
}

export function finishedTourView(site: Site, r: TourRecord, maxDurationMs: number | undefined): TourView {
  const route = site.routes.get(r.route);
  return {
    id: r.id,
    route: r.route,
    routeName: route?.name ?? r.route,
    zone: r.zone,
    owner: route?.joint ? 'joint' : ownerOfRecord(site, r),
    device: r.device,
    guard: r.guard,
    state: r.status,
    startedAt: iso(r.startedAt),
    deadline: iso(maxDurationMs === undefined ? r.endedAt : r.startedAt + maxDurationMs),
    endedAt: iso(r.endedAt),
    expected: r.expected,
    visited: [...r.visited],
    missing: [...r.missed],
    late: [...r.late],
    outOfOrder: r.outOfOrder,
    units: [...r.units],
    status: r.state ?? r.status,
    early: [...(r.early ?? [])],
    exceptions: { ...(r.exceptions ?? {}) },
    revision: r.revision ?? 0,
    uploadedAt: r.uploadedAt ? iso(r.uploadedAt) : null,
    previous: r.previous ? { state: r.previous.state, endedAt: iso(r.previous.endedAt) } : null,
  };
}

/** A tour's state change on gp/v1/patrol/{zone}/{route}/tour (extension): the open tour, or its judgement. */
export function tourStateEffect(site: Site, tour: OpenTour, record?: TourRecord): Effect {
  const route = site.routes.get(tour.route);
  const view = record
    ? finishedTourView(site, record, route ? tour.deadline - tour.startedAt : undefined)
    : openTourView(site, tour);
  return { type: 'publish', topic: topics.patrolTour(tour.zone, tour.route), payload: view, qos: 1 };
}
