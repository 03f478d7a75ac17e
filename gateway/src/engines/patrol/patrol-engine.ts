/**
 * Patrol tours (docs/patrol-and-rollcall.md). Pure: taps and records in,
 * tour records, schedule-missed records and patrol alerts out.
 *
 * Replay safety: every decision depends only on the state and the entry
 * (the tap's event time, never the wall clock), so a replay makes the same
 * decisions; the records those decisions wrote are applied idempotently by id.
 * Timer decisions (deadline passed, scheduled slot not started) are known at
 * replay from the records they wrote.
 */
import type { RouteConfig } from '../../config/schema.js';
import { parseDuration } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { JournalEntry, TourRecord } from '../../journal/types.js';
import type { DeviceEvent, TapEvent } from '../../model/event.js';
import { clockStepOf } from '../clock-step.js';
import type { Effect, Engine } from '../engine.js';
import { notStartedAlert, tourLateAlert, tourMissedAlert } from './alerts.js';
import { nextSlotAfter, type PatrolSchedule, scheduleOf, slotsBetween } from './schedule.js';
import { emptyPatrolState, type PatrolState, parsePatrolState } from './state.js';
import { DAY_MS, localDay, localStamp } from './time.js';
import { missingOf, newTour, type OpenTour, ownerOf, tourRecord, unitOfTap, visit } from './tour.js';
import { finishedTourView, openTourView, type TourView } from './views.js';

/** Finished tours, tour starts and recorded slots are kept this long (console, schedule checks). */
const RETAIN_MS = 2 * DAY_MS;
/** After a long outage, schedule slots older than this are not checked any more. */
const SCHEDULE_LOOKBACK_MS = DAY_MS;
/** Joint-patrol participation is kept for the weekly/monthly bulletin. */
const JOINT_RETAIN_DAYS = 62;
const MAX_FINISHED = 2000;

export type { TourView } from './views.js';

export interface JointParticipation {
  unit: string;
  guards: string[];
  taps: number;
  /** The zone's lead unit. */
  lead: boolean;
}

type Step =
  | { route: RouteConfig; action: 'continue'; tour: OpenTour; expire: null }
  | { route: RouteConfig; action: 'start'; id: string; owner: string; expire: OpenTour | null }
  | { route: RouteConfig; action: 'none'; expire: OpenTour | null };

export class PatrolEngine implements Engine {
  readonly name = 'patrol';
  private state: PatrolState = emptyPatrolState();
  private readonly maxDurationMs = new Map<string, number>();
  private readonly schedules = new Map<string, PatrolSchedule>();
  /** checkpoint → zones whose joint route includes it */
  private readonly jointZonesOfCheckpoint = new Map<string, Set<string>>();
  private scheduleWake: number | null = null;
  private scheduleWakeDirty = true;

  constructor(private readonly site: Site) {
    for (const r of site.config.routes) {
      this.maxDurationMs.set(r.id, parseDuration(r.maxDuration));
      const s = scheduleOf(r);
      if (s) this.schedules.set(r.id, s);
      if (r.joint) {
        for (const cp of r.checkpoints) {
          const zones = this.jointZonesOfCheckpoint.get(cp) ?? new Set<string>();
          zones.add(r.zone);
          this.jointZonesOfCheckpoint.set(cp, zones);
        }
      }
    }
  }

  annotate(event: DeviceEvent, _now: number): void {
    if (event.kind !== 'tap') return;
    const step = this.plan(event, false).find((s) => s.action !== 'none');
    if (!step) return;
    event.route = step.route.id;
    event.tour = step.action === 'continue' ? step.tour.id : step.action === 'start' ? step.id : null;
  }

