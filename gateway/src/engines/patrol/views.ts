/** What the console and /api/tours show of a tour. */
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import { iso } from './time.js';
import { missingOf, type OpenTour } from './tour.js';

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
  };
}
