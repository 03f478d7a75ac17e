/**
 * Patrol tours (docs/patrol-and-rollcall.md). Pure: taps and records in,
 * tour records, schedule-open/-missed records and patrol alerts out.
 *
 * Patrol rules (windows, pause, anti-fake, two-person, protection levels,
 * late records) live beside it: rules.ts, antifake.ts, pause.ts, overdue.ts,
 * revise.ts. Exceptions are found in annotate() and journaled in the tap.
 *
 * Replay safety: every decision depends only on the state and the entry
 * (the tap's event time, never the wall clock), so a replay makes the same
 * decisions; the records those decisions wrote are applied idempotently by id.
 * Timer decisions (deadline passed, schedule slot opened or not started) are
 * known at replay from the records they wrote.
 */
import type { RouteConfig } from '../../config/schema.js';
import { parseDuration } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { JournalEntry, TourRecord } from '../../journal/types.js';
import type { DeviceEvent, TapEvent } from '../../model/event.js';
import { clockStepOf } from '../clock-step.js';
import type { Effect, Engine } from '../engine.js';
import { tourMissedAlert } from './alerts.js';
import { clockDrifted, flag, has, impossibleTravel, movedReader, repeatOf } from './antifake.js';
import { parseOverdueKey } from './exception-alerts.js';
import { type JointParticipation, jointParticipation, noteJoint } from './joint.js';
import { nextOverdue, notePatrol, overdueEffects, protectedUnits } from './overdue.js';
import { pause, resume, toursToToggle } from './pause.js';
import { judgedFor, MAX_JUDGED, markJudged, reviseSlots, reviseTour } from './revise.js';
import { PatrolRules } from './rules.js';
import { ScheduleBook } from './schedule-book.js';
import { emptyPatrolState, type PatrolState, parsePatrolState, pruneState } from './state.js';
import { exceptionAlerts, visitEffects } from './tap-effects.js';
import { iso, localStamp } from './time.js';
import { missingOf, newTour, type OpenTour, ownerOf, tourRecord, unitOfTap, visit } from './tour.js';
import { finishedTourView, openTourView, type TourView, tourStateEffect } from './views.js';

export type { JointParticipation } from './joint.js';
export type { TourView } from './views.js';

type Step =
  | { route: RouteConfig; action: 'continue'; tour: OpenTour; expire: null }
  | { route: RouteConfig; action: 'start'; id: string; owner: string; expire: OpenTour | null }
  | { route: RouteConfig; action: 'none'; expire: OpenTour | null };

export class PatrolEngine implements Engine {
  readonly name = 'patrol';
  private state: PatrolState = emptyPatrolState();
  private readonly maxDurationMs = new Map<string, number>();
  /** checkpoint → zones whose joint route includes it */
  private readonly jointZonesOfCheckpoint = new Map<string, Set<string>>();
  private readonly book: ScheduleBook;
  private readonly rules: PatrolRules;
  private readonly protectedList: [string, number][];
  private readonly protectedMap: Map<string, number>;
  /** Ids of `state.finished` → its index; rebuilt when `finished` is replaced (prune, restore). */
  private finishedAt = new Map<string, number>();
  private finishedOf: TourRecord[] | null = null;
  /** route → its `state.starts` array (by identity, replaced at prune) and the same instants as a set. */
  private readonly startSets = new Map<string, { of: number[]; set: Set<number> }>();

  constructor(private readonly site: Site) {
    this.rules = new PatrolRules(site);
    this.book = new ScheduleBook(site);
    this.protectedList = protectedUnits(site, this.rules);
    this.protectedMap = new Map(this.protectedList);
    for (const r of site.config.routes) {
      this.maxDurationMs.set(r.id, parseDuration(r.maxDuration));
      if (r.joint) {
        for (const cp of r.checkpoints) {
          const zones = this.jointZonesOfCheckpoint.get(cp) ?? new Set<string>();
          zones.add(r.zone);
          this.jointZonesOfCheckpoint.set(cp, zones);
        }
      }
    }
  }

