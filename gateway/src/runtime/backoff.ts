/**
 * One retry back-off for everything that reconnects or retries (journal
 * followers, uplinks, receivers): exponential from `baseMs`, capped at
 * `maxMs`, with "equal jitter" (a random point in the upper half) so many
 * gateways that lost the same server do not come back in step. Pure: the
 * random source is passed in.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** The delay before retry number `failures + 1` (`failures` = how many failed in a row, from 0). */
export function backoffDelay(
  failures: number,
  { baseMs, maxMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
