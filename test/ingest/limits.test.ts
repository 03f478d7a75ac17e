/** Per-device limits (ingest/limits.ts): token bucket, panic floor, rolling-day quota, report thinning. */
import { describe, expect, it } from 'vitest';
import {
  DeviceLimits,
  JournalQuota,
  PANIC_FLOOR,
  ReportThrottle,
  TokenBuckets,
} from '../../gateway/src/ingest/limits.js';

const T0 = Date.parse('2026-11-28T20:00:00.000Z');

describe('TokenBuckets', () => {
  it('lets a burst through, then the rate, and refills with time', () => {
    const b = new TokenBuckets({ perSecond: 10, burst: 5 });
    const taken = Array.from({ length: 8 }, () => b.take('d', T0));
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
    expect(b.take('d', T0 + 99)).toBe(false); // 0.99 of a token
    expect(b.take('d', T0 + 100)).toBe(true);
    expect(b.take('d', T0 + 100)).toBe(false);
    // never more than the burst, however long it waited
    const later = Array.from({ length: 7 }, () => b.take('d', T0 + 3_600_000));
    expect(later.filter(Boolean)).toHaveLength(5);
  });
  it('keys are independent and bounded; a clock step back does not mint tokens', () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 1 }, 2);
    expect(b.take('a', T0)).toBe(true);
    expect(b.take('a', T0)).toBe(false);
    expect(b.take('b', T0)).toBe(true);
    expect(b.take('a', T0 - 60_000)).toBe(false);
    b.take('c', T0); // evicts 'a', the oldest
    expect(b.take('a', T0)).toBe(true);
  });
});

describe('JournalQuota', () => {
  it('counts bytes over a rolling day in hourly slots', () => {
    const q = new JournalQuota(1000);
    q.add('d', 600, T0);
    expect(q.allows('d', T0)).toBe(true);
    q.add('d', 400, T0 + 3_600_000);
    expect(q.allows('d', T0 + 3_600_000)).toBe(false);
    expect(q.allows('other', T0)).toBe(true);
    // 24 hours after the first slot it has rolled out
    expect(q.usedBytes('d', T0 + 24 * 3_600_000)).toBe(400);
    expect(q.allows('d', T0 + 24 * 3_600_000)).toBe(true);
  });
});

describe('DeviceLimits', () => {
  it('rejects over the rate with a clear reason, and over the quota', () => {
    const l = new DeviceLimits({ rate: { perSecond: 1, burst: 2 }, journalBytesPerDay: 100 });
    expect(l.check('d', false, T0)).toEqual({ ok: true });
    expect(l.check('d', false, T0)).toEqual({ ok: true });
    expect(l.check('d', false, T0)).toEqual({
      ok: false,
      reason: 'device rate limit exceeded (1/s, burst 2)',
    });
    l.journaled('d', 100, T0);
    const v = l.check('d', false, T0 + 5000);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(/journal quota exceeded/);
  });
  it('panics have their own bucket, never below the floor, and no quota', () => {
    const l = new DeviceLimits({ rate: { perSecond: 0.1, burst: 1 }, journalBytesPerDay: 1 });
    l.journaled('p', 10_000, T0);
    // the device's bulk bucket is empty and its quota spent: its panic still goes through
    expect(l.check('p', false, T0).ok).toBe(false);
    const presses = Array.from({ length: 1000 }, () => l.check('p', true, T0).ok);
    expect(presses[0]).toBe(true);
    expect(presses.filter(Boolean)).toHaveLength(PANIC_FLOOR.burst);
    expect(l.check('p', true, T0 + 1000 / PANIC_FLOOR.perSecond).ok).toBe(true);
  });
});

describe('ReportThrottle', () => {
  it('reports the first, then at most one a second with the number folded in', () => {
    const r = new ReportThrottle(1000);
    expect(r.report('k', T0)).toBe(0);
    expect(r.report('k', T0 + 10)).toBeNull();
    expect(r.report('k', T0 + 20)).toBeNull();
    expect(r.report('other', T0 + 20)).toBe(0);
    expect(r.report('k', T0 + 1000)).toBe(2);
  });
});
