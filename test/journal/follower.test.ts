/**
 * The shared journal follower (journal/follower.ts) on a real journal file:
 * the cursor advances only after a delivery resolved, a failure is retried
 * from the cursor after the back-off, stop() ends a delivery that never
 * resolves, backlog and drained() report what is left, retention gaps are
 * reported once. And the back-off helper's bounds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalFollower, type RetentionGap } from '../../gateway/src/journal/follower.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalEntry } from '../../gateway/src/journal/types.js';
import { backoffDelay } from '../../gateway/src/runtime/backoff.js';
import { until } from '../support/wait.js';

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

function setup() {
  const journal = new Journal({ path: join(mkdtempSync(join(tmpdir(), 'gp-follow-')), 'j.db') });
  journals.push(journal);
  const listeners = new Set<() => void>();
  const append = (n: number, at = Date.now()) => {
    journal.transaction(() => {
      for (let i = 0; i < n; i++)
        journal.append({ type: 'op', at, input: { op: 'clock', by: 't', action: 'confirm' } }, at);
    });
    for (const l of listeners) l();
  };
  const onCommitted = (l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return { journal, append, onCommitted };
}

describe('JournalFollower', () => {
  it('delivers in bounded batches, in order, and commits the cursor after each delivery', async () => {
    const { journal, append, onCommitted } = setup();
    append(25);
    const seen: number[][] = [];
    const f = new JournalFollower({
      journal,
      cursor: 'test',
      onCommitted,
      batchSize: 10,
      deliver: async ({ entries }) => {
        // the cursor is still before this batch while it is delivered
        expect(journal.getCursor('test')).toBe((entries[0]?.seq ?? 1) - 1);
        seen.push(entries.map((e: JournalEntry) => e.seq));
        return undefined;
      },
    });
    f.start();
    expect(await f.drained(25, 5000)).toBe(true);
    append(3);
    expect(await f.drained(28, 5000)).toBe(true);
    await f.stop();
    expect(seen.map((b) => b.length).slice(0, 3)).toEqual([10, 10, 5]);
    expect(seen.flat()).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
    expect(f.status()).toMatchObject({ backlog: { entries: 0 }, lastError: null, delivered: 28 });
  });

  it('a failed delivery is retried from the cursor after a back-off; lastError and backlog show it', async () => {
    const { journal, append, onCommitted } = setup();
    append(5, Date.now() - 60_000);
    let fail = 2;
    const attempts: number[] = [];
    const f = new JournalFollower({
      journal,
      cursor: 'test',
      onCommitted,
      backoff: { baseMs: 20, maxMs: 40 },
      deliver: async ({ entries }) => {
        attempts.push(entries[0]?.seq ?? -1);
        if (fail-- > 0) throw new Error('link down');
        return undefined;
      },
    });
    f.start();
    const down = await until('a failure', () => f.status().lastError !== null && f.status(), 5000, 5);
    expect(down).toMatchObject({ lastError: 'link down', backlog: { entries: 5 } });
    expect(down.backlog.oldestAgeMs).toBeGreaterThanOrEqual(60_000);
    expect(await f.drained(5, 5000)).toBe(true);
    await f.stop();
    expect(attempts).toEqual([1, 1, 1]);
    expect(f.status()).toMatchObject({ lastError: null, failures: 0, backlog: { entries: 0 } });
  });

  it('stop() ends a delivery that never resolves and does not commit it', async () => {
    const { journal, append, onCommitted } = setup();
    append(3);
    let started = false;
    const f = new JournalFollower({
      journal,
      cursor: 'test',
      onCommitted,
      stopTimeoutMs: 200,
      deliver: () => {
        started = true;
        return new Promise<undefined>(() => {});
      },
    });
    f.start();
    await until('delivery started', () => started, 5000, 5);
    expect(await f.stop()).toBe(false);
    expect(journal.getCursor('test')).toBe(0);
  });

  it('an aborted delivery (stop) is not committed even when it resolves', async () => {
    const { journal, append, onCommitted } = setup();
    append(3);
    const f = new JournalFollower({
      journal,
      cursor: 'test',
      onCommitted,
      deliver: (_b, { signal }) =>
        new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined))),
    });
    f.start();
    await until('waiting', () => f.status().running, 5000, 5);
    expect(await f.stop()).toBe(true);
    expect(journal.getCursor('test')).toBe(0);
  });

  it('reports a retention gap ahead of a committed cursor once', async () => {
    const { journal, append, onCommitted } = setup();
    append(10);
    journal.setCursor('test', 2);
    journal.prune(Date.now() + 1000, 6);
    const gaps: RetentionGap[] = [];
    const f = new JournalFollower({
      journal,
      cursor: 'test',
      onCommitted,
      onGap: (g) => gaps.push(g),
      deliver: async () => undefined,
    });
    f.start();
    expect(await f.drained(10, 5000)).toBe(true);
    await f.stop();
    expect(gaps).toEqual([{ cursor: 2, first: 7, missing: 4, hadCursor: true }]);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to the cap with jitter in the upper half', () => {
    const o = { baseMs: 500, maxMs: 30_000 };
    expect(backoffDelay(0, o, () => 0)).toBe(250);
    expect(backoffDelay(0, o, () => 1)).toBe(500);
    expect(backoffDelay(3, o, () => 1)).toBe(4000);
    expect(backoffDelay(50, o, () => 0)).toBe(15_000);
    expect(backoffDelay(50, o, () => 1)).toBe(30_000);
  });
});
