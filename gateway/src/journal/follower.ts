/**
 * A journal follower: the one cursor mechanism for everything that forwards
 * the journal somewhere else (InfluxDB export, city uplink, alarm receiving
 * centres). It reads the entries after a named durable cursor in bounded
 * batches, hands each batch to `deliver`, and advances the cursor only when
 * `deliver` resolved (in one transaction with whatever the consumer commits
 * beside it). A failure is retried from the cursor after a jittered back-off
 * (runtime/backoff.ts), so an outage of any length within journal retention
 * delays entries and never drops them, and a crash between delivery and
 * commit delivers the batch again (consumers make repeats harmless).
 *
 * It wakes on commit notifications (with an optional linger to gather more
 * into one batch), polls otherwise, stops within `stopTimeoutMs` even with a
 * delivery in flight (that batch is then delivered again at next start), and
 * reports its backlog (entries, age of the oldest not yet delivered), last
 * error and retention gaps (entries pruned before they were delivered).
 */
import { type BackoffOptions, backoffDelay } from '../runtime/backoff.js';
import type { Journal } from './journal.js';
import type { JournalEntry } from './types.js';
import { Waker } from './wake.js';

/** What the follower hands over: at least the entries, oldest first. */
export interface FollowerBatch {
  readonly entries: readonly JournalEntry[];
}

/** What a delivery may return: work to commit with the cursor, bookkeeping after it. */
export interface Delivered {
  /** Runs inside the cursor's transaction (e.g. the consumer's own tables). */
  commit?(): void;
  /** Runs after the cursor is committed. */
  after?(): void;
}

export interface DeliverContext {
  /** The cursor the batch follows. */
  cursor: number;
  /** Aborted by stop(): give up waiting (the batch is delivered again later). */
  signal: AbortSignal;
}

export interface RetentionGap {
  cursor: number;
  /** The first entry still in the journal after the cursor. */
  first: number;
  missing: number;
  /** false: the cursor was never committed (a fresh consumer starts at the oldest entry kept). */
  hadCursor: boolean;
}

export interface FollowerOptions<B extends FollowerBatch> {
  journal: Journal;
  /** The durable cursor's name (table `cursors`). */
  cursor: string;
  /** The gateway's commit notification (GatewayContext.onCommitted). */
  onCommitted(listener: () => void): () => void;
  /** Deliver one batch; resolve when the other side has it, reject to retry from the cursor. */
  deliver(batch: B, ctx: DeliverContext): Promise<Delivered | undefined>;
  /**
   * Runs on every round after the read, also with nothing to deliver (e.g.
   * connect and set up the other side); a rejection counts as a failed round.
   */
  ready?(): Promise<void>;
  /** Read the batch after `cursor` (default: up to `batchSize` entries); null when there is none. */
  read?(cursor: number, limit: number): B | null;
  /** Max entries per batch (default 500). */
  batchSize?: number;
  /** After a commit notification, wait this long to gather more (default 0). */
  lingerMs?: number;
  /** Look at the journal this often without a notification (default 1000). */
  pollMs?: number;
  /** Retry back-off (default 500 ms to 30 s). */
  backoff?: BackoffOptions;
  /** How long stop() waits for a delivery in flight (default 3000). */
  stopTimeoutMs?: number;
  random?: () => number;
  /** A failed round (read or deliver): returns the message kept as `lastError`. The owner logs. */
  onError?(err: unknown, info: { failures: number; previous: string | null }): string;
  /** Retention deleted entries ahead of the cursor (reported once per gap). */
  onGap?(gap: RetentionGap): void;
}

export interface Backlog {
  entries: number;
  oldestAgeMs: number;
}

export interface FollowerStatus {
  running: boolean;
  cursor: number;
  backlog: Backlog;
  lastError: string | null;
  /** Failed rounds in a row (0 after a success). */
  failures: number;
  delivered: number;
}

type Entries = FollowerBatch & { entries: JournalEntry[] };

export class JournalFollower<B extends FollowerBatch = Entries> {
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly pollMs: number;
  private readonly backoff: BackoffOptions;
  private readonly stopTimeoutMs: number;
  private readonly random: () => number;
  private readonly read: (cursor: number, limit: number) => B | null;
  private readonly hasCursorRow;
  private readonly waker = new Waker(() => this.stoppingFlag);

  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private abort: AbortController | null = null;
  private stoppingFlag = false;
  private abandoned = false;
  private lastErrorValue: string | null = null;
  private failures = 0;
  private deliveredCount = 0;
  private lastBacklog: Backlog = { entries: 0, oldestAgeMs: 0 };
  private gapNoted: { cursor: number; first: number } | null = null;
  private waiters = new Set<{ target: number; resolve: (ok: boolean) => void }>();

  constructor(private readonly o: FollowerOptions<B>) {
    this.batchSize = o.batchSize ?? 500;
    this.lingerMs = o.lingerMs ?? 0;
    this.pollMs = o.pollMs ?? 1000;
    this.backoff = o.backoff ?? { baseMs: 500, maxMs: 30_000 };
    this.stopTimeoutMs = o.stopTimeoutMs ?? 3000;
    this.random = o.random ?? Math.random;
    this.read =
      o.read ??
      ((cursor, limit) => {
        const entries = o.journal.readAfter(cursor, limit);
        return entries.length > 0 ? ({ entries } as unknown as B) : null;
      });
    this.hasCursorRow = o.journal.db.prepare('SELECT 1 AS one FROM cursors WHERE name = ?');
  }

