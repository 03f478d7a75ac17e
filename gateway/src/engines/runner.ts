/**
 * Runs the engines over journal entries: feeds every entry to every engine,
 * appends the records they return (and feeds those back, so all engines see
 * the same stream live and at replay), routes `raise` effects to the alert
 * engine, and hands the remaining side effects (publish, command, log) to the
 * caller to apply after the transaction commits.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/journal.js';
import type { JournalBody, JournalEntry } from '../journal/types.js';
import type { DeviceEvent } from '../model/event.js';
import type { AlertRaiser, Effect, Engine } from './engine.js';

export type OutboundEffect = Exclude<Effect, { type: 'record' } | { type: 'raise' }>;

const MAX_CASCADE = 10_000;

export interface EngineSet {
  engines: Engine[];
  /** The alert engine, which takes `raise` effects from the others. */
  raiser: AlertRaiser | null;
}

export class EngineRunner {
  private engines: Engine[] = [];
  private raiser: AlertRaiser | null = null;

  /** `create` makes fresh engines: used at start and to rebuild after a failed commit. */
  constructor(
    private readonly create: () => EngineSet,
    private readonly logger: Logger,
  ) {
    this.reset();
  }

  private reset(): void {
    const set = this.create();
    this.engines = set.engines;
    this.raiser = set.raiser;
  }

  /** The live engine of that name (for queries). */
  engine<T extends Engine>(name: string): T | undefined {
    return this.engines.find((e) => e.name === name) as T | undefined;
  }

  /** Process one appended entry; `append` journals records (inside the caller's transaction). */
  handle(
    entry: JournalEntry,
    now: number,
    append: (body: JournalBody, at: number) => JournalEntry,
  ): OutboundEffect[] {
    const out: OutboundEffect[] = [];
    const queue: Effect[] = [];
    const feed = (e: JournalEntry): void => {
      for (const engine of this.engines) queue.push(...this.safe(engine, () => engine.handle(e, now, false)));
    };
    feed(entry);
    let steps = 0;
    while (queue.length > 0) {
      if (++steps > MAX_CASCADE) {
        this.logger.error({ entry: entry.seq }, 'engine effect cascade too long; stopped');
        break;
      }
      const effect = queue.shift() as Effect;
      if (effect.type === 'record') {
        feed(append(effect.body, now));
      } else if (effect.type === 'raise') {
        if (this.raiser) queue.push(...this.raiser.raise(effect.request, now));
      } else {
        out.push(effect);
      }
    }
    return out;
  }

  /** Timers: tick every engine, then process the effects like handle(). */
  tick(now: number, append: (body: JournalBody, at: number) => JournalEntry): OutboundEffect[] {
    const out: OutboundEffect[] = [];
    for (const engine of this.engines) {
      const effects = this.safe(engine, () => engine.tick(now));
      out.push(...this.drain(effects, now, append));
    }
    return out;
  }

  private drain(
    initial: Effect[],
    now: number,
    append: (body: JournalBody, at: number) => JournalEntry,
  ): OutboundEffect[] {
    const out: OutboundEffect[] = [];
    const queue = [...initial];
    let steps = 0;
    while (queue.length > 0 && ++steps <= MAX_CASCADE) {
      const effect = queue.shift() as Effect;
      if (effect.type === 'record') out.push(...this.handle(append(effect.body, now), now, append));
      else if (effect.type === 'raise') {
        if (this.raiser) queue.push(...this.raiser.raise(effect.request, now));
      } else out.push(effect);
    }
    return out;
  }

  annotate(event: DeviceEvent, now: number): void {
    for (const engine of this.engines) {
      if (engine.annotate) {
        this.safe(engine, () => {
          engine.annotate?.(event, now);
          return [];
        });
      }
    }
  }

  nextWakeAt(): number | null {
    let next: number | null = null;
    for (const engine of this.engines) {
      const t = engine.nextWakeAt();
      if (t !== null && (next === null || t < next)) next = t;
    }
    return next;
  }

  /** Rebuild every engine: its snapshot, then the journal entries after it. */
  restore(journal: Journal): { replayed: number } {
    this.reset();
    let from = Number.POSITIVE_INFINITY;
    const since = new Map<Engine, number>();
    for (const engine of this.engines) {
      const snap = journal.loadSnapshot(engine.name);
      let seq = 0;
      if (snap) {
        try {
          engine.restore(snap.state);
          seq = snap.seq;
        } catch (err) {
          this.logger.warn(
            { err, engine: engine.name },
            'snapshot unreadable; replaying the whole journal for it',
          );
        }
      }
      since.set(engine, seq);
      from = Math.min(from, seq);
    }
    let replayed = 0;
    if (this.engines.length === 0) return { replayed };
    for (const entry of journal.iterateAfter(from)) {
      replayed++;
      for (const engine of this.engines) {
        if (entry.seq > (since.get(engine) ?? 0))
          this.safe(engine, () => engine.handle(entry, entry.at, true));
      }
    }
    return { replayed };
  }

  saveSnapshots(journal: Journal): void {
    const seq = journal.lastSeq();
    for (const engine of this.engines) {
      try {
        journal.saveSnapshot(engine.name, seq, engine.snapshot());
      } catch (err) {
        this.logger.error({ err, engine: engine.name }, 'engine snapshot failed');
      }
    }
  }

  /** An engine that throws must not take the gateway down: log and carry on. */
  private safe(engine: Engine, fn: () => Effect[]): Effect[] {
    try {
      return fn();
    } catch (err) {
      this.logger.error({ err, engine: engine.name }, 'engine failed on an input');
      return [];
    }
  }
}