  /** Before journaling: the tap's guard on a signed-in wand, its exceptions, its route and tour. */
  annotate(event: DeviceEvent, _now: number): void {
    if (event.kind !== 'tap') return;
    const wand = this.rules.isWand(event.device);
    if (event.uidKind === 'card' && (wand || this.rules.isSupervisor(event.guard))) return;
    const signedIn = wand && event.uidKind === 'tag' ? this.state.wandGuard[event.device] : undefined;
    if (signedIn) event.guard = signedIn;
    if (!event.offline && clockDrifted(this.rules, event.drift)) flag(event, 'clock_drift');
    if (!event.checkpoint || event.uidKind === 'unknown') return;
    if (movedReader(this.site, event)) flag(event, 'moved_reader');
    const repeat = repeatOf(this.rules, event, this.state.lastTap[event.device]);
    if (repeat) flag(event, repeat);
    const late = this.lateStep(event);
    if (late) {
      event.route = late.route;
      event.tour = late.id;
      return;
    }
    const step = this.plan(event, false).find((s) => s.action !== 'none');
    if (!step) return;
    event.route = step.route.id;
    event.tour = step.action === 'continue' ? step.tour.id : step.action === 'start' ? step.id : null;
    if (step.action === 'continue' && !has(event, 'rescan')) {
      const last = step.tour.visits[step.tour.visits.length - 1];
      if (impossibleTravel(this.rules, step.route.id, last, event.checkpoint, event.at)) {
        flag(event, 'impossible_travel');
      }
    }
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
        return this.applyTourRecord(body.tour);
      case 'schedule-missed':
        this.book.applyMissed(this.state, body.route, body.slot, body.at);
        return [];
      case 'schedule-open':
        this.book.applyOpened(this.state, body.route, body.slot, body.at);
        return [];
      case 'alert': {
        const o = parseOverdueKey(body.key);
        if (o) this.state.overdueRaised[o.unit] = o.since;
        return [];
      }
      default:
        return [];
    }
  }

  tick(now: number): Effect[] {
    this.observe(now);
    const effects: Effect[] = [];
    for (const tour of [...this.state.open]) {
      if (this.dueAt(tour) <= now) effects.push(...this.closeMissed(tour));
    }
    for (const tour of this.state.judged) {
      if (tour.dirty && (this.state.settle[tour.device] ?? 0) <= now) effects.push(...this.rejudge(tour));
    }
    effects.push(...this.book.open(this.state, now), ...this.book.check(this.state, now));
    effects.push(...overdueEffects(this.site, this.rules, this.protectedList, this.state, now));
    pruneState(this.state, this.site.timezone);
    return effects;
  }

  nextWakeAt(): number | null {
    let next: number | null = null;
    const at = (t: number | null): void => {
      if (t !== null && (next === null || t < next)) next = t;
    };
    for (const t of this.state.open) at(this.dueAt(t));
    for (const t of this.state.judged) if (t.dirty) at(this.state.settle[t.device] ?? 0);
    at(this.book.nextDeadline(this.state));
    at(nextOverdue(this.protectedList, this.state));
    return next;
  }

  snapshot(): unknown {
    return structuredClone(this.state);
  }

  restore(snapshot: unknown): void {
    const state = parsePatrolState(snapshot);
    // a route removed from the config since: its open tours cannot go on
    state.open = state.open.filter((t) => this.site.routes.has(t.route));
    state.judged = state.judged.filter((t) => this.site.routes.has(t.route));
    this.state = state;
    this.book.dirty = true;
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
    return jointParticipation(this.site, this.state, zone, day);
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
      // a paused tour counts nothing, and no other tour of its owner starts meanwhile
      if (open?.pausedAt != null) continue;
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

  /** A tap older than the tours judged since: the judged tour it belongs to (late records). */
  private lateStep(event: TapEvent): OpenTour | null {
    if (this.state.judged.length === 0 || !event.checkpoint) return null;
    for (const route of this.site.routesByCheckpoint.get(event.checkpoint) ?? []) {
      const owner = ownerOf(route, event);
      if (!owner) continue;
      const open = this.state.open.find((t) => t.route === route.id && t.owner === owner);
      if (open && open.startedAt <= event.at) continue;
      const t = judgedFor(this.state.judged, route, owner, event.at);
      if (t) return t;
    }
    return null;
  }

  private onTap(event: TapEvent): Effect[] {
    if (event.uidKind === 'card' && this.rules.isSupervisor(event.guard)) return this.toggle(event);
    if (event.uidKind === 'card' && this.rules.isWand(event.device) && event.guard) {
      this.state.wandGuard[event.device] = event.guard; // sign-in: the wand's next taps are this guard's
      return [];
    }
    const cp = event.checkpoint;
    if (!cp || event.uidKind === 'unknown') return [];
    if (event.offline) {
      const settle = event.receivedAt + this.rules.settleMs;
      this.state.settle[event.device] = Math.max(this.state.settle[event.device] ?? 0, settle);
    }
    const effects = exceptionAlerts(this.site, this.rules, event);
    const counted = !has(event, 'rescan') && !has(event, 'moved_reader');
    if (counted)
      this.state.lastTap[event.device] = { uid: event.uid, at: event.at, checkpoint: cp, guard: event.guard };
    noteJoint(this.site, this.jointZonesOfCheckpoint.get(cp), this.state, event);
    const late = event.tour ? this.state.judged.find((t) => t.id === event.tour) : undefined;
    if (late) return effects.concat(counted ? this.lateVisit(late, event, cp) : this.count(late, event));
    if (!counted) {
      const tour = this.state.open.find((t) => t.id === event.tour);
      if (tour) this.count(tour, event);
      return effects;
    }
    const unit = unitOfTap(this.site, event);
    for (const step of this.plan(event, true)) {
      if (step.expire) effects.push(...this.closeMissed(step.expire));
      let tour: OpenTour;
      if (step.action === 'continue') tour = step.tour;
      else if (step.action === 'start') {
        tour = newTour(step.id, step.route, step.owner, event, this.maxMs(step.route), unit);
        this.state.open.push(tour);
        this.noteStart(step.route.id, event.at);
        effects.push(...this.reviseSlotsFor(step.route, event), this.startEffect(tour, event.at));
      } else continue;
      this.count(tour, event);
      if (event.offline) tour.uploadedAt = Math.max(tour.uploadedAt ?? 0, event.receivedAt);
      const result = visit(tour, step.route, this.maxMs(step.route), event, cp, unit, this.rules);
      effects.push(...visitEffects(this.site, this.rules, tour, step.route, event, result));
      if (result.complete) {
        const record = tourRecord(tour, step.route, 'completed', event.at);
        effects.push(
          ...this.applyTourRecord(record),
          { type: 'record', body: { type: 'tour', tour: record } },
          tourStateEffect(this.site, tour, record),
        );
      }
    }
    return effects;
  }

  private count(tour: OpenTour, event: TapEvent): Effect[] {
    for (const e of event.exceptions ?? []) tour.exceptions[e] = (tour.exceptions[e] ?? 0) + 1;
    return [];
  }

  /** A supervisor card: pause the tours it reaches, or resume them. */
  private toggle(event: TapEvent): Effect[] {
    const fixed = this.site.devices.get(event.device)?.checkpoint;
    const routeHas = (r: string, cp: string): boolean =>
      this.site.routes.get(r)?.checkpoints.includes(cp) ?? false;
    const effects: Effect[] = [];
    for (const tour of toursToToggle(this.state.open, event, fixed, routeHas)) {
      if (tour.pausedAt === null) pause(tour, event.at, this.rules.maxPauseMs);
      else resume(tour, event.at, this.rules.maxPauseMs);
      effects.push(tourStateEffect(this.site, tour));
    }
    return effects;
  }

  /** A late tap applied to a judged tour: judged again at once when now complete, else once the upload settles. */
  private lateVisit(tour: OpenTour, event: TapEvent, cp: string): Effect[] {
    const route = this.site.routes.get(tour.route);
    if (!route) return [];
    this.count(tour, event);
    tour.uploadedAt = Math.max(tour.uploadedAt ?? 0, event.receivedAt);
    const result = visit(tour, route, this.maxMs(route), event, cp, unitOfTap(this.site, event), this.rules);
    if (result.outcome === 'repeat' || result.outcome === 'pending') return [];
    tour.dirty = true;
    if (!result.complete) return [];
    const { record, effects } = reviseTour(this.site, tour, route, 'completed', event.at);
    this.state.judged = this.state.judged.filter((t) => t !== tour);
    return [...this.applyTourRecord(record), ...effects, tourStateEffect(this.site, tour, record)];
  }

  /** A judged tour changed by late records but still not complete: its next judgement. */
  private rejudge(tour: OpenTour): Effect[] {
    const route = this.site.routes.get(tour.route);
    if (!route) return [];
    const { record, effects } = reviseTour(this.site, tour, route, 'missed', tour.deadline);
    return [...this.applyTourRecord(record), ...effects, tourStateEffect(this.site, tour, record)];
  }

  private reviseSlotsFor(route: RouteConfig, event: TapEvent): Effect[] {
    const s = this.book.schedules.get(route.id);
    const missed = this.state.missedSlots[route.id];
    if (!s || !missed || missed.length === 0) return [];
    const revised = this.state.revisedSlots[route.id] ?? [];
    this.state.revisedSlots[route.id] = revised;
    return reviseSlots(this.site, route, missed, revised, s.graceMs, event);
  }

  /** When an open tour is judged: its deadline, and for an offline wand not before its upload settled. */
  private dueAt(tour: OpenTour): number {
    return tour.offline ? Math.max(tour.deadline, this.state.settle[tour.device] ?? 0) : tour.deadline;
  }

  private closeMissed(tour: OpenTour): Effect[] {
    const route = this.site.routes.get(tour.route);
    if (!route) {
      this.state.open = this.state.open.filter((t) => t !== tour);
      return [];
    }
    const record = tourRecord(tour, route, 'missed', tour.deadline);
    return [
      ...this.applyTourRecord(record),
      { type: 'record', body: { type: 'tour', tour: record } },
      { type: 'raise', request: tourMissedAlert(this.site, tour, route, missingOf(tour, route)) },
      tourStateEffect(this.site, tour, record),
    ];
  }

  /**
   * Idempotent: the record is the truth about a finished tour; a later
   * revision of the same tour replaces the earlier one in `finished`. A
   * missed tour stays in `judged`, with its visits, for late records.
   */
  private applyTourRecord(record: TourRecord): Effect[] {
    const open = this.state.open.find((t) => t.id === record.id);
    this.state.open = this.state.open.filter((t) => t.id !== record.id);
    if (open && record.status === 'missed') {
      markJudged(open, record);
      this.state.judged.push(open);
      if (this.state.judged.length > MAX_JUDGED) this.state.judged.shift();
    }
    const index = this.finishedIndex();
    const i = index.get(record.id);
    if (i === undefined) {
      index.set(record.id, this.state.finished.length);
      this.state.finished.push(record);
    } else if ((record.revision ?? 0) > (this.state.finished[i]?.revision ?? 0))
      this.state.finished[i] = record;
    this.noteStart(record.route, record.startedAt);
    return notePatrol(this.site, this.protectedMap, this.state, record);
  }

  private noteStart(route: string, at: number): void {
    const starts = this.state.starts[route] ?? [];
    let seen = this.startSets.get(route);
    if (seen?.of !== starts) {
      seen = { of: starts, set: new Set(starts) };
      this.startSets.set(route, seen);
    }
    if (!seen.set.has(at)) {
      starts.push(at);
      seen.set.add(at);
    }
    this.state.starts[route] = starts;
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
    if (this.state.openCursor !== null) this.state.openCursor += deltaMs;
    this.book.dirty = true;
  }

  /** A tour's start message; it names the published `scheduled` slot it supersedes (slot-view.ts). */
  private startEffect(tour: OpenTour, at: number): Effect {
    const effect = tourStateEffect(this.site, tour);
    const slot = this.book.openedSlotOf(this.state, tour.route, at);
    if (slot === null || effect.type !== 'publish') return effect;
    return { ...effect, payload: { ...openTourView(this.site, tour), slot: iso(slot) } };
  }

  private observe(t: number): void {
    if (this.state.clock === null || t > this.state.clock) this.state.clock = t;
    if (this.state.since === null) this.state.since = t;
    if (this.state.cursor === null) {
      this.state.cursor = t;
      this.book.dirty = true;
    }
  }

  private maxMs(route: RouteConfig): number {
    return this.maxDurationMs.get(route.id) ?? parseDuration(route.maxDuration);
  }

  private idTaken(id: string, taken: Set<string>): boolean {
    return taken.has(id) || this.state.open.some((t) => t.id === id) || this.finishedIndex().has(id);
  }

  /**
   * Finished tours by id: a long offline upload finishes thousands of tours
   * between two prunes, and a linear search per record made it quadratic.
   * `finished` is only pushed to or replaced whole, so the array's identity
   * says when the index must be rebuilt.
   */
  private finishedIndex(): Map<string, number> {
    if (this.finishedOf !== this.state.finished) {
      this.finishedAt = new Map(this.state.finished.map((r, i) => [r.id, i]));
      this.finishedOf = this.state.finished;
    }
    return this.finishedAt;
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