  handle(entry: JournalEntry, _now: number, _replay: boolean): Effect[] {
    const step = clockStepOf(entry);
    if (step !== null) {
      this.shift(step);
      return [];
    }
    this.observe(entry.at);
    const body = entry.body;
    switch (body.type) {
      case 'event':
        return body.event.kind === 'tap' ? this.onTap(body.event) : [];
      case 'tour':
        this.applyTourRecord(body.tour);
        return [];
      case 'schedule-missed':
        this.applyScheduleMissed(body.route, body.slot, body.at);
        return [];
      default:
        return [];
    }
  }

  tick(now: number): Effect[] {
    this.observe(now);
    const effects: Effect[] = [];
    for (const tour of [...this.state.open]) {
      if (tour.deadline <= now) effects.push(...this.closeMissed(tour));
    }
    effects.push(...this.checkSchedules(now));
    this.prune();
    return effects;
  }

  nextWakeAt(): number | null {
    let next: number | null = null;
    for (const t of this.state.open) if (next === null || t.deadline < next) next = t.deadline;
    const s = this.nextScheduleDeadline();
    if (s !== null && (next === null || s < next)) next = s;
    return next;
  }

  snapshot(): unknown {
    return structuredClone(this.state);
  }

  restore(snapshot: unknown): void {
    const state = parsePatrolState(snapshot);
    // a route removed from the config since: its open tours cannot go on
    state.open = state.open.filter((t) => this.site.routes.has(t.route));
    this.state = state;
    this.scheduleWakeDirty = true;
  }

  // ---- queries -------------------------------------------------------------

  /** Open tours and finished ones (ended at or after `since`), newest first. */
  tours(filter: { zone?: string; since?: number } = {}): TourView[] {
    const views: TourView[] = [];
    for (const t of this.state.open) {
      if (filter.zone && t.zone !== filter.zone) continue;
      views.push(openTourView(this.site, t));
    }
    for (const r of this.state.finished) {
      if (filter.zone && r.zone !== filter.zone) continue;
      if (filter.since !== undefined && r.endedAt < filter.since) continue;
      views.push(finishedTourView(this.site, r, this.maxDurationMs.get(r.route)));
    }
    return views.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }

