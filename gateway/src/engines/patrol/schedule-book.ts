/**
 * The schedule checks of the patrol engine (docs/patrol-and-rollcall.md
 * "Schedules"): a slot is kept when a tour of the route started within
 * [slot − grace, slot + grace], checked once its deadline (slot + grace) has
 * passed; a slot not kept writes a schedule-missed record and raises
 * `patrol_missed`. A slot opens at slot − grace (a tour counts from then):
 * it is published once as a `scheduled` tour message and journaled as a
 * schedule-open record (so a restart, from snapshot or replay, never publishes
 * it twice). Holds the wake-up cache; the slots live in the state.
 */
import type { Site } from '../../config/site.js';
import type { Effect } from '../engine.js';
import { notStartedAlert } from './alerts.js';
import { nextSlotAfter, type PatrolSchedule, scheduleOf, slotsBetween } from './schedule.js';
import { slotEffect } from './slot-view.js';
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
        // the slot's `scheduled` message ends as missed on the tour topic
        if (state.openedSlots[routeId]?.includes(slot))
          effects.push(slotEffect(this.site, route, slot, s.graceMs, 'missed'));
      }
    }
    state.cursor = Math.max(cursor, now);
    this.dirty = true;
    return effects;
  }

  /** Slots opening (slot − grace) since the last call, still open and not kept yet: published as `scheduled`. */
  open(state: PatrolState, now: number): Effect[] {
    const effects: Effect[] = [];
    const cursor = state.openCursor ?? state.cursor ?? now;
    for (const [routeId, s] of this.schedules) {
      const route = this.site.routes.get(routeId);
      if (!route) continue;
      const opened = state.openedSlots[routeId] ?? [];
      const starts = state.starts[routeId] ?? [];
      // a slot still open at `now` opened after now − 2 grace: older ones are left to check()
      const from = Math.max(cursor, now - 2 * s.graceMs);
      for (const slot of slotsBetween(s, this.site.timezone, from + s.graceMs, now + s.graceMs)) {
        if (slot + s.graceMs <= now || opened.includes(slot)) continue;
        if (starts.some((t) => t >= slot - s.graceMs && t <= slot + s.graceMs)) continue;
        const at = slot - s.graceMs;
        this.applyOpened(state, routeId, slot, at);
        effects.push(
          { type: 'record', body: { type: 'schedule-open', route: routeId, zone: route.zone, slot, at } },
          slotEffect(this.site, route, slot, s.graceMs, 'scheduled'),
        );
      }
    }
    state.openCursor = Math.max(cursor, now);
    this.dirty = true;
    return effects;
  }

  applyOpened(state: PatrolState, route: string, slot: number, at: number): void {
    const opened = state.openedSlots[route] ?? [];
    if (!opened.includes(slot)) opened.push(slot);
    state.openedSlots[route] = opened;
    state.openCursor = Math.max(state.openCursor ?? at, at);
    this.dirty = true;
  }

  /** The published slot a tour of the route starting at `at` keeps, or null. */
  openedSlotOf(state: PatrolState, route: string, at: number): number | null {
    const s = this.schedules.get(route);
    if (!s) return null;
    return state.openedSlots[route]?.find((slot) => at >= slot - s.graceMs && at <= slot + s.graceMs) ?? null;
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
    const openCursor = state.openCursor ?? cursor;
    const at = (t: number): void => {
      if (this.wake === null || t < this.wake) this.wake = t;
    };
    for (const s of this.schedules.values()) {
      const slot = nextSlotAfter(s, this.site.timezone, cursor - s.graceMs);
      if (slot !== null) at(slot + s.graceMs);
      const opening = nextSlotAfter(s, this.site.timezone, openCursor + s.graceMs);
      if (opening !== null) at(opening - s.graceMs);
    }
    return this.wake;
  }
}
