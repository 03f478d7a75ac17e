/**
 * The alert engine (protocol.md §1.3, docs/alerts.md): raises alerts from
 * panic presses, tamper heartbeats, operators and other engines; sends each
 * state change to every target unit (and, once escalated, to the zone and the
 * accounts told); takes acknowledgements, resolutions and the alarm-handling
 * inputs (view, take, checklist, drills); walks each zone's escalation ladder;
 * closes restored troubles and groups storms.
 *
 * Every state change is one `alert` journal record carrying the whole alert,
 * its dedupe key, targets, next escalation deadline and the action that made
 * it (the audit trail). The engine applies its own records idempotently, and
 * at replay it rebuilds from those records (plus the state-only inputs:
 * drill windows, button presses, roll-call results), so the rebuilt state
 * equals the live one and a level that was recorded never fires twice.
 */
import type { Site } from '../../config/site.js';
import type { JournalEntry, OpInput } from '../../journal/types.js';
import type { AlertPayload, AlertRequest, AlertState, AuditEntry } from '../../model/alert.js';
import type { DeviceEvent } from '../../model/event.js';
import { topics } from '../../topics.js';
import { clockStepOf } from '../clock-step.js';
import type { AlertRaiser, Effect, Engine } from '../engine.js';
import { type AlertPolicy, alertPolicy } from './config.js';
import { DrillBook } from './drills.js';
import { notifiedAccounts, Presence } from './ladder.js';
import { type Decoration, decorate, joinTexts } from './messages.js';
import { clone, refused } from './payload.js';
import { Raiser } from './raise.js';
import { clearNoticeDevice, restoreDevice } from './restore.js';
import { isAdmin } from './rules.js';
import { AlertStore, type StoredAlert } from './store.js';
import { StormWindow } from './storm.js';
import { audit, mayAct, sinceRaise, workflow } from './workflow.js';

export interface AlertEngineOptions {
  /** How long resolved alerts stay queryable in memory (default 24 h). */
  resolvedRetentionMs?: number;
  /** At most this many resolved alerts are kept in memory (default 5000). */
  maxResolved?: number;
}

/** `state`: 'open' (default: not resolved), 'all', or one AlertState. `unit`: alerts targeting that unit. */
export interface AlertFilter {
  state?: 'open' | 'all' | AlertState | (string & {});
  unit?: string;
  zone?: string;
  kind?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** What the engine's parts share: the state, and one way to change an alert. */
export interface EngineCore {
  site: Site;
  policy: AlertPolicy;
  store: AlertStore;
  storm: StormWindow;
  drills: DrillBook;
  presence: Presence;
  /** Apply a change and return its record and publishes. */
  commit(a: StoredAlert, action: AuditEntry): Effect[];
  /** A state change with its text decorated again; escalation stops on acknowledged/resolved. */
  transition(
    a: StoredAlert,
    now: number,
    d: Exclude<Decoration, { state: 'raised' }> | null,
    changes: Partial<AlertPayload>,
    action: AuditEntry,
  ): Effect[];
}

export class AlertEngine implements Engine, AlertRaiser, EngineCore {
  readonly name = 'alerts';
  readonly store: AlertStore;
  readonly policy: AlertPolicy;
  readonly storm: StormWindow;
  readonly drills = new DrillBook();
  readonly presence = new Presence();
  private readonly raiser: Raiser;

  constructor(
    readonly site: Site,
    opts: AlertEngineOptions = {},
  ) {
    this.store = new AlertStore(opts.resolvedRetentionMs ?? 24 * 3_600_000, opts.maxResolved ?? 5000);
    this.policy = alertPolicy(site);
    this.storm = new StormWindow(this.policy.storm);
    this.raiser = new Raiser(this);
  }

  handle(entry: JournalEntry, now: number, replay: boolean): Effect[] {
    this.store.seen(entry.seq);
    const body = entry.body;
    if (body.type === 'alert') {
      this.store.applyRecord(body);
      if (replay) this.raiser.replayed(body);
      return [];
    }
    if (body.type === 'rollcall-result') {
      this.presence.note(body.result);
      return [];
    }
    const step = clockStepOf(entry);
    if (step !== null) {
      // engine time jumps by the step: deadlines and windows stay where they were in elapsed time
      this.store.shiftDeadlines(step);
      this.storm.shift(step);
      this.drills.shift(step);
      return [];
    }
    // buttons never pressed count from the first input (the same entry live and at replay)
    if (this.drills.since === null) this.drills.start(replay ? entry.at : now);
    this.store.prune(now);
    // state-only inputs, live and at replay: drill windows and button presses
    if (body.type === 'event' && body.event.kind === 'panic' && body.event.state === 'pressed')
      this.drills.press(body.event.device, body.event.receivedAt);
    if (body.type === 'op' && (body.input.op === 'drill' || body.input.op === 'test'))
      this.openWindow(body.input, now);
    // At replay the records that these inputs caused follow in the journal.
    if (replay) return [];
    if (body.type === 'event') return this.onEvent(body.event, now);
    if (body.type === 'op') return this.onOp(body.input, entry.seq, now);
    return [];
  }

