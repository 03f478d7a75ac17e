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
 */
import type { Logger } from 'pino';
import type { Site } from '../config/site.js';
import type { EngineRunner, OutboundEffect } from '../engines/runner.js';
import type { Journal } from '../journal/journal.js';
import type { JournalBody, JournalEntry, OpInput } from '../journal/types.js';
import { type GatewayMetrics, reasonLabel } from '../metrics.js';
import type { DeviceMessage, Reject, Transport } from '../model/event.js';
import { eventToWire } from '../model/wire.js';
import type { IngestPort, IngestResult, MessageOrigin } from '../runtime/context.js';
import { topics } from '../topics.js';
import { SeqDedupe } from './dedupe.js';
import { normalise } from './normalise.js';

export interface PipelineDeps {
  site: Site;
  journal: Journal;
  runner: EngineRunner;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Applies publishes and device commands (the broker / serial edges). */
  apply: (effects: readonly OutboundEffect[]) => void;
  publish: (topic: string, payload: unknown, qos: 0 | 1, retain?: boolean) => void;
  now?: () => number;
}

type Item =
  | {
      type: 'message';
      message: DeviceMessage;
      origin: MessageOrigin;
      resolve: (r: IngestResult) => void;
      reject: (e: Error) => void;
    }
  | { type: 'op'; input: OpInput; resolve: (r: IngestResult) => void; reject: (e: Error) => void };

export class Pipeline implements IngestPort {
  private queue: Item[] = [];
  private scheduled = false;
  private readonly dedupe = new SeqDedupe();
  private readonly listeners = new Set<(entries: readonly JournalEntry[]) => void>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Rebuild the dedupe window from the last 10 minutes of the journal. */
  warmUp(): void {
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
    return new Promise((resolve, reject) =>
      this.enqueue({ type: 'message', message, origin, resolve, reject }),
    );
  }

  operate(input: OpInput): Promise<void> {
    return new Promise((resolve, reject) =>
      this.enqueue({ type: 'op', input, resolve: () => resolve(), reject }),
    );
  }

  reject(topic: string, device: string | null, reason: string, transport: Transport): void {
    const r: Reject = { topic, device, reason, at: this.now(), transport };
    this.deps.metrics.rejects.inc({ reason: reasonLabel(reason) });
    this.deps.logger.warn({ topic, device, reason, transport }, 'input rejected');
    this.deps.publish(topics.rejects, { topic, device, reason, at: new Date(r.at).toISOString() }, 0);
  }

  onCommitted(listener: (entries: readonly JournalEntry[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Arm the engines' timers; called once after start-up replay. */
  startTimers(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length > 0) this.flush();
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** One group commit. */
  flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    const now = this.now();
    const results: (IngestResult | null)[] = new Array(items.length).fill(null);
    const rejects: { item: Item; reason: string }[] = [];
    const appended: JournalEntry[] = [];
    const effects: OutboundEffect[] = [];
    const newKeys: [string, number][] = [];
    const batchKeys = new Set<string>();
    const append = (body: JournalBody, at: number): JournalEntry => {
      const e = this.deps.journal.append(body, at, now);
      appended.push(e);
      return e;
    };
    try {
      this.deps.journal.transaction(() => {
        items.forEach((item, i) => {
          if (item.type === 'op') {
            const entry = append({ type: 'op', input: item.input, at: now }, now);
            effects.push(...this.deps.runner.handle(entry, now, append));
            results[i] = { status: 'accepted', seq: entry.seq };
            return;
          }
          const norm = normalise(item.message, item.origin, this.deps.site, now);
          if (!norm.ok) {
            rejects.push({ item, reason: norm.reason });
            results[i] = { status: 'rejected', reason: norm.reason };
            return;
          }
          const event = norm.value;
          if (event.seq !== null) {
            const key = SeqDedupe.key(event.device, event.seq);
            if (batchKeys.has(key) || this.dedupe.has(key, now)) {
              results[i] = { status: 'duplicate' };
              return;
            }
            batchKeys.add(key);
            newKeys.push([key, now]);
          }
          this.deps.runner.annotate(event, now);
          const entry = append({ type: 'event', event }, event.at);
          effects.push(...this.deps.runner.handle(entry, now, append));
          results[i] = { status: 'accepted', seq: entry.seq };
        });
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.deps.logger.error(
        { err: error, batch: items.length },
        'journal commit failed; nothing acknowledged',
      );
      for (const item of items) item.reject(error);
      this.rebuildAfterFailure();
      return;
    }
    for (const [key, at] of newKeys) this.dedupe.add(key, at);
    this.dedupe.expire(now);
    items.forEach((item, i) => {
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
  }

  private afterCommit(appended: JournalEntry[], effects: OutboundEffect[]): void {
    for (const entry of appended) {
      if (entry.body.type === 'event') {
        const e = entry.body.event;
        this.deps.metrics.events.inc({ kind: e.kind, transport: e.transport });
        this.deps.publish(topics.event(e.kind, e.zone, e.unit), eventToWire(e), 1);
      }
    }
    if (effects.length > 0) this.deps.apply(effects);
    if (appended.length > 0) {
      for (const l of this.listeners) {
        try {
          l(appended);
        } catch (err) {
          this.deps.logger.error({ err }, 'journal listener failed');
        }
      }
    }
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
      this.timer = setTimeout(() => this.tick(), 1000);
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
