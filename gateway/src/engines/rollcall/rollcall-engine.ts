/**
 * System roll calls (docs/patrol-and-rollcall.md). Pure: operator inputs,
 * terminal answers and records in; roll-call records, terminal commands,
 * the retained result and rollcall_absent alerts out.
 *
 * A call's state comes from entries only: the op (or the scheduled start
 * record), the answers (event time decides present / late), and the result
 * records written at the deadline, so a replay rebuilds it exactly.
 */
import { parseDuration } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { JournalEntry, OpInput, RollcallStartRecord, RollcallUnitResult } from '../../journal/types.js';
import type { RollcallEvent } from '../../model/event.js';
import { topics } from '../../topics.js';
import { clockStepOf } from '../clock-step.js';
import type { Effect, Engine } from '../engine.js';
import { addDays, DAY_MS, localDay, localInstant, localStamp } from '../patrol/time.js';
import { answer, type CallState, callView, newCall, type RollcallView, unitResult } from './call.js';

export type { RollcallGuardView, RollcallUnitView, RollcallView } from './call.js';

/** `by` of scheduled calls: not a valid account id, so it cannot clash with an operator. */
export const SCHEDULE_BY = '@schedule';
const RETAIN_MS = 7 * DAY_MS;
const MAX_CALLS = 500;

export interface RollcallEngineOptions {
  /** Answers after this share of the window are late (default 0.5). */
  lateFraction?: number;
}

interface RollcallState {
  v: 1;
  calls: CallState[];
  clock: number | null;
}

type RollcallOp = Extract<OpInput, { op: 'rollcall' }>;

export class RollcallEngine implements Engine {
  readonly name = 'rollcall';
  private state: RollcallState = { v: 1, calls: [], clock: null };
  private readonly lateFraction: number;
  /** Not state: the broker keeps retained messages in memory, so a new process publishes them again once. */
  private republishPending = true;

