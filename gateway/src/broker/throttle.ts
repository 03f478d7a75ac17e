/**
 * Slows down repeated CONNECT failures from one client id (and one username):
 * after `free` failures within `windowMs`, each further attempt waits
 * base * 2^(n - free) ms (capped) before its CONNACK. A correct login resets.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly opts = { free: 3, baseMs: 250, maxMs: 10_000, windowMs: 15 * 60_000, maxKeys: 100_000 },
  ) {}

  /** Milliseconds to wait before answering this attempt. */
  delayFor(key: string, now: number): number {
    const f = this.failures.get(key);
    if (!f || now - f.last > this.opts.windowMs) return 0;
    const over = f.count - this.opts.free;
    if (over < 0) return 0;
    return Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** over);
  }

  fail(key: string, now: number): void {
    const f = this.failures.get(key);
    if (!f || now - f.last > this.opts.windowMs) {
      if (this.failures.size >= this.opts.maxKeys) this.evictOldest();
      this.failures.set(key, { count: 1, last: now });
    } else {
      f.count += 1;
      f.last = now;
    }
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private evictOldest(): void {
    const first = this.failures.keys().next();
    if (!first.done) this.failures.delete(first.value);
  }
}
