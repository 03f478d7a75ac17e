/**
 * One back-off for everything that waits longer after each failure:
 * exponential from `baseMs`, capped at `maxMs`. Retries of a lost server
 * (journal followers, uplinks, receivers) add "equal jitter" (a random point
 * in the upper half) so many gateways that lost the same server do not come
 * back in step; deterministic waits (login back-off, child restarts) use the
 * bare ceiling. Pure: the random source is passed in.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** `baseMs · 2^n`, capped at `maxMs` (n < 0 counts as 0). */
export function backoffCeiling(n: number, { baseMs, maxMs }: BackoffOptions): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, n), 30));
}

/** The delay before retry number `failures + 1` (`failures` = how many failed in a row, from 0). */
export function backoffDelay(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(failures, options);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
