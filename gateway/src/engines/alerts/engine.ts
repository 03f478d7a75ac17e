/**
 * The alert engine (protocol.md §1.3, docs/alerts.md): raises alerts from
 * panic presses, tamper heartbeats, operators and other engines; sends each
 * state change to every target unit (and, once escalated, to the zone and its
 * escalation accounts); takes acknowledgements and resolutions; escalates
 * unacknowledged critical alerts.
 *
 * Every state change is one `alert` journal record carrying the whole alert,
 * its dedupe key, targets and escalation deadline. The engine applies its own
 * records idempotently, and at replay it rebuilds from those records alone
 * (events and ops are skipped), so the rebuilt state equals the live one and
 * an escalation that was recorded never fires twice.
 */
import type { Site } from '../../config/site.js';
import type { JournalEntry, OpInput } from '../../journal/types.js';
import type { AlertPayload, AlertRequest, AlertState } from '../../model/alert.js';
import type { DeviceEvent } from '../../model/event.js';
import { topics } from '../../topics.js';
import { clockStepOf } from '../clock-step.js';
import type { AlertRaiser, Effect, Engine } from '../engine.js';
import {
  customText,
  type Decoration,
  decorate,
  joinTexts,
  panicText,
  type Texts,
  tamperText,
} from './messages.js';
import { consoleUnitMismatch, escalates, isAdmin, targetsOf } from './rules.js';
import { AlertStore, type StoredAlert } from './store.js';

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

export class AlertEngine implements Engine, AlertRaiser {
  readonly name = 'alerts';
  private readonly store: AlertStore;

  constructor(
    private readonly site: Site,
    opts: AlertEngineOptions = {},
  ) {
    this.store = new AlertStore(opts.resolvedRetentionMs ?? 24 * 3_600_000, opts.maxResolved ?? 5000);
  }

  handle(entry: JournalEntry, now: number, replay: boolean): Effect[] {
    this.store.seen(entry.seq);
    const body = entry.body;
    if (body.type === 'alert') {
      this.store.applyRecord(body);
      return [];
    }
    const step = clockStepOf(entry);
    if (step !== null) {
      // engine time jumps by the step: escalation stays ackTimeout after the raise in elapsed time
      this.store.shiftDeadlines(step);
      return [];
    }
    this.store.prune(now);
    // At replay the records that these inputs caused follow in the journal.
    if (replay) return [];
    if (body.type === 'event') return this.onEvent(body.event, now);
    if (body.type === 'op') return this.onOp(body.input, entry.seq, now);
    return [];
  }

  raise(request: AlertRequest, now: number): Effect[] {
    if (this.store.openWithKey(request.key)) return [];
    const zone = this.site.zones.get(request.zone) ?? this.site.zoneOfUnit(request.unit);
    const zoneId = zone?.id ?? request.zone;
    const id = this.store.nextId();
    const targets = targetsOf(this.site, request);
    const base: Texts = { zh: request.messageZh, en: request.messageEn };
    const payload: AlertPayload = {
      id,
      kind: request.kind,
      state: 'raised',
      severity: request.severity,
      zone: zoneId,
      unit: request.unit,
      device: request.device ?? null,
      checkpoint: request.checkpoint ?? null,
      guard: request.guard ?? null,
      route: request.route ?? null,
      raisedAt: iso(now),
      updatedAt: iso(now),
      ackBy: null,
      message: joinTexts(base),
      messageZh: base.zh,
      messageEn: base.en,
      ackAt: null,
      ackMs: null,
      resolvedBy: null,
      escalated: false,
      targets,
      ...(request.details ? { details: [...request.details] } : {}),
      ...(request.call !== undefined ? { call: request.call } : {}),
    };
    const escalateAt = escalates(request.kind, request.severity)
      ? now + this.site.ackTimeoutMs(zoneId)
      : null;
    return this.commit({ payload, key: request.key, targets, escalateAt, base });
  }

  tick(now: number): Effect[] {
    this.store.prune(now);
    const due = [...this.store.open()].filter(
      (a) => a.payload.state === 'raised' && a.escalateAt !== null && a.escalateAt <= now,
    );
    const out: Effect[] = [];
    for (const a of due) {
      const accounts = this.site.zones.get(a.payload.zone)?.escalation ?? [];
      const timeoutMs = this.site.ackTimeoutMs(a.payload.zone);
      out.push(...this.transition(a, now, { state: 'escalated', timeoutMs, accounts }, { escalated: true }));
    }
    return out;
  }

  nextWakeAt(): number | null {
    let next: number | null = null;
    for (const a of this.store.open()) {
      if (a.payload.state !== 'raised' || a.escalateAt === null) continue;
      if (next === null || a.escalateAt < next) next = a.escalateAt;
    }
    return next;
  }

