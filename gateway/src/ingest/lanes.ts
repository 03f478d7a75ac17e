/**
 * The two lanes of the data path (docs/alerts.md, "Priority lane"). Panic
 * presses and operator inputs (ack, resolve, ops) are the priority lane:
 * each turn of the pipeline journals, commits and fans them out first, in
 * their own small transaction, before any bulk input (taps, heartbeats,
 * status, roll-call answers) of that turn. Bulk is taken a bounded slice at
 * a time, so a flood of taps cannot hold a panic behind it for longer than
 * one slice. Pure queueing; the pipeline does the I/O.
 */

export type Lane = 'priority' | 'bulk';

/** Which lane an input goes to: operator inputs and panic presses are priority. */
export function laneOf(input: { type: 'op' } | { type: 'message'; kind: string }): Lane {
  return input.type === 'op' || input.kind === 'panic' ? 'priority' : 'bulk';
}

export interface TurnLimits {
  /** At most this many priority inputs per transaction (a turn takes several if needed). */
  maxPriority: number;
  /** At most this many bulk inputs per turn. */
  maxBulk: number;
}

export const DEFAULT_TURN: TurnLimits = { maxPriority: 1000, maxBulk: 500 };

/** FIFO per lane, with cheap removal from the front. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Put items back at the front (bulk not reached within a turn's time budget). */
  unshift(items: readonly T[]): void {
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
  }

  take(max: number): T[] {
    const out = this.items.slice(this.head, this.head + max);
    this.head += out.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  drain(): T[] {
    return this.take(this.length);
  }
}

export class Lanes<T> {
  private readonly priority = new Fifo<T>();
  private readonly bulk = new Fifo<T>();

  constructor(private readonly limits: TurnLimits = DEFAULT_TURN) {}

  get size(): number {
    return this.priority.length + this.bulk.length;
  }

  get waiting(): { priority: number; bulk: number } {
    return { priority: this.priority.length, bulk: this.bulk.length };
  }

  push(item: T, lane: Lane): void {
    (lane === 'priority' ? this.priority : this.bulk).push(item);
  }

  /** The priority inputs of this turn (all that wait, up to the limit). */
  takePriority(): T[] {
    return this.priority.take(this.limits.maxPriority);
  }

  /** One bounded slice of bulk. */
  takeBulk(): T[] {
    return this.bulk.take(this.limits.maxBulk);
  }

  /** Bulk a turn did not reach goes back to the front, in order. */
  returnBulk(items: readonly T[]): void {
    if (items.length > 0) this.bulk.unshift(items);
  }

  /** Everything, priority first (stop: one last flush). */
  drainAll(): T[] {
    return [...this.priority.drain(), ...this.bulk.drain()];
  }
}