  /** Units that sent a guard to the zone's joint route on a local day ("YYYY-MM-DD", site time zone). */
  jointParticipation(zone: string, day: string): JointParticipation[] {
    const lead = this.site.zones.get(zone)?.lead;
    const units = this.state.joint[zone]?.[day] ?? {};
    return Object.entries(units)
      .map(([unit, u]) => ({ unit, guards: [...u.guards].sort(), taps: u.taps, lead: unit === lead }))
      .sort((a, b) => Number(b.lead) - Number(a.lead) || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  }

  // ---- taps ----------------------------------------------------------------

  /**
   * What a tap does to each route through its checkpoint. `useAnnotated`:
   * at handle() time the journaled event already names the tour it starts.
   */
  private plan(event: TapEvent, useAnnotated: boolean): Step[] {
    const cp = event.checkpoint;
    if (!cp || event.uidKind === 'unknown') return [];
    const steps: Step[] = [];
    const taken = new Set<string>();
    for (const route of this.site.routesByCheckpoint.get(cp) ?? []) {
      const owner = ownerOf(route, event);
      if (!owner) continue;
      const open = this.state.open.find((t) => t.route === route.id && t.owner === owner) ?? null;
      // a tap after the tour's deadline closes it as missed (the timer may not have fired yet)
      const expire = open && event.at > open.deadline ? open : null;
      if (open && !expire) {
        steps.push({ route, action: 'continue', tour: open, expire: null });
      } else if (route.checkpoints[0] === cp) {
        const annotated = useAnnotated && event.route === route.id ? event.tour : null;
        const id =
          annotated && !this.idTaken(annotated, taken) ? annotated : this.newId(route, owner, event, taken);
        taken.add(id);
        steps.push({ route, action: 'start', id, owner, expire });
      } else {
        steps.push({ route, action: 'none', expire });
      }
    }
    return steps;
  }

  private onTap(event: TapEvent): Effect[] {
    const cp = event.checkpoint;
    if (!cp || event.uidKind === 'unknown') return [];
    this.noteJoint(event, cp);
    const effects: Effect[] = [];
    const unit = unitOfTap(this.site, event);
    for (const step of this.plan(event, true)) {
      if (step.expire) effects.push(...this.closeMissed(step.expire));
      let tour: OpenTour;
      if (step.action === 'continue') tour = step.tour;
      else if (step.action === 'start') {
        tour = newTour(step.id, step.route, step.owner, event, this.maxMs(step.route), unit);
        this.state.open.push(tour);
        this.noteStart(step.route.id, event.at);
      } else continue;
      const result = visit(tour, step.route, this.maxMs(step.route), event, cp, unit);
      if (result.late && !tour.lateRaised) {
        tour.lateRaised = true;
        effects.push({ type: 'raise', request: tourLateAlert(this.site, tour, step.route, cp) });
      }
      if (result.complete) {
        const record = tourRecord(tour, step.route, 'completed', event.at);
        this.applyTourRecord(record);
        effects.push({ type: 'record', body: { type: 'tour', tour: record } });
      }
    }
    return effects;
  }

  private closeMissed(tour: OpenTour): Effect[] {
    const route = this.site.routes.get(tour.route);
    if (!route) {
      this.state.open = this.state.open.filter((t) => t !== tour);
      return [];
    }
    const record = tourRecord(tour, route, 'missed', tour.deadline);
    this.applyTourRecord(record);
    return [
      { type: 'record', body: { type: 'tour', tour: record } },
      { type: 'raise', request: tourMissedAlert(this.site, tour, route, missingOf(tour, route)) },
    ];
  }

  /** Idempotent: the record is the truth about a finished tour. */
  private applyTourRecord(record: TourRecord): void {
    this.state.open = this.state.open.filter((t) => t.id !== record.id);
    if (!this.state.finished.some((r) => r.id === record.id)) this.state.finished.push(record);
    this.noteStart(record.route, record.startedAt);
  }

  private noteStart(route: string, at: number): void {
    const starts = this.state.starts[route] ?? [];
    if (!starts.includes(at)) starts.push(at);
    this.state.starts[route] = starts;
  }

  private noteJoint(event: TapEvent, cp: string): void {
    const zones = this.jointZonesOfCheckpoint.get(cp);
    if (!zones) return;
    const unit = unitOfTap(this.site, event);
    const day = localDay(event.at, this.site.timezone);
    for (const zone of zones) {
      const days = this.state.joint[zone] ?? {};
      const units = days[day] ?? {};
      const u = units[unit] ?? { guards: [], taps: 0 };
      u.taps++;
      if (event.guard && !u.guards.includes(event.guard)) u.guards.push(event.guard);
      units[unit] = u;
      days[day] = units;
      this.state.joint[zone] = days;
    }
  }

  // ---- schedules -----------------------------------------------------------

  /**
   * A slot is kept when a tour of the route started within [slot − grace, slot + grace];
   * checked once its deadline (slot + grace) has passed.
   */
  private checkSchedules(now: number): Effect[] {
    const effects: Effect[] = [];
    const cursor = this.state.cursor ?? now;
    const from = Math.max(cursor, now - SCHEDULE_LOOKBACK_MS);
    for (const [routeId, s] of this.schedules) {
      const route = this.site.routes.get(routeId);
      if (!route) continue;
      const missed = this.state.missedSlots[routeId] ?? [];
      const starts = this.state.starts[routeId] ?? [];
      for (const slot of slotsBetween(s, this.site.timezone, from - s.graceMs, now - s.graceMs)) {
        if (missed.includes(slot)) continue;
        if (starts.some((t) => t >= slot - s.graceMs && t <= slot + s.graceMs)) continue;
        const at = slot + s.graceMs;
        this.applyScheduleMissed(routeId, slot, at);
        effects.push(
          { type: 'record', body: { type: 'schedule-missed', route: routeId, zone: route.zone, slot, at } },
          { type: 'raise', request: notStartedAlert(this.site, route, slot, s.graceMs) },
        );
      }
    }
    this.state.cursor = Math.max(cursor, now);
    this.scheduleWakeDirty = true;
    return effects;
  }

  private applyScheduleMissed(route: string, slot: number, at: number): void {
    const missed = this.state.missedSlots[route] ?? [];
    if (!missed.includes(slot)) missed.push(slot);
    this.state.missedSlots[route] = missed;
    // the tick that wrote it had checked every deadline up to `at`
    this.state.cursor = Math.max(this.state.cursor ?? at, at);
    this.scheduleWakeDirty = true;
  }

  private nextScheduleDeadline(): number | null {
    if (!this.scheduleWakeDirty) return this.scheduleWake;
    this.scheduleWakeDirty = false;
    this.scheduleWake = null;
    const cursor = this.state.cursor;
    if (cursor === null) return null;
    for (const s of this.schedules.values()) {
      const slot = nextSlotAfter(s, this.site.timezone, cursor - s.graceMs);
      if (slot === null) continue;
      const deadline = slot + s.graceMs;
      if (this.scheduleWake === null || deadline < this.scheduleWake) this.scheduleWake = deadline;
    }
    return this.scheduleWake;
  }

  // ---- helpers -------------------------------------------------------------

  /**
   * A clock step: tour limits, the clock and the schedule cursor move with
   * engine time, so a tour keeps its maxDuration of elapsed time and a forward
   * step does not make the slots it jumped over "not started".
   */
  private shift(deltaMs: number): void {
    for (const t of this.state.open) t.deadline += deltaMs;
    if (this.state.clock !== null) this.state.clock += deltaMs;
    if (this.state.cursor !== null) this.state.cursor += deltaMs;
    this.scheduleWakeDirty = true;
  }

  private observe(t: number): void {
    if (this.state.clock === null || t > this.state.clock) this.state.clock = t;
    if (this.state.cursor === null) {
      this.state.cursor = t;
      this.scheduleWakeDirty = true;
    }
  }

  private prune(): void {
    const clock = this.state.clock;
    if (clock === null) return;
    const cutoff = clock - RETAIN_MS;
    this.state.finished = this.state.finished.filter((r) => r.endedAt >= cutoff).slice(-MAX_FINISHED);
    for (const key of Object.keys(this.state.starts)) {
      this.state.starts[key] = (this.state.starts[key] ?? []).filter((t) => t >= cutoff);
    }
    for (const key of Object.keys(this.state.missedSlots)) {
      this.state.missedSlots[key] = (this.state.missedSlots[key] ?? []).filter((t) => t >= cutoff);
    }
    const oldestDay = localDay(clock - JOINT_RETAIN_DAYS * DAY_MS, this.site.timezone);
    for (const days of Object.values(this.state.joint)) {
      for (const day of Object.keys(days)) if (day < oldestDay) delete days[day];
    }
  }

  private maxMs(route: RouteConfig): number {
    return this.maxDurationMs.get(route.id) ?? parseDuration(route.maxDuration);
  }

  private idTaken(id: string, taken: Set<string>): boolean {
    return (
      taken.has(id) ||
      this.state.open.some((t) => t.id === id) ||
      this.state.finished.some((r) => r.id === id)
    );
  }

  /** "T-<route>-<local yyyyMMddHHmmss>-<wand|guard|joint>", suffixed when taken. */
  private newId(route: RouteConfig, owner: string, event: TapEvent, taken: Set<string>): string {
    const who = owner.includes(':') ? owner.slice(owner.indexOf(':') + 1) : owner;
    const base = `T-${route.id}-${localStamp(event.at, this.site.timezone, 'yyyyMMddHHmmss')}-${who}`;
    let id = base;
    for (let n = 2; this.idTaken(id, taken); n++) id = `${base}-${n}`;
    return id;
  }
}