  raise(request: AlertRequest, now: number): Effect[] {
    return this.raiser.raise(request, now);
  }

  tick(now: number): Effect[] {
    this.store.prune(now);
    const out: Effect[] = [];
    for (const a of [...this.store.open()]) {
      if (a.escalateAt === null || a.escalateAt > now) continue;
      if (a.payload.state !== 'raised' && a.payload.state !== 'escalated') continue;
      out.push(...this.raiser.nextLevel(a, now));
    }
    out.push(...this.raiser.reminders(now));
    return out;
  }

  nextWakeAt(): number | null {
    // button-test reminders are months away: the runtime's periodic wake (≤ 10 s) is enough for them
    let next: number | null = null;
    for (const a of this.store.open()) {
      if (a.escalateAt === null || (a.payload.state !== 'raised' && a.payload.state !== 'escalated'))
        continue;
      if (next === null || a.escalateAt < next) next = a.escalateAt;
    }
    return next;
  }

  snapshot(): unknown {
    return {
      ...this.store.snapshot(),
      storm: this.storm.snapshot(),
      drills: this.drills.snapshot(),
      presence: this.presence.snapshot(),
    };
  }

  restore(snapshot: unknown): void {
    this.store.restore(snapshot);
    const s = snapshot as Record<string, unknown>;
    this.storm.restore(s.storm);
    this.drills.restore(s.drills);
    this.presence.restore(s.presence);
  }

  /** Alerts matching the filter, newest first. */
  list(filter: AlertFilter = {}): AlertPayload[] {
    const state = filter.state ?? 'open';
    const out: AlertPayload[] = [];
    for (const a of this.store.all()) {
      const p = a.payload;
      if (state === 'open' ? p.state === 'resolved' : state !== 'all' && p.state !== state) continue;
      if (filter.unit !== undefined && !a.targets.includes(filter.unit)) continue;
      if (filter.zone !== undefined && p.zone !== filter.zone) continue;
      if (filter.kind !== undefined && p.kind !== filter.kind) continue;
      out.push(clone(p));
    }
    return out.reverse();
  }

  get(id: string): AlertPayload | undefined {
    const a = this.store.get(id);
    return a ? clone(a.payload) : undefined;
  }

  /** One alert with its audit trail (GET /api/alerts/{id}); `unit`: only when it targets that unit. */
  detail(id: string, unit?: string): (AlertPayload & { audit: AuditEntry[] }) | null {
    const a = this.store.get(id);
    if (!a || (unit !== undefined && !a.targets.includes(unit))) return null;
    return { ...clone(a.payload), audit: (a.audit ?? []).map((e) => ({ ...e })) };
  }

  // ---- inputs ----

  private onEvent(ev: DeviceEvent, now: number): Effect[] {
    const out: Effect[] = [];
    if (ev.kind === 'panic' && ev.state === 'pressed') {
      out.push(...clearNoticeDevice(this, `buttontest:${ev.unit}`, ev.device, now));
      out.push(...this.raiser.panic(ev, now));
      return out;
    }
    if (ev.kind === 'status' && ev.status === 'offline') return out;
    // any other sign of life restores the device's offline trouble and its commissioning notice
    out.push(...restoreDevice(this, 'device_offline', `offline:${ev.device}`, ev.device, now));
    out.push(...clearNoticeDevice(this, `commissioning:${ev.unit}`, ev.device, now));
    if (ev.kind === 'heartbeat' && ev.tamper === false)
      out.push(...restoreDevice(this, 'tamper', `tamper:${ev.device}`, ev.device, now));
    if (ev.kind === 'heartbeat' && ev.tamper === true) out.push(...this.raiser.tamper(ev, now));
    return out;
  }

  private onOp(input: OpInput, seq: number, now: number): Effect[] {
    switch (input.op) {
      case 'ack':
        return this.ack(input, now);
      case 'resolve':
        return this.resolve(input, now);
      case 'view':
      case 'take':
      case 'checklist': {
        const a = this.store.get(input.id);
        if (!a) return [refused(input.op, input.by, `unknown alert ${input.id}`, { id: input.id })];
        const v = workflow(this.site, a, input, now);
        if (v === null) return [];
        if (!v.ok)
          return [refused(input.op, input.by, v.reason, { id: input.id, unit: input.unit }, v.level)];
        return this.commit({ ...a, payload: { ...a.payload, ...v.changes, updatedAt: iso(now) } }, v.action);
      }
      case 'alert':
        return this.raiser.custom(input, seq, now);
      case 'drill':
        return this.raiser.drill(input, seq, now);
      case 'test':
        return [
          {
            type: 'log',
            level: 'info',
            msg: `panic-button test window at ${input.unit} opened by ${input.by}`,
            data: { unit: input.unit, by: input.by, windowMs: input.windowMs },
          },
        ];
      default:
        return [];
    }
  }

