/**
 * Runs the engines over journal entries: feeds every entry to every engine,
 * appends the records they return (and feeds those back, so all engines see
 * the same stream live and at replay), routes `raise` effects to the alert
 * engine, and hands the remaining side effects (publish, command, log) to the
 * caller to apply after the transaction commits. A cascade longer than the
 * budget of one transaction is carried over to the next tick, never dropped.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/journal.js';
import type { JournalBody, JournalEntry } from '../journal/types.js';
import type { DeviceEvent } from '../model/event.js';
import type { AlertRaiser, Effect, Engine } from './engine.js';

export type OutboundEffect = Exclude<Effect, { type: 'record' } | { type: 'raise' }>;

/** Effects run per transaction before the rest is carried over to the next tick. */
export const CASCADE_BUDGET = 2_000;

export interface EngineSet {
  engines: Engine[];
  /** The alert engine, which takes `raise` effects from the others. */
  raiser: AlertRaiser | null;
}

export class EngineRunner {
  private engines: Engine[] = [];
  private raiser: AlertRaiser | null = null;
  private carried: Effect[] = [];

  /** `create` makes fresh engines: used at start and to rebuild after a failed commit. */
  constructor(
    private readonly create: () => EngineSet,
    private readonly logger: Logger,
    private readonly maxSteps = CASCADE_BUDGET,
  ) {
    this.reset();
  }

  private reset(): void {
    // Carried effects came from state that is rebuilt here: the engines derive them again.
    this.carried = [];
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
    return this.run(this.feed(entry, now), now, append);
  }

  /** Timers: effects carried over from the last turn first, then every engine's tick. */
  tick(now: number, append: (body: JournalBody, at: number) => JournalEntry): OutboundEffect[] {
    let queue = this.carried;
    this.carried = [];
    if (queue.length === 0)
      for (const engine of this.engines) queue = queue.concat(this.safe(engine, () => engine.tick(now)));
    return this.run(queue, now, append);
  }

  /** Effects waiting for the next tick because a cascade ran past its budget. */
  get deferred(): number {
    return this.carried.length;
  }

  /**
   * The one effect loop, depth first (an effect's consequences run before
   * its next sibling, so each alert is whole in one transaction): records
   * are journaled and fed back to every engine, raises go to the alert
   * engine, the rest is returned. At most `maxSteps` effects run per call
   * (one transaction stays short, so inputs queued behind it wait little);
   * what is left is carried over to the next tick, never dropped:
   * nextWakeAt() then asks for an immediate tick.
   */
  private run(
    effects: Effect[],
    now: number,
    append: (body: JournalBody, at: number) => JournalEntry,
  ): OutboundEffect[] {
    const out: OutboundEffect[] = [];
    const stack = effects.reverse(); // the next effect to run is on top
    const push = (more: Effect[]): void => {
      for (let i = more.length - 1; i >= 0; i--) stack.push(more[i] as Effect);
    };
    let steps = 0;
    while (stack.length > 0 && steps < this.maxSteps) {
      steps++;
      const effect = stack.pop() as Effect;
      if (effect.type === 'record') push(this.feed(append(effect.body, now), now));
      else if (effect.type === 'raise') {
        if (this.raiser) push(this.raiser.raise(effect.request, now));
      } else out.push(effect);
    }
    if (stack.length > 0) {
      this.carried = this.carried.concat(stack.reverse());
      this.logger.warn(
        { ran: steps, deferred: stack.length, waiting: this.carried.length },
        'engine effect cascade over its budget; the rest is carried over to the next tick',
      );
    }
    return out;
  }

  private feed(entry: JournalEntry, now: number): Effect[] {
    const effects: Effect[] = [];
    for (const engine of this.engines)
      effects.push(...this.safe(engine, () => engine.handle(entry, now, false)));
    return effects;
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
    if (this.carried.length > 0) return 0; // carried effects are due at once
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
