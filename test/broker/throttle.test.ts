import { describe, expect, it } from 'vitest';
import { accountKey, addressKey, FailureThrottle } from '../../gateway/src/broker/throttle.js';

describe('FailureThrottle', () => {
  const opts = { free: 3, addressFree: 5, baseMs: 250, maxMs: 4000, windowMs: 60_000, maxKeys: 3 };
  /** Sequential attempts, each failing once answered: the wait each one was given. */
  const sequential = (t: FailureThrottle, keys: string[], n: number, start = 1000): (number | null)[] => {
    const waits: (number | null)[] = [];
    let now = start;
    for (let i = 0; i < n; i++) {
      const b = t.book(keys, now);
      waits.push(b ? b.waitMs : null);
      if (b) {
        now += b.waitMs;
        t.failed(b);
      }
      now += 1;
    }
    return waits;
  };

  it('lets the first failures through, then doubles the wait, capped', () => {
    const t = new FailureThrottle(opts);
    expect(sequential(t, ['acct:a'], 9)).toEqual([0, 0, 0, 250, 500, 1000, 2000, 4000, 4000]);
  });
  it('address keys allow more failures than account keys; the larger wait wins', () => {
    const t = new FailureThrottle(opts);
    expect(sequential(t, ['addr:1.2.3.4'], 7)).toEqual([0, 0, 0, 0, 0, 250, 500]);
    // another account from the hot address: its own key is cold, the address decides
    expect(t.book(['acct:b', 'addr:1.2.3.4'], 10_000)?.waitMs).toBe(1000);
  });
  it('attempts in flight count: parallel attempts are serialised, then refused unchecked', () => {
    const t = new FailureThrottle(opts);
    const waits = Array.from({ length: 8 }, () => t.book(['acct:a'], 0)?.waitMs ?? null);
    // slots: 0, 0, 0, 250, 250+500, 750+1000, 1750+2000; the next would be past maxMs
    expect(waits).toEqual([0, 0, 0, 250, 750, 1750, 3750, null]);
  });
  it('a success un-counts itself and resets only the reset keys', () => {
    const t = new FailureThrottle(opts);
    sequential(t, ['acct:a', 'addr:x'], 4);
    expect([t.load('acct:a', 5000), t.load('addr:x', 5000)]).toEqual([4, 4]);
    const b = t.book(['acct:a', 'addr:x'], 10_000);
    if (!b) throw new Error('refused');
    t.succeeded(b, ['acct:a']);
    expect([t.load('acct:a', 10_001), t.load('addr:x', 10_001)]).toEqual([0, 4]);
  });
  it('forgets after the window; bounds the keys it remembers', () => {
    const t = new FailureThrottle(opts);
    sequential(t, ['c1'], 5, 0);
    expect(t.load('c1', 1000)).toBe(5);
    expect(t.load('c1', 200_000)).toBe(0);
    expect(t.book(['c1'], 200_000)?.waitMs).toBe(0);
    for (const k of ['a', 'b', 'c', 'd']) sequential(t, [k], 4, 0);
    expect(t.size).toBe(3);
    expect(t.load('a', 1)).toBe(0); // evicted
    expect(t.load('d', 1)).toBe(4);
  });
});

describe('throttle keys', () => {
  it('IPv4-mapped addresses count as IPv4; IPv6 by /64', () => {
    expect(addressKey('::ffff:127.0.0.1')).toBe('addr:127.0.0.1');
    expect(addressKey('10.0.0.7')).toBe('addr:10.0.0.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2::ffff'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::1')).toBe('addr:0:0:0:0::/64');
    expect(addressKey(undefined)).toBeNull();
    expect(accountKey('U02-duty')).toBe('acct:U02-duty');
  });
});
