/**
 * The tour message of a schedule slot on gp/v1/patrol/{zone}/{route}/tour
 * (docs/patrol-and-rollcall.md "Tour states"): `scheduled` when the slot
 * opens (slot − grace), `missed` when it closes unstarted. A slot has no tour
 * yet, so its id is a slot id, "S-<route>-<local yyyyMMddHHmm of the slot>".
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import { topics } from '../../topics.js';
import type { Effect } from '../engine.js';
import { iso, localStamp } from './time.js';
import { routeUnits } from './tour.js';
import type { TourView } from './views.js';

export function slotId(site: Site, route: string, slot: number): string {
  return `S-${route}-${localStamp(slot, site.timezone)}`;
}

/** startedAt: the slot (expected start); deadline: slot + grace, when it is judged missed. */
export function slotView(
  site: Site,
  route: RouteConfig,
  slot: number,
  graceMs: number,
  status: 'scheduled' | 'missed',
): TourView {
  const missed = status === 'missed';
  return {
    id: slotId(site, route.id, slot),
    route: route.id,
    routeName: route.name ?? route.id,
    zone: route.zone,
    owner: 'schedule',
    device: '',
    guard: null,
    state: missed ? 'missed' : 'open',
    startedAt: iso(slot),
    deadline: iso(slot + graceMs),
    endedAt: missed ? iso(slot + graceMs) : null,
    expected: route.checkpoints.length,
    visited: [],
    missing: [...route.checkpoints],
    late: [],
    outOfOrder: 0,
    units: routeUnits(site, route),
    status,
    early: [],
    exceptions: {},
    revision: 0,
    uploadedAt: null,
    previous: null,
    slot: iso(slot),
  };
}

export function slotEffect(
  site: Site,
  route: RouteConfig,
  slot: number,
  graceMs: number,
  status: 'scheduled' | 'missed',
): Effect {
  const payload = slotView(site, route, slot, graceMs, status);
  return { type: 'publish', topic: topics.patrolTour(route.zone, route.id), payload, qos: 1 };
}
