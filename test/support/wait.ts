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
