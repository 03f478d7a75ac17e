/** Polling for integration tests: wait for a condition the system reaches on its own schedule. */

type Maybe<T> = T | null | undefined | false;

/**
 * Calls `probe` until it returns a value (not null, undefined or false) and
 * resolves with it. A probe that throws counts as "not yet" (a server still
 * starting); after `timeoutMs` it fails naming `what` and the last error.
 */
export async function until<T>(
  what: string,
  probe: () => Maybe<T> | Promise<Maybe<T>>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Things that arrive on their own (messages, node outputs), kept in order,
 * with a wait for one that matches: already there, or the next to come
 * within `timeoutMs`; the timeout names `what` and what did arrive.
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private waiters: { pred: (m: T) => boolean; resolve: (m: T) => void }[] = [];

  constructor(private readonly describe: (items: readonly T[]) => string) {}

  add(m: T): void {
    this.items.push(m);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(m)) return true;
      w.resolve(m);
      return false;
    });
  }

  waitFor(pred: (m: T) => boolean, timeoutMs = 10_000, what = 'message'): Promise<T> {
    const found = this.items.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; got ${this.describe(this.items)}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }
}