  /** Drill and test windows, capped at gateway.alerts.maxDrill. */
  private openWindow(input: Extract<OpInput, { op: 'drill' | 'test' }>, now: number): void {
    const ms = Math.min(input.op === 'drill' ? input.durationMs : input.windowMs, this.policy.maxDrillMs);
    this.drills.open(input.unit, {
      mode: input.op,
      kind: input.op === 'drill' ? input.kind : 'panic',
      until: now + ms,
      notify: input.op === 'drill' ? [...input.notify] : [],
      by: input.by,
    });
  }

  private ack(input: Extract<OpInput, { op: 'ack' }>, now: number): Effect[] {
    const a = this.store.get(input.id);
    const ctx = { id: input.id, unit: input.unit };
    if (!a) return [refused('ack', input.by, `unknown alert ${input.id}`, ctx)];
    const p = a.payload;
    if (p.state === 'resolved') return [refused('ack', input.by, `alert ${p.id} is already resolved`, ctx)];
    if (p.state === 'acknowledged') {
      return [refused('ack', input.by, `alert ${p.id} was already acknowledged by ${p.ackBy}`, ctx, 'info')];
    }
    if (!isAdmin(this.site, input.by)) {
      const denied = mayAct(this.site, a, input);
      if (denied) return [refused('ack', input.by, denied, ctx)];
    }
    const ackMs = sinceRaise(a, now);
    return this.transition(
      a,
      now,
      { state: 'acknowledged', by: input.by, ackMs },
      { ackBy: input.by, ackAt: iso(now), ackMs },
      audit(input, 'ack', now),
    );
  }

  private resolve(input: Extract<OpInput, { op: 'resolve' }>, now: number): Effect[] {
    const a = this.store.get(input.id);
    const ctx = { id: input.id, unit: input.unit };
    if (!a) return [refused('resolve', input.by, `unknown alert ${input.id}`, ctx)];
    const p = a.payload;
    if (p.state === 'resolved') {
      return [
        refused('resolve', input.by, `alert ${p.id} was already resolved by ${p.resolvedBy}`, ctx, 'info'),
      ];
    }
    const admin = input.admin || isAdmin(this.site, input.by);
    if (!admin) {
      if (input.unit !== p.unit) {
        return [
          refused('resolve', input.by, `only the origin unit ${p.unit} or an admin may resolve ${p.id}`, ctx),
        ];
      }
      const denied = mayAct(this.site, a, input);
      if (denied) return [refused('resolve', input.by, denied, ctx)];
    }
    // a drill's or test's alert is classified as such unless the resolver says otherwise
    const classification = input.classification ?? p.mode ?? null;
    if (classification === null && this.policy.requireClassification)
      return [refused('resolve', input.by, 'classification required: real, false, test or drill', ctx)];
    return this.transition(
      a,
      now,
      { state: 'resolved', by: input.by },
      { resolvedBy: input.by, resolveMs: sinceRaise(a, now), classification, note: input.note ?? null },
      audit(input, 'resolve', now, { classification }),
    );
  }

  // ---- state changes ----

  transition(
    a: StoredAlert,
    now: number,
    d: Exclude<Decoration, { state: 'raised' }> | null,
    changes: Partial<AlertPayload>,
    action: AuditEntry,
  ): Effect[] {
    const t = d ? decorate(this.site, a.base, d) : null;
    const state = d?.state ?? a.payload.state;
    const payload: AlertPayload = {
      ...a.payload,
      ...changes,
      state,
      updatedAt: iso(now),
      ...(t ? { message: joinTexts(t), messageZh: t.zh, messageEn: t.en } : {}),
    };
    const stops = state === 'acknowledged' || state === 'resolved';
    return this.commit({ ...a, payload, escalateAt: stops ? null : a.escalateAt }, action);
  }

  commit(a: StoredAlert, action: AuditEntry): Effect[] {
    this.store.set(a);
    // the wire copy is shared by every publish of this change, never by the store
    const p = clone(a.payload);
    const effects: Effect[] = [
      {
        type: 'record',
        body: {
          type: 'alert',
          alert: clone(p),
          key: a.key,
          targets: [...a.targets],
          escalateAt: a.escalateAt,
          action,
        },
      },
    ];
    for (const u of a.targets)
      effects.push({ type: 'publish', topic: topics.unitAlert(u), payload: p, qos: 1 });
    // the zone topic (police wall) once escalated: in ladder form once an account was told; a drill
    // or test only when its notify names the police
    const accounts = notifiedAccounts(p.notified);
    const outside = p.mode === undefined || (p.drillNotify ?? []).includes('police');
    if (p.escalated && outside && (accounts.length > 0 || this.policy.ladder(p.zone).v1))
      effects.push({ type: 'publish', topic: topics.zoneAlert(p.zone), payload: p, qos: 1 });
    for (const account of accounts)
      effects.push({ type: 'publish', topic: topics.operatorAlert(account), payload: p, qos: 1 });
    return effects;
  }
}