  snapshot(): unknown {
    return this.store.snapshot();
  }

  restore(snapshot: unknown): void {
    this.store.restore(snapshot);
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

  // ---- inputs ----

  private onEvent(ev: DeviceEvent, now: number): Effect[] {
    if (ev.kind === 'panic' && ev.state === 'pressed') {
      const t = panicText(this.site, ev.unit);
      return this.raise(
        {
          kind: 'panic',
          severity: 'critical',
          zone: ev.zone,
          unit: ev.unit,
          device: ev.device,
          key: `panic:${ev.device}`,
          messageZh: t.zh,
          messageEn: t.en,
        },
        now,
      );
    }
    if (ev.kind === 'heartbeat' && ev.tamper === true) {
      const t = tamperText(this.site, ev.unit, ev.device);
      return this.raise(
        {
          kind: 'tamper',
          severity: 'warning',
          zone: ev.zone,
          unit: ev.unit,
          device: ev.device,
          key: `tamper:${ev.device}`,
          messageZh: t.zh,
          messageEn: t.en,
        },
        now,
      );
    }
    return [];
  }

  private onOp(input: OpInput, seq: number, now: number): Effect[] {
    switch (input.op) {
      case 'ack':
        return this.ack(input, now);
      case 'resolve':
        return this.resolve(input, now);
      case 'alert': {
        const unit = this.site.units.get(input.unit);
        if (!unit) return [refused('alert', input.by, `unknown unit ${input.unit}`, { unit: input.unit })];
        const t = customText(this.site, unit.id, input.message, input.by);
        return this.raise(
          {
            kind: 'custom',
            severity: input.severity,
            zone: unit.zone,
            unit: unit.id,
            key: `custom:${seq}`,
            messageZh: t.zh,
            messageEn: t.en,
          },
          now,
        );
      }
      default:
        return [];
    }
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
    const admin = isAdmin(this.site, input.by);
    if (!admin) {
      if (!a.targets.includes(input.unit)) {
        return [refused('ack', input.by, `unit ${input.unit} is not a target of alert ${p.id}`, ctx)];
      }
      if (consoleUnitMismatch(this.site, input.by, input.unit)) {
        return [refused('ack', input.by, `console ${input.by} does not belong to unit ${input.unit}`, ctx)];
      }
    }
    // elapsed time: raisedAt is in the time base of the raise, shiftMs carries the steps since
    const ackMs = Math.max(0, now - Date.parse(p.raisedAt) - (a.shiftMs ?? 0));
    return this.transition(
      a,
      now,
      { state: 'acknowledged', by: input.by, ackMs },
      { ackBy: input.by, ackAt: iso(now), ackMs },
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
      if (consoleUnitMismatch(this.site, input.by, input.unit)) {
        return [
          refused('resolve', input.by, `console ${input.by} does not belong to unit ${input.unit}`, ctx),
        ];
      }
    }
    return this.transition(a, now, { state: 'resolved', by: input.by }, { resolvedBy: input.by });
  }

  // ---- state changes ----

  private transition(
    a: StoredAlert,
    now: number,
    d: Exclude<Decoration, { state: 'raised' }>,
    changes: Partial<AlertPayload>,
  ): Effect[] {
    const t = decorate(this.site, a.base, d);
    const payload: AlertPayload = {
      ...a.payload,
      ...changes,
      state: d.state,
      updatedAt: iso(now),
      message: joinTexts(t),
      messageZh: t.zh,
      messageEn: t.en,
    };
    return this.commit({ ...a, payload, escalateAt: null });
  }

  /** Apply a change and return its record and publishes. */
  private commit(a: StoredAlert): Effect[] {
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
        },
      },
    ];
    for (const u of a.targets)
      effects.push({ type: 'publish', topic: topics.unitAlert(u), payload: p, qos: 1 });
    if (p.escalated) {
      effects.push({ type: 'publish', topic: topics.zoneAlert(p.zone), payload: p, qos: 1 });
      for (const account of this.site.zones.get(p.zone)?.escalation ?? []) {
        effects.push({ type: 'publish', topic: topics.operatorAlert(account), payload: p, qos: 1 });
      }
    }
    return effects;
  }
}

function clone(p: AlertPayload): AlertPayload {
  return {
    ...p,
    ...(p.targets ? { targets: [...p.targets] } : {}),
    ...(p.details ? { details: [...p.details] } : {}),
  };
}

function refused(
  op: string,
  by: string,
  reason: string,
  data: Record<string, unknown>,
  level: 'info' | 'warn' = 'warn',
): Effect {
  return {
    type: 'log',
    level,
    msg: `alert ${op} by ${by} refused: ${reason}`,
    data: { op, by, reason, ...data },
  };
}
