import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../gateway/src/broker/throttle.js';

describe('FailureThrottle', () => {
  const opts = { free: 3, baseMs: 250, maxMs: 4000, windowMs: 60_000, maxKeys: 3 };
  it('lets the first failures through, then doubles the wait, capped', () => {
    const t = new FailureThrottle(opts);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      delays.push(t.delayFor('c1', 1000 + i));
      t.fail('c1', 1000 + i);
    }
    expect(delays).toEqual([0, 0, 0, 250, 500, 1000, 2000, 4000, 4000]);
  });
  it('forgets after the window and on success; keys are independent', () => {
    const t = new FailureThrottle(opts);
    for (let i = 0; i < 5; i++) t.fail('c1', 0);
    expect(t.delayFor('c1', 10)).toBe(1000); // 5 failures: the 6th attempt waits 250 * 2^2
    expect(t.delayFor('c2', 10)).toBe(0);
    expect(t.delayFor('c1', 60_001)).toBe(0);
    t.succeed('c1');
    expect(t.delayFor('c1', 20)).toBe(0);
  });
  it('bounds the number of remembered clients', () => {
    const t = new FailureThrottle(opts);
    for (const k of ['a', 'b', 'c', 'd']) for (let i = 0; i < 4; i++) t.fail(k, 0);
    expect(t.delayFor('a', 1)).toBe(0); // evicted
    expect(t.delayFor('d', 1)).toBe(500); // 4 failures: 250 * 2^1
  });
});
