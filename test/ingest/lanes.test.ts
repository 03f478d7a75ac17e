/**
 * The priority lane (ingest/lanes.ts, pipeline.ts): in one turn, panics and
 * operator inputs are committed and fanned out before the bulk, bulk goes in
 * bounded slices, and in the journal's reserve bulk is refused while alarms
 * are accepted; quotas survive a restart. A real pipeline and engines over an in-memory journal.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createEngineSet } from '../../gateway/src/engines/index.js';
import { EngineRunner, type OutboundEffect } from '../../gateway/src/engines/runner.js';
import { Lanes, laneOf } from '../../gateway/src/ingest/lanes.js';
import { DeviceLimits } from '../../gateway/src/ingest/limits.js';
import { Pipeline, RefusedError } from '../../gateway/src/ingest/pipeline.js';
import { JournalRoom } from '../../gateway/src/ingest/room.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalEntry } from '../../gateway/src/journal/types.js';
import { createMetrics } from '../../gateway/src/metrics.js';
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import { topics } from '../../gateway/src/topics.js';
import { smallSite } from '../support/site.js';

const T0 = Date.parse('2026-11-28T20:00:00.000Z');
const log = pino({ level: 'silent' });

describe('Lanes', () => {
  it('sorts inputs: operator inputs and panics are priority, the rest bulk', () => {
    expect(laneOf({ type: 'op' })).toBe('priority');
    expect(laneOf({ type: 'message', kind: 'panic' })).toBe('priority');
    for (const kind of ['tap', 'heartbeat', 'status', 'rollcall'])
      expect(laneOf({ type: 'message', kind })).toBe('bulk');
  });
  it('takes all priority, then one bounded slice of bulk; what is returned comes first next', () => {
    const l = new Lanes<string>({ maxPriority: 10, maxBulk: 3 });
    for (const x of ['b1', 'b2', 'b3', 'b4', 'b5']) l.push(x, 'bulk');
    l.push('p1', 'priority');
    expect(l.takePriority()).toEqual(['p1']);
    const slice = l.takeBulk();
    expect(slice).toEqual(['b1', 'b2', 'b3']);
    l.returnBulk(['b3']);
    expect(l.takeBulk()).toEqual(['b3', 'b4', 'b5']);
    expect(l.size).toBe(0);
  });
});

function setup(opts: { maxBytes?: number; reserveBytes?: number } = {}) {
  const site = smallSite();
  const journal = new Journal({ path: ':memory:', ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}) });
  const runner = new EngineRunner(() => createEngineSet(site, T0), log);
  const out: string[] = [];
  const room =
    opts.maxBytes !== undefined
      ? new JournalRoom({
          capBytes: opts.maxBytes,
          reserveBytes: opts.reserveBytes ?? 0,
          ballastPath: null,
          ballastBytes: 0,
          usedBytes: () => journal.usedBytes(),
          logger: log,
        })
      : undefined;
  const pipeline = new Pipeline({
    site,
    journal,
    runner,
    logger: log,
    metrics: createMetrics(),
    out: {
      committed: (entries: readonly JournalEntry[], effects: readonly OutboundEffect[]) => {
        for (const e of effects) if (e.type === 'publish') out.push(e.topic);
        for (const e of entries) {
          if (e.body.type === 'event') {
            const ev = e.body.event;
            out.push(topics.event(ev.kind, ev.zone, ev.unit));
          }
        }
      },
      publish: async (topic: string) => {
        out.push(topic);
      },
    },
    now: () => T0,
    turn: { maxPriority: 100, maxBulk: 50 },
    ...(room ? { room } : {}),
  });
  return { pipeline, journal, out };
}

const tap = (seq: number): DeviceMessage => ({
  kind: 'tap',
  device: 'G001-WAND',
  uid: '04D1E2F3',
  seq,
  ts: null,
});
const panic = (seq: number): DeviceMessage => ({
  kind: 'panic',
  device: 'U01-PANIC-1',
  state: 'pressed',
  seq,
  ts: null,
});
const origin = (topic: string) => ({ transport: 'mqtt' as const, topic, qos: 1 as const });

describe('the pipeline turn', () => {
  it('commits and fans out a panic queued behind 200 taps before any of them; bulk in slices', () => {
    const { pipeline, journal, out } = setup();
    const taps = Array.from({ length: 200 }, (_, i) =>
      pipeline.accept(tap(i + 1), origin('gp/v1/dev/G001-WAND/tap')),
    );
    const pressed = pipeline.accept(panic(1), origin('gp/v1/dev/U01-PANIC-1/panic'));
    pipeline.flush(); // one turn, called directly
    const firstTap = out.indexOf('gp/v1/events/tap/east/U02');
    const alert = out.indexOf('gp/v1/unit/U01/alert');
    const panicEvent = out.indexOf('gp/v1/events/panic/east/U01');
    expect(alert).toBeGreaterThanOrEqual(0);
    expect(alert).toBeLessThan(panicEvent); // the alert before the republish of its event
    expect(panicEvent).toBeLessThan(firstTap);
    // the panic is journaled first, and at most one slice of taps in this turn (50 inputs, fewer
    // when the slice's 20 ms budget runs out first on a busy machine)
    const events = journal.readAfter(0, 1000).filter((e) => e.body.type === 'event');
    expect(events[0]?.body.type === 'event' && events[0].body.event.kind).toBe('panic');
    expect(events.length).toBeGreaterThan(1);
    expect(events.length).toBeLessThanOrEqual(1 + 50);
    while (out.filter((t) => t.startsWith('gp/v1/events/tap/')).length < 200) pipeline.flush();
    return Promise.all([pressed, ...taps]).then((results) => {
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
    });
  });

  it('in the reserve: taps refused (not acknowledged), a panic and its ack accepted', async () => {
    const cap = 512 * 1024;
    const { pipeline, journal } = setup({ maxBytes: cap, reserveBytes: 128 * 1024 });
    let seq = 0;
    let refused: unknown = null;
    while (refused === null && seq < 20_000) {
      const batch = Array.from({ length: 50 }, () =>
        pipeline.accept(tap(++seq), origin('gp/v1/dev/G001-WAND/tap')).then(
          () => null,
          (err: unknown) => err,
        ),
      );
      pipeline.flush();
      refused = (await Promise.all(batch)).find((e) => e !== null) ?? null;
    }
    expect(refused).toBeInstanceOf(RefusedError);
    expect(journal.usedBytes()).toBeLessThan(cap);
    const pressed = pipeline.accept(panic(1), origin('gp/v1/dev/U01-PANIC-1/panic'));
    pipeline.flush();
    expect(await pressed).toMatchObject({ status: 'accepted' });
    const alerts = journal.readAfter(0, 100_000).filter((e) => e.body.type === 'alert');
    expect(alerts).toHaveLength(1);
    const id = alerts[0]?.body.type === 'alert' ? alerts[0].body.alert.id : '';
    const acked = pipeline.operate({ op: 'ack', id, by: 'U02-duty', unit: 'U02' });
    pipeline.flush();
    await acked;
    const states = journal
      .readAfter(0, 100_000)
      .flatMap((e) => (e.body.type === 'alert' ? [e.body.alert.state] : []));
    expect(states).toEqual(['raised', 'acknowledged']);
    // and taps are still refused
    const late = pipeline.accept(tap(++seq), origin('gp/v1/dev/G001-WAND/tap'));
    pipeline.flush();
    await expect(late).rejects.toBeInstanceOf(RefusedError);
  });
});

describe('journal quotas at start', () => {
  it('are rebuilt from the last day of the journal: a device over its quota stays over it', async () => {
    const site = smallSite();
    const journal = new Journal({ path: ':memory:' });
    const make = (limits: DeviceLimits) =>
      new Pipeline({
        site,
        journal,
        runner: new EngineRunner(() => createEngineSet(site, T0), log),
        logger: log,
        metrics: createMetrics(),
        out: { committed: () => undefined, publish: async () => undefined },
        now: () => T0,
        limits,
      });
    const first = make(new DeviceLimits({ journalBytesPerDay: 10_000 }));
    const sent = Array.from({ length: 40 }, (_, i) =>
      first.accept(tap(i + 1), origin('gp/v1/dev/G001-WAND/tap')),
    );
    first.flush();
    await Promise.all(sent);
    const over = await first.accept(tap(41), origin('gp/v1/dev/G001-WAND/tap'));
    expect(over).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/quota/) });
    // a restart: fresh limits, rebuilt from the journal
    const limits = new DeviceLimits({ journalBytesPerDay: 10_000 });
    make(limits).warmUpQuotas();
    expect(limits.check('G001-WAND', false, T0)).toMatchObject({ ok: false });
    expect(limits.check('U02-READER-1', false, T0)).toEqual({ ok: true });
  });
});