  /** True from stop() on (long preparations check it). */
  get stopping(): boolean {
    return this.stoppingFlag;
  }

  start(): void {
    if (this.loop) return;
    this.stoppingFlag = false;
    this.abandoned = false;
    this.abort = new AbortController();
    this.unsubscribe = this.o.onCommitted(() => this.waker.wake(true));
    this.loop = this.run();
  }

  /** Resolves true when the loop ended, false when it gave up waiting for a delivery in flight. */
  async stop(): Promise<boolean> {
    this.stoppingFlag = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort?.abort();
    this.waker.wake(false);
    const loop = this.loop;
    let finished = true;
    if (loop) {
      let timer: NodeJS.Timeout | undefined;
      finished = await Promise.race([
        loop.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) this.abandoned = true;
    }
    this.loop = null;
    for (const w of this.waiters) w.resolve(false);
    this.waiters.clear();
    return finished;
  }

  /** Kick the loop now (e.g. the other side came back): ends an idle wait, not a back-off. */
  poke(): void {
    this.waker.wake(true);
  }

  cursor(): number {
    return this.o.journal.getCursor(this.o.cursor);
  }

  status(): FollowerStatus {
    return {
      running: this.loop !== null,
      cursor: this.abandoned ? -1 : this.safeCursor(),
      backlog: this.backlog(),
      lastError: this.lastErrorValue,
      failures: this.failures,
      delivered: this.deliveredCount,
    };
  }

  /** Resolves true once every entry up to `seq` (default: the last one now) is delivered; false on timeout or stop. */
  drained(seq?: number, timeoutMs = 30_000): Promise<boolean> {
    const target = seq ?? this.o.journal.lastSeq();
    if (this.safeCursor() >= target) return Promise.resolve(true);
    if (this.loop === null) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Entries after the cursor and the age of the oldest; the last known values once the journal closed. */
  backlog(): Backlog {
    if (this.abandoned) return this.lastBacklog;
    try {
      const journal = this.o.journal;
      const oldest = journal.readAfter(journal.getCursor(this.o.cursor), 1)[0];
      this.lastBacklog = oldest
        ? {
            entries: Math.max(0, journal.lastSeq() - oldest.seq + 1),
            oldestAgeMs: Math.max(0, Date.now() - oldest.at),
          }
        : { entries: 0, oldestAgeMs: 0 };
    } catch {
      // journal closed during shutdown: keep the last known values
    }
    return this.lastBacklog;
  }

  // ---------------------------------------------------------------- loop

  private async run(): Promise<void> {
    while (!this.stoppingFlag) {
      try {
        const full = await this.once();
        this.failures = 0;
        this.lastErrorValue = null;
        if (!full && !this.stoppingFlag) await this.waker.idle(this.pollMs, this.lingerMs);
      } catch (err) {
        if (this.abandoned || this.stoppingFlag) return;
        const failures = this.failures + 1;
        const fallback = err instanceof Error ? err.message : String(err);
        const previous = this.lastErrorValue;
        const message = this.o.onError?.(err, { failures, previous }) ?? fallback;
        this.lastErrorValue = message;
        const delay = backoffDelay(this.failures, this.backoff, this.random);
        this.failures = failures;
        await this.waker.sleep(delay);
      }
    }
  }

  /** One batch: read, deliver, commit. True when it was full (more is probably waiting). */
  private async once(): Promise<boolean> {
    const journal = this.o.journal;
    const cursor = journal.getCursor(this.o.cursor);
    const batch = this.read(cursor, this.batchSize);
    const entries = batch?.entries ?? [];
    const first = entries[0];
    // noted before ready(): also while the other side is unreachable
    if (first !== undefined) this.checkGap(cursor, first.seq);
    await this.o.ready?.();
    if (batch === null || first === undefined) return false;
    const last = (entries[entries.length - 1] as JournalEntry).seq;
    const signal = (this.abort as AbortController).signal;
    const result = await this.o.deliver(batch, { cursor, signal });
    if (this.abandoned || signal.aborted) return false;
    // not journal.transaction(): a failed cursor commit is this consumer's error, retried, not a failed append
    journal.db.transaction(() => {
      result?.commit?.();
      journal.setCursor(this.o.cursor, last);
    })();
    this.deliveredCount += entries.length;
    result?.after?.();
    for (const w of this.waiters) if (w.target <= last) w.resolve(true);
    return entries.length >= this.batchSize;
  }

  /**
   * Retention may have deleted entries ahead of the cursor. A stuck cursor
   * re-reads the same gap on every retry: reported once.
   */
  private checkGap(cursor: number, first: number): void {
    if (first <= cursor + 1) return;
    const noted = this.gapNoted?.cursor === cursor ? this.gapNoted.first - 1 : cursor;
    if (first > noted + 1) {
      const hadCursor = this.hasCursorRow.get(this.o.cursor) !== undefined;
      this.o.onGap?.({ cursor: noted, first, missing: first - noted - 1, hadCursor });
    }
    this.gapNoted = { cursor, first };
  }

  private safeCursor(): number {
    try {
      return this.o.journal.getCursor(this.o.cursor);
    } catch {
      return -1;
    }
  }
}
