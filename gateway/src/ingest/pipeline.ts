/**
 * The data path, top to bottom: a decoded DeviceMessage (from any transport)
 * → normalise against the site → dedupe → journal → engines → side effects.
 *
 * Group commit: inputs arriving in the same turn of the event loop are
 * journaled in one SQLite transaction together with every record the engines
 * derive from them; only after COMMIT do the callers' promises resolve (that
 * is when aedes sends the PUBACK) and do the side effects go out. A failed
 * commit acknowledges nothing and rebuilds the engines from the journal, so
 * their state never runs ahead of what is durable.
 *
 * Two lanes (lanes.ts): each turn commits and fans out the priority inputs
 * (panics, operator inputs) in their own transaction before a bounded slice
 * of bulk, then yields, so sockets carrying panics are read between slices.
 * Per-device limits (limits.ts) refuse a flood before it is queued; the
 * journal's reserve (room.ts) keeps its last bytes for alarms.
 */
import type { Logger } from 'pino';
import type { Site } from '../config/site.js';
import type { EngineRunner, OutboundEffect } from '../engines/runner.js';
import type { Journal } from '../journal/journal.js';
import type { JournalBody, JournalEntry, OpInput } from '../journal/types.js';
import { type GatewayMetrics, reasonLabel } from '../metrics.js';
import type { DeviceEvent, DeviceMessage, Reject, Transport } from '../model/event.js';
import type { IngestPort, IngestResult, MessageOrigin, OutboundSink } from '../ports.js';
import { topics } from '../topics.js';
import { SeqDedupe } from './dedupe.js';
import { DEFAULT_TURN, type Lane, Lanes, laneOf, type TurnLimits } from './lanes.js';
import { type DeviceLimits, ReportThrottle } from './limits.js';
import { normalise } from './normalise.js';
import { expandRecords, RECORD_DEDUPE_MS, recordRejects } from './records.js';
import type { JournalRoom } from './room.js';

/** A bulk input refused because the journal is in its reserve: not acknowledged, the device resends. */
export class RefusedError extends Error {
  readonly refused = true;
}

/** How long one bulk slice may run before the rest waits for the next turn. */
const BULK_BUDGET_MS = 20;

export interface PipelineDeps {
  site: Site;
  journal: Journal;
  runner: EngineRunner;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Where everything a commit causes goes (runtime/outbound.ts), and where rejects are published. */
  out: OutboundSink;
  now?: () => number;
  /** Per-device rate and journal quota (none: unlimited). */
  limits?: DeviceLimits;
  /** The journal's cap and reserve (none: bulk never refused for room). */
  room?: JournalRoom;
  turn?: TurnLimits;
}

type Item =
  | {
      type: 'message';
      message: DeviceMessage;
      origin: MessageOrigin;
      resolve: (r: IngestResult) => void;
      reject: (e: Error) => void;
      /** A records message taken over several turns: its expanded taps, how far it got, its last result. */
      records?: { events: DeviceEvent[]; next: number; last: IngestResult };
    }
  | { type: 'op'; input: OpInput; resolve: (r: IngestResult) => void; reject: (e: Error) => void };