  constructor(
    private readonly site: Site,
    options: RollcallEngineOptions = {},
  ) {
    const f = options.lateFraction ?? 0.5;
    this.lateFraction = Number.isFinite(f) && f >= 0 && f <= 1 ? f : 0.5;
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
      case 'op':
        return body.input.op === 'rollcall' ? this.onOp(body.input, body.at) : [];
      case 'event':
        return body.event.kind === 'rollcall' ? this.onAnswer(body.event) : [];
      case 'rollcall-start':
        this.applyStart(body.call);
        return [];
      case 'rollcall-result':
        this.applyResult(body.result);
        return [];
      default:
        return [];
    }
  }

  tick(now: number): Effect[] {
    this.observe(now);
    const effects: Effect[] = [...this.republishResults(), ...this.startScheduled(now)];
    for (const call of this.state.calls) {
      if (!call.closed && call.deadline <= now) effects.push(...this.close(call));
    }
    this.prune();
    return effects;
  }

  nextWakeAt(): number | null {
    // a tick right away to publish the retained results again
    if (this.republishPending && this.state.calls.some((c) => c.closed)) return this.state.clock ?? 0;
    let next: number | null = null;
    for (const c of this.state.calls)
      if (!c.closed && (next === null || c.deadline < next)) next = c.deadline;
    const s = this.nextScheduledStart();
    if (s !== null && (next === null || s < next)) next = s;
    return next;
  }

  snapshot(): unknown {
    return structuredClone(this.state);
  }

  restore(snapshot: unknown): void {
    if (
      typeof snapshot !== 'object' ||
      snapshot === null ||
      !('v' in snapshot) ||
      snapshot.v !== 1 ||
      !('calls' in snapshot) ||
      !Array.isArray(snapshot.calls)
    ) {
      throw new Error('not a roll-call engine snapshot (v1)');
    }
    this.state = structuredClone(snapshot) as RollcallState;
  }

  // ---- queries -------------------------------------------------------------

  get(call: string): RollcallView | null {
    const c = this.state.calls.find((x) => x.call === call);
    return c ? callView(this.site, c, this.lateFraction) : null;
  }

  /** Recent calls, newest first. */
  list(): RollcallView[] {
    return [...this.state.calls]
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((c) => callView(this.site, c, this.lateFraction));
  }

  // ---- starting ------------------------------------------------------------

  private onOp(input: RollcallOp, at: number): Effect[] {
    const units = this.scope(input.zone, input.unit);
    const label = input.unit ?? input.zone ?? 'all';
    if (units.length === 0) {
      return [
        this.log('warn', 'roll call not started: no unit in scope has a roll-call terminal', {
          scope: label,
        }),
      ];
    }
    if (input.call !== undefined && this.find(input.call)) {
      return [this.log('warn', 'roll call not started: call id already used', { call: input.call })];
    }
    const call = input.call ?? this.newId(at, label);
    return this.start({ call, startedAt: at, deadline: at + input.windowMs, units, by: input.by });
  }

  /** Scheduled calls fire at their local time and run until at + window; missed entirely if the gateway was down. */
  private startScheduled(now: number): Effect[] {
    const cfg = this.site.config.rollcall;
    if (!cfg || cfg.at.length === 0) return [];
    const windowMs = parseDuration(cfg.window);
    const effects: Effect[] = [];
    const days = [
      ...new Set([localDay(now - windowMs, this.site.timezone), localDay(now, this.site.timezone)]),
    ];
    for (const day of days) {
      for (const hhmm of cfg.at) {
        const slot = localInstant(day, hhmm, this.site.timezone);
        if (slot > now || now >= slot + windowMs) continue;
        if (this.state.calls.some((c) => c.by === SCHEDULE_BY && c.startedAt === slot)) continue;
        const zone = cfg.zone ?? null;
        const units = this.scope(zone, null);
        if (units.length === 0) continue;
        const call = this.newId(slot, zone ?? 'all');
        effects.push(
          ...this.start({ call, startedAt: slot, deadline: slot + windowMs, units, by: SCHEDULE_BY }),
        );
      }
    }
    return effects;
  }

  /**
   * The next scheduled start after the clock. The runtime asks after every
   * commit, and the time-zone arithmetic is not free: the answer stays valid
   * until the clock reaches it, so keep it until then.
   */
  private scheduledCache: { clock: number; next: number } | null = null;

  private nextScheduledStart(): number | null {
    const cfg = this.site.config.rollcall;
    const clock = this.state.clock;
    if (!cfg || cfg.at.length === 0 || clock === null) return null;
    const c = this.scheduledCache;
    if (c && clock >= c.clock && clock < c.next) return c.next;
    const next = this.computeNextScheduledStart(cfg.at, clock);
    this.scheduledCache = next === null ? null : { clock, next };
    return next;
  }

  private computeNextScheduledStart(at: readonly string[], clock: number): number | null {
    const today = localDay(clock, this.site.timezone);
    let next: number | null = null;
    for (const day of [today, addDays(today, 1), addDays(today, 2)]) {
      for (const hhmm of at) {
        const t = localInstant(day, hhmm, this.site.timezone);
        if (t > clock && (next === null || t < next)) next = t;
      }
    }
    return next;
  }

  private start(record: RollcallStartRecord): Effect[] {
    this.applyStart(record);
    const effects: Effect[] = [{ type: 'record', body: { type: 'rollcall-start', call: record } }];
    for (const unit of record.units) {
      for (const d of this.site.devicesOfUnit(unit, 'rollcall')) {
        effects.push({
          type: 'command',
          device: d.id,
          command: { kind: 'rollcall', call: record.call, deadline: record.deadline, unit },
        });
      }
    }
    effects.push(
      this.log('info', 'roll call started', {
        call: record.call,
        units: record.units,
        deadline: record.deadline,
      }),
    );
    return effects;
  }

  /**
   * Units in scope: a named unit; else the zone's (or every) units that have a
   * roll-call terminal (a unit without one could never answer).
   */
  private scope(zone: string | null, unit: string | null): string[] {
    if (unit) return this.site.units.has(unit) ? [unit] : [];
    const pool = zone ? this.site.unitsOfZone(zone) : this.site.config.units;
    return pool.filter((u) => this.site.devicesOfUnit(u.id, 'rollcall').length > 0).map((u) => u.id);
  }

  /** "RC-<local yyyyMMddHHmm>-<unit|zone|all>", suffixed when taken. */
  private newId(at: number, label: string): string {
    const base = `RC-${localStamp(at, this.site.timezone)}-${label}`;
    let id = base;
    for (let n = 2; this.find(id); n++) id = `${base}-${n}`;
    return id;
  }

  // ---- answers and results -------------------------------------------------

  private onAnswer(ev: RollcallEvent): Effect[] {
    const call = this.find(ev.call);
    const data = { call: ev.call, device: ev.device, uid: ev.uid, guard: ev.guard };
    if (!call) return [this.log('warn', 'roll-call answer for an unknown call', data)];
    if (call.closed || call.results[ev.unit])
      return [this.log('info', 'roll-call answer for a closed call', data)];
    const outcome = answer(this.site, call, ev, this.lateFraction);
    if (outcome.kind === 'ignored')
      return [this.log(outcome.level, `roll-call answer ignored: ${outcome.reason}`, data)];
    return [];
  }

  private close(call: CallState): Effect[] {
    const effects: Effect[] = [];
    for (const unit of call.units) {
      if (call.results[unit]) continue;
      const result = unitResult(this.site, call, unit);
      this.applyResult(result);
      effects.push({ type: 'record', body: { type: 'rollcall-result', result } });
      if (result.absent.length > 0) effects.push(this.absentAlert(call, result));
    }
    call.closed = true;
    effects.push(this.resultPublish(call));
    return effects;
  }

  /** Once per engine instance: the retained results of the recent closed calls (same content as before). */
  private republishResults(): Effect[] {
    if (!this.republishPending) return [];
    this.republishPending = false;
    return this.state.calls.filter((c) => c.closed).map((c) => this.resultPublish(c));
  }

  private resultPublish(call: CallState): Effect {
    return {
      type: 'publish',
      topic: topics.rollcallResult(call.call),
      payload: callView(this.site, call, this.lateFraction),
      qos: 1,
      retain: true,
    };
  }

  private absentAlert(call: CallState, r: RollcallUnitResult): Effect {
    const names = r.absent.map((id) => `${this.site.guards.get(id)?.name ?? id}(${id})`);
    const unitName = this.site.units.get(r.unit)?.name ?? r.unit;
    return {
      type: 'raise',
      request: {
        kind: 'rollcall_absent',
        severity: 'warning',
        zone: r.zone,
        unit: r.unit,
        targets: [r.unit],
        key: `rollcall_absent:${call.call}:${r.unit}`,
        messageZh: `点名缺勤：${unitName} ${names.join('、')} 未应答（点名 ${call.call}）`,
        messageEn: `Roll call ${call.call}: absent at ${unitName}: ${names.join(', ')}`,
        details: [...r.absent],
        call: call.call,
      },
    };
  }

  /** Idempotent: a call we already know is left as it is. */
  private applyStart(record: RollcallStartRecord): void {
    if (!this.find(record.call)) this.state.calls.push(newCall(record));
  }

  /** Idempotent: the first result of a unit stands; the call closes when every unit has one. */
  private applyResult(result: RollcallUnitResult): void {
    const call = this.find(result.call);
    if (!call) return;
    if (!call.results[result.unit]) call.results[result.unit] = result;
    if (call.units.every((u) => call.results[u])) call.closed = true;
  }

  // ---- helpers -------------------------------------------------------------

  private find(call: string): CallState | undefined {
    return this.state.calls.find((c) => c.call === call);
  }

  /** A clock step: open calls' deadlines and the clock move with engine time (start times stay: they name the slot). */
  private shift(deltaMs: number): void {
    for (const c of this.state.calls) if (!c.closed) c.deadline += deltaMs;
    if (this.state.clock !== null) this.state.clock += deltaMs;
    this.scheduledCache = null;
  }

  private observe(t: number): void {
    if (this.state.clock === null || t > this.state.clock) this.state.clock = t;
  }

  private prune(): void {
    const clock = this.state.clock;
    if (clock === null) return;
    const keep = this.state.calls.filter((c) => !c.closed || c.deadline >= clock - RETAIN_MS);
    this.state.calls = keep.slice(Math.max(0, keep.length - MAX_CALLS));
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, data: Record<string, unknown>): Effect {
    return { type: 'log', level, msg, data };
  }
}
