/** The engine clock (monotonic, step detection, re-anchor) and the retention trust rule, with injected sources. */
import { describe, expect, it } from 'vitest';
import { decodeOp } from '../../gateway/src/ingest/ops.js';
import { type ClockSources, EngineClock } from '../../gateway/src/runtime/clock.js';
import { ClockTrust } from '../../gateway/src/runtime/clock-trust.js';
import { parseTopic } from '../../gateway/src/topics.js';
import { smallSite } from '../support/site.js';

const T0 = Date.parse('2026-11-28T20:00:00.000Z');
const H = 3_600_000;

/** Wall and monotonic sources under test control: advance() moves both, step() only the wall. */
function fakeSources(): ClockSources & { advance(ms: number): void; step(ms: number): void } {
  let wall = T0;
  let mono = 1_000;
  return {
    wall: () => wall,
    mono: () => mono,
    advance(ms) {
      wall += ms;
      mono += ms;
    },
    step(ms) {
      wall += ms;
    },
  };
}

describe('EngineClock', () => {
  it('follows elapsed monotonic time, not a wall step, until re-anchored', () => {
    const src = fakeSources();
    const clock = new EngineClock(src, 2000);
    src.advance(10_000);
    expect(clock.now()).toBe(T0 + 10_000);
    expect(clock.check()).toBeNull();
    src.step(-H);
    expect(clock.now()).toBe(T0 + 10_000);
    expect(clock.offsetMs()).toBe(-H);
    const step = clock.check();
    expect(step).toMatchObject({ from: T0 + 10_000, to: T0 + 10_000 - H, deltaMs: -H });
    src.advance(500); // the step's record is journaled meanwhile
    expect(clock.now()).toBe(T0 + 10_500);
    if (!step) throw new Error('no step');
    clock.reanchor(step);
    // engine time jumped by exactly the delta, and keeps the 500 ms that elapsed
    expect(clock.now()).toBe(T0 + 10_500 - H);
    expect(clock.offsetMs()).toBe(0);
    expect(clock.check()).toBeNull();
  });

  it('a difference within the threshold is not a step', () => {
    const src = fakeSources();
    const clock = new EngineClock(src, 2000);
    src.step(1999);
    expect(clock.check()).toBeNull();
    src.step(2);
    expect(clock.check()?.deltaMs).toBe(2001);
  });
});

describe('ClockTrust', () => {
  const opts = { stableMs: 24 * H, maxGapMs: 24 * H, thresholdMs: 2000 };

  it('a forward step makes the clock unproven until stable time or a confirm', () => {
    const t = new ClockTrust(opts, null, 0);
    expect(t.trusted(0)).toBe(true);
    t.onStep(-H, T0, 10); // backward: retention deletes less, still trusted
    expect(t.trusted(10)).toBe(true);
    t.onStep(40 * 24 * H, T0, 100);
    expect(t.trusted(100 + 23 * H)).toBe(false);
    t.onStep(-5000, T0, 100 + 23 * H); // any further step restarts the count
    expect(t.trusted(100 + 24 * H)).toBe(false);
    expect(t.view(100 + 24 * H).provenInMs).toBe(23 * H);
    expect(t.trusted(100 + 47 * H)).toBe(true);
    expect(t.serialize()).toBe('');
    t.onStep(10_000, T0, 0);
    expect(t.trusted(1)).toBe(false);
    t.confirm();
    expect(t.trusted(1)).toBe(true);
  });

  it('at start: a wall clock before, or long after, the newest journal entry is unproven', () => {
    expect(new ClockTrust(opts, null, 0).atStart(T0, null, 0)).toBeNull();
    expect(new ClockTrust(opts, null, 0).atStart(T0 + 2 * H, T0, 0)).toBeNull();
    const back = new ClockTrust(opts, null, 0);
    expect(back.atStart(T0 - H, T0, 0)).toMatch(/before the newest/);
    expect(back.trusted(0)).toBe(false);
    const fwd = new ClockTrust(opts, null, 0);
    expect(fwd.atStart(T0 + 40 * 24 * H, T0, 0)).toMatch(/after the newest/);
    expect(fwd.trusted(0)).toBe(false);
  });

  it('the unproven state survives a restart (serialized), and stable time counts again from the new start', () => {
    const t = new ClockTrust(opts, null, 0);
    t.onStep(40 * 24 * H, T0, 0);
    const saved = t.serialize();
    expect(saved).not.toBe('');
    const after = new ClockTrust(opts, saved, 5);
    expect(after.trusted(5 + 23 * H)).toBe(false);
    expect(after.trusted(5 + 24 * H)).toBe(true);
    expect(new ClockTrust(opts, 'garbage', 0).trusted(0)).toBe(false);
  });
});

describe('gp/v1/ops/clock', () => {
  const site = smallSite();
  const decode = (account: string, payload: unknown) => {
    const a = site.accounts.get(account);
    if (!a) throw new Error(`no account ${account}`);
    return decodeOp(parseTopic('gp/v1/ops/clock'), Buffer.from(JSON.stringify(payload)), a, site);
  };

  it('an admin confirms the clock; anyone else, or anything but confirm: true, is refused', () => {
    expect(decode('police-east', { confirm: true })).toEqual({
      ok: true,
      value: { op: 'clock', by: 'police-east', action: 'confirm' },
    });
    expect(decode('police-east', { confirm: 'yes' })).toMatchObject({ ok: false });
    const tech = site.config.operators.find((o) => o.role !== 'admin');
    if (tech) expect(decode(tech.id, { confirm: true })).toMatchObject({ ok: false, reason: /admin/ });
  });
});
