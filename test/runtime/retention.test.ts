/**
 * Retention by class (journal/retention.ts, docs/operators.md "Retention"),
 * on an in-memory journal with the clock guard's injected clock: a heartbeat
 * older than the short retention is pruned while a 60-day-old alert record
 * (and the tap, the panic press and the roll-call answer of those days)
 * survives; records go at 90 days and never before raw entries; this run's
 * entries stay while its uptime is short; the raw walk is bounded, resumes
 * where it stopped, and the InfluxDB cursor is told what it loses.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalBody } from '../../gateway/src/journal/types.js';
import type { DeviceEvent } from '../../gateway/src/model/event.js';
import { type ClockSources, EngineClock } from '../../gateway/src/runtime/clock.js';
import { ClockGuard } from '../../gateway/src/runtime/clock-guard.js';

const T0 = Date.parse('2026-12-02T00:00:00.000Z');
const DAY = 86_400_000;

const base = { device: 'D1', zone: 'east', unit: 'U01', seq: 1, skewed: false, transport: 'mqtt' as const };
const event = (e: Partial<DeviceEvent> & { kind: DeviceEvent['kind'] }, at: number): JournalBody =>
  ({ type: 'event', event: { ...base, at, receivedAt: at, ...e } as DeviceEvent }) as JournalBody;
const heartbeat = (at: number) => event({ kind: 'heartbeat', battery: 90, rssi: -60, tamper: false }, at);
const status = (at: number) => event({ kind: 'status', status: 'online', seq: null }, at);
const tap = (at: number) =>
  event(
    { kind: 'tap', uid: '04D1E2F3', uidKind: 'tag', checkpoint: 'CP', guard: 'G1', route: null, tour: null },
    at,
  );
const panic = (at: number) => event({ kind: 'panic', state: 'pressed' }, at);
const alert = (_at: number): JournalBody =>
  ({
    type: 'alert',
    alert: { id: 'A-1', kind: 'panic', state: 'raised' },
    key: 'k',
    targets: ['U01'],
    escalateAt: null,
  }) as unknown as JournalBody;
const kindOf = (b: JournalBody): string => (b.type === 'event' ? b.event.kind : b.type);

/** A journal from earlier runs (entries at `daysAgo`), and a guard whose run started long ago on a trusted clock. */
function setup(
  entries: [number, (at: number) => JournalBody][],
  opts: { retentionDays?: number; recordDays?: number } = {},
) {
  const journal = new Journal({ path: ':memory:' });
  for (const [daysAgo, make] of entries) {
    const at = T0 - daysAgo * DAY;
    journal.append(make(at), at, at);
  }
  // yesterday's entry: the clock is not unproven at start (no long gap after the newest entry)
  journal.append(heartbeat(T0 - 3_600_000), T0 - 3_600_000, T0 - 3_600_000);
  let mono = 0;
  const src: ClockSources = { wall: () => T0 + mono, mono: () => mono };
  const lines: {
    level: number;
    msg: string;
    kind?: string;
    deleted?: number;
    cursor?: string;
    lost?: number;
  }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const guard = new ClockGuard({
    clock: new EngineClock(src, 2000),
    journal,
    logger,
    registry: new Registry(),
    operate: () => Promise.resolve(),
    rearm: () => undefined,
    retentionMs: (opts.retentionDays ?? 30) * DAY,
    ...(opts.recordDays !== undefined ? { recordRetentionMs: opts.recordDays * DAY } : {}),
    now: () => T0, // engine time for the cutoffs: fixed, ages stay as written
    thresholdMs: 2000,
    stableMs: DAY,
    maxGapMs: DAY,
  });
  guard.start();
  guard.stop();
  const kinds = (): string[] =>
    [...journal.iterateAfter(0)].map((e) => `${kindOf(e.body)}@${Math.round((T0 - e.at) / DAY)}`);
  return {
    journal,
    guard,
    lines,
    kinds,
    /** Uptime of this run (monotonic): beyond retention + 1 day, entries of earlier runs may go. */
    run(days: number) {
      mono += days * DAY;
    },
  };
}

describe('retention by class', () => {
  it('a 40-day-old heartbeat is pruned, a 60-day-old alert record survives; records go after 90 days', () => {
    const t = setup([
      [100, alert],
      [100, tap],
      [60, alert],
      [60, tap],
      [60, panic],
      [45, status],
      [40, heartbeat],
      [20, heartbeat],
    ]);
    t.run(100);
    t.guard.prune();
    expect(t.kinds()).toEqual(['alert@60', 'tap@60', 'panic@60', 'heartbeat@20', 'heartbeat@0']);
    const pruned = t.lines.filter((l) => l.msg === 'journal retention pruned old entries');
    expect(pruned.map((l) => [l.kind, l.deleted])).toEqual([
      ['records', 2],
      ['raw', 2],
    ]);
  });

  it('records are never kept less than raw entries', () => {
    const t = setup(
      [
        [70, alert],
        [70, heartbeat],
        [50, alert],
        [50, heartbeat],
      ],
      { retentionDays: 60, recordDays: 7 },
    );
    t.run(100);
    t.guard.prune();
    expect(t.kinds()).toEqual(['alert@50', 'heartbeat@50', 'heartbeat@0']);
  });

  it('entries of this run stay while its uptime is below retention + 1 day, whatever the clock says', () => {
    const t = setup([[60, alert]]);
    // journaled by this run, under a clock that said 40 days ago
    t.journal.append(heartbeat(T0 - 40 * DAY), T0 - 40 * DAY, T0 - 40 * DAY);
    t.run(10);
    t.guard.prune();
    expect(t.kinds()).toEqual(['alert@60', 'heartbeat@0', 'heartbeat@40']);
    expect(t.lines.some((l) => l.level >= 50 && /YOUNGER THAN RETENTION \+ 1 DAY/.test(l.msg))).toBe(true);
  });

  it('the raw walk is bounded, resumes where it stopped, and tells a cursor what it loses', () => {
    const j = new Journal({ path: ':memory:' });
    for (let i = 0; i < 50; i++)
      j.append(i % 2 ? heartbeat(T0 - 40 * DAY) : tap(T0 - 40 * DAY), T0, T0 - 40 * DAY);
    j.setCursor('influx', 10);
    expect(j.pruneRaw(T0 - 30 * DAY, Number.MAX_SAFE_INTEGER, 20)).toMatchObject({
      deleted: 10,
      more: true,
      unconsumed: { influx: 5 },
    });
    expect(j.pruneRaw(T0 - 30 * DAY, Number.MAX_SAFE_INTEGER, 20)).toMatchObject({ deleted: 10, more: true });
    expect(j.pruneRaw(T0 - 30 * DAY, Number.MAX_SAFE_INTEGER, 20)).toMatchObject({ deleted: 5, more: false });
    expect(j.stats().entries).toBe(25); // the taps
    expect(j.pruneRaw(T0 - 30 * DAY)).toMatchObject({ deleted: 0 });
    // the newest raw entry went: seqs are never handed out twice
    expect(j.lastSeq()).toBe(50);
  });
});
