/** HeavyJobs (bulletin/jobs.ts): one job at a time, a short queue, 429-style refusals, a keyed LRU cache. */
import { describe, expect, it } from 'vitest';
import { HeavyJobs, type JobOutcome } from '../../gateway/src/bulletin/jobs.js';

/** A job the test finishes by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve: (v: T) => void = () => {};
  let reject: (e: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function ran<T>(o: JobOutcome<T>): Promise<T> {
  if (o.kind !== 'run') throw new Error(`expected run, got ${o.kind}`);
  return o.value;
}

describe('HeavyJobs', () => {
  it('runs one job at a time, queues up to `queue`, refuses the rest with a retry hint', async () => {
    let clock = 0;
    const jobs = new HeavyJobs<string>({ queue: 1, cacheEntries: 4, now: () => clock });
    const a = deferred<string>();
    const b = deferred<string>();
    let bStarted = false;
    const first = ran(jobs.submit('a', () => a.promise));
    const second = ran(
      jobs.submit('b', () => {
        bStarted = true;
        return b.promise;
      }),
    );
    expect(jobs.stats()).toMatchObject({ running: 1, queued: 1 });
    const third = jobs.submit('c', () => Promise.resolve('c'));
    expect(third).toEqual({ kind: 'busy', retryAfterS: 2 });
    expect(bStarted).toBe(false);
    clock = 3000;
    a.resolve('A');
    expect(await first).toBe('A');
    expect(bStarted).toBe(true);
    // the last job took 3 s, one job is ahead: retry in 3 s
    expect(jobs.submit('d', () => Promise.resolve('d'))).toMatchObject({ kind: 'run' });
    expect(jobs.submit('e', () => Promise.resolve('e'))).toEqual({ kind: 'busy', retryAfterS: 6 });
    b.resolve('B');
    expect(await second).toBe('B');
    expect(jobs.stats()).toMatchObject({ busy: 2, runs: 3 });
  });

  it('serves a finished key from the cache and joins a key already under way', async () => {
    const jobs = new HeavyJobs<string>({ queue: 0, cacheEntries: 4 });
    const a = deferred<string>();
    let calls = 0;
    const run = (): Promise<string> => {
      calls++;
      return a.promise;
    };
    const first = jobs.submit('k', run);
    const joined = jobs.submit('k', run);
    expect(joined).toMatchObject({ kind: 'run', joined: true });
    a.resolve('V');
    expect(await ran(first)).toBe('V');
    expect(await ran(joined)).toBe('V');
    expect(jobs.submit('k', run)).toEqual({ kind: 'hit', value: 'V' });
    expect(calls).toBe(1);
  });

  it('keeps the most recently used entries only', async () => {
    const jobs = new HeavyJobs<string>({ queue: 4, cacheEntries: 2 });
    for (const k of ['x', 'y']) await ran(jobs.submit(k, () => Promise.resolve(k)));
    expect(jobs.submit('x', () => Promise.resolve('new')).kind).toBe('hit');
    await ran(jobs.submit('z', () => Promise.resolve('z')));
    // y was the least recently used
    expect(jobs.submit('y', () => Promise.resolve('y2')).kind).toBe('run');
    expect(jobs.submit('x', () => Promise.resolve('x2')).kind).toBe('hit');
  });

  it('does not cache a failure, and the next job still runs', async () => {
    const jobs = new HeavyJobs<string>({ queue: 0, cacheEntries: 4 });
    await expect(ran(jobs.submit('k', () => Promise.reject(new Error('boom'))))).rejects.toThrow('boom');
    const thrown = jobs.submit('k', () => {
      throw new Error('sync');
    });
    await expect(ran(thrown)).rejects.toThrow('sync');
    expect(await ran(jobs.submit('k', () => Promise.resolve('ok')))).toBe('ok');
    expect(jobs.stats()).toMatchObject({ failed: 2, running: 0, queued: 0 });
  });

  it('caches nothing with cacheEntries 0', async () => {
    const jobs = new HeavyJobs<string>({ queue: 0, cacheEntries: 0 });
    await ran(jobs.submit('k', () => Promise.resolve('v')));
    expect(jobs.submit('k', () => Promise.resolve('v')).kind).toBe('run');
  });
});