export class Pipeline implements IngestPort {
  private readonly lanes: Lanes<Item>;
  private readonly reports = new ReportThrottle();
  private scheduled = false;
  private readonly dedupe = new SeqDedupe();
  /** Offline wand records: (device, seq) kept longer, a wand may upload its memory again (records.ts). */
  private readonly recordDedupe = new SeqDedupe(RECORD_DEDUPE_MS);
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? Date.now;
    this.lanes = new Lanes<Item>(deps.turn ?? DEFAULT_TURN);
  }

  /** Rebuild the per-device journal quotas from the last day of the journal (see docs/operators.md). */
  warmUpQuotas(): void {
    const limits = this.deps.limits;
    if (!limits) return;
    for (const r of this.deps.journal.eventBytesByDeviceSince(this.now() - 86_400_000)) {
      if (typeof r.device === 'string') limits.journaled(r.device, r.bytes, r.hour * 3_600_000);
    }
  }

  /** Rebuild the dedupe windows: the last 10 minutes of the journal, and its offline wand taps of the records window. */
  warmUp(): void {
    // A wand that uploads its memory again after a restart must not journal its taps twice.
    for (const r of this.deps.journal.offlineTapKeysSince(this.now() - RECORD_DEDUPE_MS)) {
      this.recordDedupe.add(SeqDedupe.key(r.device, r.seq), r.rx);
    }
    const from = this.deps.journal.firstSeqSince(this.now() - 10 * 60_000);
    if (from === null) return;
    for (const entry of this.deps.journal.iterateAfter(from - 1)) {
      if (entry.body.type === 'event' && entry.body.event.seq !== null) {
        this.dedupe.add(
          SeqDedupe.key(entry.body.event.device, entry.body.event.seq),
          entry.body.event.receivedAt,
        );
      }
    }
  }

  accept(message: DeviceMessage, origin: MessageOrigin): Promise<IngestResult> {
    const limits = this.deps.limits;
    if (limits) {
      // unknown devices share one bucket (normalise rejects them anyway): the maps stay bounded
      const key = this.deps.site.devices.has(message.device) ? message.device : '?';
      const verdict = limits.check(key, message.kind === 'panic', this.now());
      if (!verdict.ok) {
        this.report(origin.topic, message.device, verdict.reason, origin.transport);
        return Promise.resolve({ status: 'rejected', reason: verdict.reason });
      }
    }
    return new Promise((resolve, reject) =>
      this.enqueue({ type: 'message', message, origin, resolve, reject }),
    );
  }

  operate(input: OpInput): Promise<void> {
    const verdict = this.deps.limits?.checkAccount(input.by, this.now());
    if (verdict && !verdict.ok) {
      // refused with its reason (acknowledged: the client is not disconnected for it)
      this.report(opTopic(input), input.by, verdict.reason, 'mqtt');
      return Promise.resolve();
    }
    return new Promise((resolve, reject) =>
      this.enqueue({ type: 'op', input, resolve: () => resolve(), reject }),
    );
  }

  reject(topic: string, device: string | null, reason: string, transport: Transport): void {
    const r: Reject = { topic, device, reason, at: this.now(), transport };
    this.deps.metrics.rejects.inc({ reason: reasonLabel(reason) });
    this.deps.logger.warn({ topic, device, reason, transport }, 'input rejected');
    void this.deps.out.publish(topics.rejects, { topic, device, reason, at: new Date(r.at).toISOString() });
  }

  /**
   * A limit's reject: counted every time, but logged and published at most
   * once a second per device and reason, with `repeats` (extension) telling
   * how many were folded into it.
   */
  private report(topic: string, device: string, reason: string, transport: Transport): void {
    const label = reasonLabel(reason);
    this.deps.metrics.rejects.inc({ reason: label });
    const now = this.now();
    const repeats = this.reports.report(`${device}\u0000${label}`, now);
    if (repeats === null) return;
    this.deps.logger.warn({ topic, device, reason, transport, repeats }, 'input rejected');
    void this.deps.out.publish(topics.rejects, {
      topic,
      device,
      reason,
      at: new Date(now).toISOString(),
      repeats,
    });
  }

  /** Inputs waiting per lane, and the journal's room (for /healthz). */
  health(): Record<string, unknown> {
    return { waiting: this.lanes.waiting, room: this.deps.room?.health() ?? null };
  }

  /** Arm the engines' timers; called once after start-up replay. */
  startTimers(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // every slice takes at least one input: this ends
    while (this.lanes.size > 0) this.flush();
  }

  private enqueue(item: Item): void {
    const lane = laneOf(item.type === 'op' ? item : { type: 'message', kind: item.message.kind });
    this.lanes.push(item, lane);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * One turn: the priority inputs in their own group commit, committed and
   * fanned out first; then one bounded slice of bulk; what is left waits for
   * the next turn (after the event loop has read the sockets again).
   */
  flush(): void {
    this.scheduled = false;
    const priority = this.lanes.takePriority();
    if (priority.length > 0) this.commit(priority, 'priority');
    const bulk = this.lanes.takeBulk();
    if (bulk.length > 0) this.lanes.returnBulk(this.commit(bulk, 'bulk'));
    if (this.lanes.size > 0) this.scheduleFlush();
  }

  /** One group commit of one lane's inputs; returns the bulk inputs it left for the next turn. */
  private commit(items: Item[], lane: Lane, retried = false): Item[] {
    const now = this.now();
    const started = performance.now();
    let taken = items.length;
    const refused = new Set<Item>();
    const results: (IngestResult | null)[] = new Array(items.length).fill(null);
    const rejects: { item: Item; reason: string }[] = [];
    const appended: JournalEntry[] = [];
    const effects: OutboundEffect[] = [];
    const newKeys: [string, number][] = [];
    const batchKeys = new Set<string>();
    const batchRecordKeys = new Set<string>();
    const newRecordKeys: [string, number][] = [];
    const quota: [string, number][] = [];
    const append = (body: JournalBody, at: number): JournalEntry => {
      const e = this.deps.journal.append(body, at, now);
      appended.push(e);
      return e;
    };
    try {
      this.deps.journal.transaction(() => {
        items.forEach((item, i) => {
          if (i >= taken) return;
          if (lane === 'bulk') {
            if (i > 0 && performance.now() - started > BULK_BUDGET_MS) {
              taken = i; // the rest waits for the next turn
              return;
            }
            if (this.deps.room && !this.deps.room.bulkAllowed()) {
              refused.add(item);
              return;
            }
          }
          if (item.type === 'op') {
            const entry = append({ type: 'op', input: item.input, at: now }, now);
            effects.push(...this.deps.runner.handle(entry, now, append));
            results[i] = { status: 'accepted', seq: entry.seq };
            return;
          }
          const ingestEvent = (event: DeviceEvent, dedupe: SeqDedupe): IngestResult => {
            if (event.seq !== null) {
              const key = SeqDedupe.key(event.device, event.seq);
              const keys = dedupe === this.dedupe ? batchKeys : batchRecordKeys;
              if (keys.has(key) || dedupe.has(key, now)) return { status: 'duplicate' };
              keys.add(key);
              (dedupe === this.dedupe ? newKeys : newRecordKeys).push([key, now]);
            }
            this.deps.runner.annotate(event, now);
            const entry = append({ type: 'event', event }, event.at);
            quota.push([event.device, this.deps.journal.lastAppendChars]);
            effects.push(...this.deps.runner.handle(entry, now, append));
            return { status: 'accepted', seq: entry.seq };
          };
          if (item.message.kind === 'records') {
            // an offline wand's batch: one input (records.ts). Its taps are journaled a budget's
            // worth per turn, so a panic is not held behind 1,000 of them; the message is
            // acknowledged once its last tap is committed.
            if (!item.records) {
              const expanded = expandRecords(item.message, item.origin, this.deps.site, now);
              if (!expanded.ok) {
                rejects.push({ item, reason: expanded.reason });
                results[i] = { status: 'rejected', reason: expanded.reason };
                return;
              }
              for (const bad of recordRejects(expanded.value.invalid)) rejects.push({ item, reason: bad });
              item.records = { events: expanded.value.events, next: 0, last: { status: 'duplicate' } };
            }
            const rec = item.records;
            const first = rec.next;
            while (rec.next < rec.events.length) {
              if (rec.next > first && performance.now() - started > BULK_BUDGET_MS) {
                taken = i; // the rest of this message, and what follows it, waits for the next turn
                return;
              }
              const r = ingestEvent(rec.events[rec.next] as DeviceEvent, this.recordDedupe);
              rec.next++;
              if (r.status === 'accepted') rec.last = r;
            }
            results[i] = rec.last;
            return;
          }
          const norm = normalise(item.message, item.origin, this.deps.site, now);
          if (!norm.ok) {
            rejects.push({ item, reason: norm.reason });
            results[i] = { status: 'rejected', reason: norm.reason };
            return;
          }
          results[i] = ingestEvent(norm.value, this.dedupe);
        });
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.deps.logger.error(
        { err: error, batch: items.length, lane },
        'journal commit failed; nothing acknowledged',
      );
      this.rebuildAfterFailure();
      // A full disk: the room's ballast is freed for alarms, and this batch of them tried once more.
      if (lane === 'priority' && !retried && this.deps.room?.onFull(error)) {
        return this.commit(items, lane, true);
      }
      for (const item of items) item.reject(error);
      return [];
    }
    for (const [key, at] of newKeys) this.dedupe.add(key, at);
    this.dedupe.expire(now);
    for (const [key, at] of newRecordKeys) this.recordDedupe.add(key, at);
    this.recordDedupe.expire(now);
    for (const [device, chars] of quota) this.deps.limits?.journaled(device, chars, now);
    if (refused.size > 0) {
      this.deps.metrics.rejects.inc({ reason: 'journal reserve' }, refused.size);
      const error = new RefusedError(
        `journal ${this.deps.room?.state ?? 'full'}: bulk inputs refused until there is room`,
      );
      for (const item of refused) item.reject(error);
    }
    items.forEach((item, i) => {
      if (i >= taken || refused.has(item)) return;
      const r = results[i] ?? { status: 'duplicate' };
      if (r.status === 'duplicate') this.deps.metrics.duplicates.inc();
      item.resolve(r);
    });
    for (const { item, reason } of rejects) {
      if (item.type === 'message') {
        this.reject(item.origin.topic, item.message.device, reason, item.origin.transport);
      }
    }
    this.afterCommit(appended, effects);
    return items.slice(taken);
  }

  /** Fan-out of a commit (the engines' effects, then the events' republish), then re-arm the timer. */
  private afterCommit(appended: JournalEntry[], effects: OutboundEffect[]): void {
    this.deps.out.committed(appended, effects);
    this.schedule();
  }

  /** Fire the engines' due timers in their own transaction. */
  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = this.now();
    const appended: JournalEntry[] = [];
    let effects: OutboundEffect[] = [];
    try {
      this.deps.journal.transaction(() => {
        effects = this.deps.runner.tick(now, (body, at) => {
          const e = this.deps.journal.append(body, at, now);
          appended.push(e);
          return e;
        });
      });
    } catch (err) {
      this.deps.logger.error({ err }, 'journal commit failed on a timer; retrying shortly');
      this.rebuildAfterFailure();
      // timers write alert changes: on a full disk the ballast is freed for them, retried at once
      this.timer = setTimeout(() => this.tick(), this.deps.room?.onFull(err) ? 0 : 1000);
      return;
    }
    this.afterCommit(appended, effects);
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = this.deps.runner.nextWakeAt();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Wake at the next deadline, and at least every 10 s (clock jumps, scheduled roll calls).
    const delay = next === null ? 10_000 : Math.max(0, Math.min(10_000, next - this.now()));
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private rebuildAfterFailure(): void {
    try {
      this.deps.runner.restore(this.deps.journal);
    } catch (err) {
      this.deps.logger.error({ err }, 'engine rebuild after a failed commit failed');
    }
  }
}

/** The topic an operator / console input came on, for its reject report. */
function opTopic(input: OpInput): string {
  switch (input.op) {
    case 'ack':
    case 'resolve':
    case 'view':
    case 'take':
    case 'checklist':
      return topics.unitInput(input.unit, input.op);
    default:
      return `${topics.opsPrefix}${input.op}`;
  }
}
