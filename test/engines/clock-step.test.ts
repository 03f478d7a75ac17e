/**
 * Engines on a clock step (the `clock` op, docs/operators.md "Clock faults"):
 * deadlines move with engine time, so an escalation fires ackTimeout after
 * the press in elapsed time across a backward and a forward step, and a
 * replay of the journal reproduces the shifted state.
 */
import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import { PatrolEngine } from '../../gateway/src/engines/patrol/index.js';
import { RollcallEngine } from '../../gateway/src/engines/rollcall/index.js';
import { SupervisionEngine } from '../../gateway/src/engines/supervision/index.js';
import type { OpInput } from '../../gateway/src/journal/types.js';
import { alertOf, Harness, heartbeat, loadSite, panic, publishes, T0 } from './alerts-harness.js';
import { Bench, MIN, T0 as PT0, tagTap } from './patrol-harness.js';

const H = 3_600_000;
const ACK_TIMEOUT = 2000; // U02's zone in the small site

function step(from: number, deltaMs: number): OpInput {
  return { op: 'clock', by: '@gateway', action: 'step', from, to: from + deltaMs, deltaMs };
}

function escalations(out: ReturnType<Harness['tick']>): string[] {
  return publishes(out)
    .filter((p) => alertOf(p).state === 'escalated')
    .map((p) => p.topic);
}

describe.each([
  ['back 1 h', -H],
  ['forward 40 days', 40 * 24 * H],
])('alert escalation across a wall step %s', (_name, delta) => {
  it('fires ackTimeout after the press in elapsed time, not before, and a replay gives the same state', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const h = new Harness([alerts], alerts);
    h.event(panic(site, 'U02-PANIC-1', 'pressed', T0));
    // 500 ms after the press the wall clock steps; engine time jumps by the delta with it
    h.op(step(T0 + 500, delta), T0 + 500);
    const t = (elapsed: number): number => T0 + elapsed + delta;
    expect(alerts.nextWakeAt()).toBe(t(ACK_TIMEOUT));
    expect(escalations(h.tick(t(ACK_TIMEOUT - 1)))).toEqual([]);
    const fired = escalations(h.tick(t(ACK_TIMEOUT)));
    expect(fired).toContain('gp/v1/zone/east/alert');

    // replay the same journal into a fresh engine: the same state
    const rebuilt = new AlertEngine(site);
    Harness.replay(h.journal, [rebuilt]);
    expect(rebuilt.list({ state: 'all' })).toEqual(alerts.list({ state: 'all' }));
    expect(rebuilt.nextWakeAt()).toBeNull();

    // a replay that stops before the escalation still has the shifted deadline
    const early = new AlertEngine(site);
    Harness.replay(h.journal.slice(0, 3), [early]); // event, raise record, clock op
    expect(early.nextWakeAt()).toBe(t(ACK_TIMEOUT));
  });

  it('an acknowledgement after the step measures the elapsed time since the press', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const h = new Harness([alerts], alerts);
    h.event(panic(site, 'U02-PANIC-1', 'pressed', T0));
    const id = alerts.list()[0]?.id ?? '';
    h.op(step(T0 + 500, delta), T0 + 500);
    h.op({ op: 'ack', id, by: 'U01-duty', unit: 'U01' }, T0 + 1500 + delta);
    expect(alerts.get(id)).toMatchObject({ state: 'acknowledged', ackMs: 1500 });
  });
});

describe('other deadlines move with engine time', () => {
  it('supervision: silence stays two heartbeat intervals of elapsed time across a backward step', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const sup = new SupervisionEngine(site, { startedAt: T0 });
    const h = new Harness([alerts, sup], alerts);
    for (const d of ['U01-PANIC-1', 'U02-PANIC-1', 'U03-PANIC-1', 'U11-PANIC-1'])
      h.event(heartbeat(site, d, T0));
    h.op(step(T0 + 1000, -H), T0 + 1000);
    expect(sup.nextWakeAt()).toBe(T0 + 120_000 - H);
    const early = h.tick(T0 + 119_000 - H);
    expect(sup.devices().filter((d) => d.heartbeatMs !== null && !d.online)).toEqual([]);
    expect(early).toEqual([]);
    h.tick(T0 + 120_000 - H);
    expect(sup.devices().filter((d) => d.heartbeatMs !== null && !d.online)).toHaveLength(4);
  });

  it('roll call: an open call closes at its deadline in elapsed time across a forward step', () => {
    const site = loadSite();
    const rc = new RollcallEngine(site);
    const h = new Harness([rc], null);
    h.op({ op: 'rollcall', by: 'police-east', zone: null, unit: 'U02', windowMs: 120_000 }, T0);
    const delta = 40 * 24 * H;
    h.op(step(T0 + 1000, delta), T0 + 1000);
    expect(rc.nextWakeAt()).toBe(T0 + 120_000 + delta);
    h.tick(T0 + 119_000 + delta);
    expect(rc.list()[0]?.state).toBe('open');
    h.tick(T0 + 120_000 + delta);
    expect(rc.list()[0]?.state).toBe('closed');
  });

  it('patrol: a tour limit stays maxDuration of elapsed time across a backward step', () => {
    const b = new Bench(loadSite(), new PatrolEngine(loadSite()));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', PT0));
    b.tick(PT0 + 10 * MIN); // the 20:00 slot: kept
    b.op(step(PT0 + 15 * MIN, -H), PT0 + 15 * MIN);
    expect(b.engine.nextWakeAt()).toBe(PT0 + 40 * MIN - H);
    expect(b.tick(PT0 + 40 * MIN - H - 1).records).toEqual([]);
    const missed = b.tick(PT0 + 40 * MIN - H).records;
    expect(missed.map((r) => r.type)).toEqual(['tour']);
  });

  it('patrol: schedule slots a forward step jumped over are not "not started"', () => {
    const b = new Bench(loadSite(), new PatrolEngine(loadSite()));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', PT0));
    b.tick(PT0 + 10 * MIN);
    b.op(step(PT0 + 15 * MIN, 6 * H), PT0 + 15 * MIN);
    const after = b.tick(PT0 + 16 * MIN + 6 * H).records;
    expect(after.filter((r) => r.type === 'schedule-missed')).toEqual([]);
  });
});
