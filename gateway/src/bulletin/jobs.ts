/**
 * The limiter and cache in front of heavy reads (the bulletin): at most one
 * job runs, at most `queue` wait behind it, anything more is refused (the
 * HTTP layer answers 429) so a burst of report requests cannot pile up work
 * that competes with the panic path. Results are cached by key (the caller
 * puts the journal's last seq in it, so a new entry makes a new key), and a
 * request for a key already running or queued joins that job. Pure: no I/O,
 * the clock is passed in.
 */

export interface HeavyJobsOptions {
  /** Jobs that may wait behind the running one (0: none). */
  queue: number;
  /** Results kept (least recently used dropped first; 0: no cache). */
  cacheEntries: number;
  now?: () => number;
}

export type JobOutcome<T> =
  | { kind: 'hit'; value: T }
  /** Started, queued, or joined an identical job already under way. */
  | { kind: 'run'; value: Promise<T>; joined: boolean }
  | { kind: 'busy'; retryAfterS: number };

export interface HeavyJobsStats {
  running: number;
  queued: number;
  hits: number;
  runs: number;
  busy: number;
  failed: number;
  cached: number;
  lastDurationMs: number | null;
}

interface Pending<T> {
  key: string;
  run: () => Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export class HeavyJobs<T> {
  private readonly cache = new Map<string, T>();
  private readonly inflight = new Map<string, Promise<T>>();
  private readonly waiting: Pending<T>[] = [];
  private running = false;
  private readonly now: () => number;
  private counts = { hits: 0, runs: 0, busy: 0, failed: 0 };
  private lastDurationMs: number | null = null;

  constructor(private readonly options: HeavyJobsOptions) {
    this.now = options.now ?? Date.now;
  }

  submit(key: string, run: () => Promise<T>): JobOutcome<T> {
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // refresh its place in the LRU order
      this.cache.delete(key);
      this.cache.set(key, cached);
      this.counts.hits++;
      return { kind: 'hit', value: cached };
    }
    const joined = this.inflight.get(key);
    if (joined) return { kind: 'run', value: joined, joined: true };
    if (this.running && this.waiting.length >= this.options.queue) {
      this.counts.busy++;
      return { kind: 'busy', retryAfterS: this.retryAfterS() };
    }
    this.counts.runs++;
    const value = new Promise<T>((resolve, reject) => {
      this.waiting.push({ key, run, resolve, reject });
    });
    this.inflight.set(key, value);
    // a caller that only joins later must not see an unhandled rejection here
    value.catch(() => {});
    this.next();
    return { kind: 'run', value, joined: false };
  }

  stats(): HeavyJobsStats {
    return {
      running: this.running ? 1 : 0,
      queued: this.waiting.length,
      ...this.counts,
      cached: this.cache.size,
      lastDurationMs: this.lastDurationMs,
    };
  }

  /** Seconds until a slot is likely free: the jobs ahead times the last job's duration. */
  private retryAfterS(): number {
    const ahead = (this.running ? 1 : 0) + this.waiting.length;
    return Math.max(1, Math.ceil(((this.lastDurationMs ?? 1000) * ahead) / 1000));
  }

  private next(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = true;
    const started = this.now();
    const settle = (): void => {
      this.lastDurationMs = this.now() - started;
      this.inflight.delete(job.key);
      this.running = false;
      this.next();
    };
    let promise: Promise<T>;
    try {
      promise = job.run();
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (v) => {
        this.remember(job.key, v);
        settle();
        job.resolve(v);
      },
      (err: unknown) => {
        this.counts.failed++;
        settle();
        job.reject(err);
      },
    );
  }

  private remember(key: string, value: T): void {
    if (this.options.cacheEntries <= 0) return;
    this.cache.set(key, value);
    while (this.cache.size > this.options.cacheEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}
