/**
 * Late records (docs/patrol-and-rollcall.md "Late records"): an offline
 * wand docked at 07:00 delivers taps of a tour judged at 03:00. Judged tours
 * are kept with their visits for a while; a late tap that falls within one
 * (same route and owner, between its start and its deadline) is applied to
 * it. A tour that becomes complete is judged again at once (same id, next
 * `revision`, `previous` and `uploadedAt` set); one that only changed is
 * judged again when the wand's upload has settled. The alerts raised for the
 * earlier judgement get a `revised` update. Pure functions over the state.
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { TourRecord } from '../../journal/types.js';
import type { TapEvent } from '../../model/event.js';
import type { Effect } from '../engine.js';
import { reviseRequest } from './exception-alerts.js';
import { iso } from './time.js';
import { type OpenTour, routeUnits, tourRecord } from './tour.js';

/** Judged tours kept for late records. */
export const MAX_JUDGED = 2000;

/** The judged tour a late tap belongs to, if any. */
export function judgedFor(
  judged: readonly OpenTour[],
  route: RouteConfig,
  owner: string,
  at: number,
): OpenTour | null {
  for (let i = judged.length - 1; i >= 0; i--) {
    const t = judged[i] as OpenTour;
    if (t.route === route.id && t.owner === owner && t.startedAt <= at && at <= t.deadline) return t;
  }
  return null;
}

/** Mark a tour judged by `record` (it stays in `judged` for late records). */
export function markJudged(tour: OpenTour, record: TourRecord): void {
  tour.judgement = { state: record.state ?? record.status, endedAt: record.endedAt };
  tour.dirty = false;
}

/** The next judgement of a revised tour, and the revised updates of the alerts of the previous one. */
export function reviseTour(
  site: Site,
  tour: OpenTour,
  route: RouteConfig,
  status: TourRecord['status'],
  endedAt: number,
): { record: TourRecord; effects: Effect[] } {
  tour.previous = tour.judgement ?? null;
  tour.revision++;
  const record = tourRecord(tour, route, status, endedAt);
  markJudged(tour, record);
  const effects: Effect[] = [{ type: 'record', body: { type: 'tour', tour: record } }];
  if (status === 'completed' && tour.previous?.state !== 'completed' && tour.previous?.state !== 'late') {
    const unit = routeUnits(site, route)[0] ?? '';
    effects.push({
      type: 'raise',
      request: reviseRequest(`patrol_missed:${tour.id}`, record.state ?? 'completed', route.zone, unit),
    });
  }
  return { record, effects };
}

/** A late tour start that covers schedule slots already recorded as not started: revise their alerts. */
export function reviseSlots(
  site: Site,
  route: RouteConfig,
  missed: readonly number[],
  revised: number[],
  graceMs: number,
  start: TapEvent,
): Effect[] {
  const effects: Effect[] = [];
  for (const slot of missed) {
    if (revised.includes(slot) || start.at < slot - graceMs || start.at > slot + graceMs) continue;
    revised.push(slot);
    const unit = routeUnits(site, route)[0] ?? '';
    effects.push({
      type: 'raise',
      request: reviseRequest(`patrol_missed:${route.id}:${iso(slot)}`, 'started', route.zone, unit),
    });
  }
  return effects;
}
