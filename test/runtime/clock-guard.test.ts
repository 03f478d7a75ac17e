/**
 * The clock guard on an in-memory journal with injected clock sources: a step
 * is journaled before engine time moves (and retried once quietly when the
 * commit fails), retention pauses while the clock is unproven and runs after
 * an admin's confirm, and never deletes what this run journaled recently.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalEntry, OpInput } from '../../gateway/src/journal/types.js';
import { type ClockSources, EngineClock } from '../../gateway/src/runtime/clock.js';
import { ClockGuard } from '../../gateway/src/runtime/clock-guard.js';

const T0 = Date.parse('2026-11-28T20:00:00.000Z');
const H = 3_600_000;
const DAY = 24 * H;

/** `oldRx`: receive time of one entry an earlier run journaled. */
function setup(opts: { failFirst?: boolean; oldRx?: number } = {}) {
  let wall = T0;
  let mono = 0;
  const src: ClockSources = { wall: () => wall, mono: () => mono };
  const clock = new EngineClock(src, 2000);
  const journal = new Journal({ path: ':memory:' });
  if (opts.oldRx !== undefined)
    journal.append(
      { type: 'op', input: { op: 'clock', by: 'x', action: 'confirm' }, at: T0 },
      T0,
      opts.oldRx,
    );
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const ops: OpInput[] = [];
  let fails = opts.failFirst ? 1 : 0;
  const guard = new ClockGuard({
    clock,
    journal,
    logger,
    registry: new Registry(),
    operate: (input) => {
      if (fails-- > 0) return Promise.reject(new Error('disk full'));
      ops.push(input);
      const e = journal.append({ type: 'op', input, at: clock.now() }, clock.now(), clock.now());
      guard.onCommitted([e as JournalEntry]);
      return Promise.resolve();
    },
    rearm: () => undefined,
    retentionMs: 30 * DAY,
    recordRetentionMs: 30 * DAY, // one class: these tests are about the clock rule (retention.test.ts: the classes)
    thresholdMs: 2000,
    stableMs: 24 * H,
    maxGapMs: 24 * H,
    checkEveryMs: 3_600_000,
  });
  return {
    clock,
    journal,
    guard,
    ops,
    lines,
    errors: () => lines.filter((l) => l.level >= 50).map((l) => l.msg),
    advance(ms: number) {
      wall += ms;
      mono += ms;
    },
    step(ms: number) {
      wall += ms;
    },
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ClockGuard', () => {
  it('journals a step, then re-anchors engine time; a failed commit is retried without a second error', async () => {
    const t = setup({ failFirst: true });
    t.guard.start();
    t.step(-H);
    t.guard.check();
    await flush();
    expect(t.ops).toEqual([]);
    expect(t.clock.now()).toBe(T0); // not journaled: engine time did not move
    t.guard.check();
    await flush();
    expect(t.ops).toEqual([
      { op: 'clock', by: '@gateway', action: 'step', from: T0, to: T0 - H, deltaMs: -H },
    ]);
    expect(t.clock.now()).toBe(T0 - H);
    expect(t.errors().filter((m) => /WALL CLOCK STEPPED BACK/.test(m))).toHaveLength(1);
    expect(t.guard.health()).toMatchObject({ steps: 1, trusted: true, offsetMs: 0 });
    t.guard.stop();
  });

  it('a forward step pauses retention until an admin confirms; entries of this run are never deleted early', async () => {
    const t = setup({ oldRx: T0 - 2 * H }); // a trusted start
    t.guard.start();
    expect(t.guard.health().trusted).toBe(true);
    t.journal.append({ type: 'op', input: { op: 'clock', by: 'y', action: 'confirm' }, at: T0 }, T0, T0);
    t.step(40 * DAY);
    t.guard.check();
    await flush();
    expect(t.guard.health().trusted).toBe(false);
    t.guard.prune();
    expect(t.journal.stats().entries).toBe(3);
    expect(t.lines.some((l) => /retention paused/.test(l.msg))).toBe(true);

    // the confirm (journaled like any op) lets retention run: the old entry goes, this run's stay
    const confirm = t.journal.append(
      { type: 'op', input: { op: 'clock', by: 'police-east', action: 'confirm' }, at: t.clock.now() },
      t.clock.now(),
      t.clock.now(),
    );
    t.guard.onCommitted([confirm]);
    expect(t.guard.health().trusted).toBe(true);
    expect(t.journal.stats().entries).toBe(3); // the step record, the in-run entry, the confirm
    expect(t.errors().some((m) => /YOUNGER THAN RETENTION \+ 1 DAY/.test(m))).toBe(true);
    expect(t.lines.some((l) => /journal retention pruned old entries/.test(l.msg))).toBe(true);
    t.guard.stop();
  });

  it('at start, a wall clock long after the newest entry is unproven, and stays so across a restart', () => {
    const t = setup({ oldRx: T0 - 40 * DAY }); // the wall clock jumped while the gateway was off
    t.guard.start();
    expect(t.errors().some((m) => /CLOCK UNPROVEN AT START/.test(m))).toBe(true);
    t.guard.prune();
    expect(t.journal.stats().entries).toBe(1);
    t.guard.stop();
    expect(t.journal.getMeta('clock.unproven')).toMatch(/newest journal entry/);
  });
});
