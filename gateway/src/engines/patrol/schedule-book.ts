/**
 * The schedule checks of the patrol engine (docs/patrol-and-rollcall.md
 * "Schedules"): a slot is kept when a tour of the route started within
 * [slot − grace, slot + grace], checked once its deadline (slot + grace) has
 * passed; a slot not kept writes a schedule-missed record and raises
 * `patrol_missed`. Holds the wake-up cache; the slots live in the state.
 */
import type { Site } from '../../config/site.js';
import type { Effect } from '../engine.js';
import { notStartedAlert } from './alerts.js';
import { nextSlotAfter, type PatrolSchedule, scheduleOf, slotsBetween } from './schedule.js';
import type { PatrolState } from './state.js';
import { DAY_MS } from './time.js';

/** After a long outage, schedule slots older than this are not checked any more. */
const SCHEDULE_LOOKBACK_MS = DAY_MS;

export class ScheduleBook {
  readonly schedules = new Map<string, PatrolSchedule>();
  private wake: number | null = null;
  dirty = true;

  constructor(private readonly site: Site) {
    for (const r of site.config.routes) {
      const s = scheduleOf(r);
      if (s) this.schedules.set(r.id, s);
    }
  }

  check(state: PatrolState, now: number): Effect[] {
    const effects: Effect[] = [];
    const cursor = state.cursor ?? now;
    const from = Math.max(cursor, now - SCHEDULE_LOOKBACK_MS);
    for (const [routeId, s] of this.schedules) {
      const route = this.site.routes.get(routeId);
      if (!route) continue;
      const missed = state.missedSlots[routeId] ?? [];
      const starts = state.starts[routeId] ?? [];
      for (const slot of slotsBetween(s, this.site.timezone, from - s.graceMs, now - s.graceMs)) {
        if (missed.includes(slot)) continue;
        if (starts.some((t) => t >= slot - s.graceMs && t <= slot + s.graceMs)) continue;
        const at = slot + s.graceMs;
        this.applyMissed(state, routeId, slot, at);
        effects.push(
          { type: 'record', body: { type: 'schedule-missed', route: routeId, zone: route.zone, slot, at } },
          { type: 'raise', request: notStartedAlert(this.site, route, slot, s.graceMs) },
        );
      }
    }
    state.cursor = Math.max(cursor, now);
    this.dirty = true;
    return effects;
  }

  applyMissed(state: PatrolState, route: string, slot: number, at: number): void {
    const missed = state.missedSlots[route] ?? [];
    if (!missed.includes(slot)) missed.push(slot);
    state.missedSlots[route] = missed;
    // the tick that wrote it had checked every deadline up to `at`
    state.cursor = Math.max(state.cursor ?? at, at);
    this.dirty = true;
  }

  nextDeadline(state: PatrolState): number | null {
    if (!this.dirty) return this.wake;
    this.dirty = false;
    this.wake = null;
    const cursor = state.cursor;
    if (cursor === null) return null;
    for (const s of this.schedules.values()) {
      const slot = nextSlotAfter(s, this.site.timezone, cursor - s.graceMs);
      if (slot === null) continue;
      const deadline = slot + s.graceMs;
      if (this.wake === null || deadline < this.wake) this.wake = deadline;
    }
    return this.wake;
  }
}
