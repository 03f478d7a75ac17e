/**
 * Login back-off shared by every way in (MQTT CONNECT on all transports, HTTP
 * Basic): each attempt is booked under several keys (the account and the
 * source address) and answered at the latest slot any of them gives. Pure:
 * the caller passes the time and does the waiting.
 *
 * Per key: after `free` failures (attempts still being checked count as
 * failures until they succeed, so parallel connections do not get a free
 * burst), each further attempt waits base * 2^(n - free) ms (capped at maxMs)
 * after the later of its arrival and the key's previous slot: attempts on a
 * hot key are serialised, whatever the number of connections. An attempt
 * whose slot would be more than maxMs away is refused unchecked. Failures
 * are forgotten `windowMs` after a key's last attempt.
 */
import { isIPv6 } from 'node:net';
import { backoffCeiling } from '../runtime/backoff.js';

export interface ThrottleOptions {
  /** Failures let through without delay, per account key. */
  free: number;
  /** Failures let through without delay, per address key (many accounts may share an address). */
  addressFree: number;
  baseMs: number;
  maxMs: number;
  windowMs: number;
  /** Remembered keys at most (least recently used forgotten first). */
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  free: 3,
  addressFree: 20,
  baseMs: 250,
  maxMs: 10_000,
  windowMs: 15 * 60_000,
  maxKeys: 100_000,
};

interface KeyState {
  failures: number;
  inflight: number;
  /** When the latest booked attempt under this key is answered. */
  slot: number;
  /** Last attempt (for the window). */
  last: number;
}

/** A booked attempt: `waitMs` before checking it; settle it with succeeded() or failed(). */
export interface Booking {
  keys: readonly string[];
  waitMs: number;
}

export class FailureThrottle {
  private readonly state = new Map<string, KeyState>();
  readonly opts: ThrottleOptions;

  constructor(opts: Partial<ThrottleOptions> = {}) {
    this.opts = { ...DEFAULT_THROTTLE, ...opts };
  }

  /** The wait a key imposes on an attempt that has `load` failures (booked or recorded) before it. */
  gap(load: number, free: number): number {
    const over = load - free;
    return over < 0 ? 0 : backoffCeiling(over, this.opts);
  }

  /**
   * Books an attempt under `keys` (`addr:` keys use addressFree). null: the
   * slot is more than maxMs away, refuse without checking (already counted
   * as a failure).
   */
  book(keys: readonly string[], now: number): Booking | null {
    let at = now;
    const states = keys.map((k) => this.touch(k, now));
    states.forEach((s, i) => {
      const g = this.gap(s.failures + s.inflight, this.freeFor(keys[i] ?? ''));
      if (g > 0) at = Math.max(at, Math.max(now, s.slot) + g);
    });
    if (at - now > this.opts.maxMs) {
      for (const s of states) s.failures += 1;
      return null;
    }
    for (const s of states) {
      s.inflight += 1;
      s.slot = Math.max(s.slot, at);
    }
    return { keys, waitMs: at - now };
  }

  failed(b: Booking): void {
    for (const k of b.keys) {
      const s = this.state.get(k);
      if (!s) continue;
      s.inflight = Math.max(0, s.inflight - 1);
      s.failures += 1;
    }
  }

  /** The attempt was right: un-count it; `reset` keys (the account) forget their failures. */
  succeeded(b: Booking, reset: readonly string[]): void {
    for (const k of b.keys) {
      const s = this.state.get(k);
      if (s) s.inflight = Math.max(0, s.inflight - 1);
    }
    this.reset(reset);
  }

  /** Forget keys' failures (a correct login not booked: known-good credentials). */
  reset(keys: readonly string[]): void {
    for (const k of keys) {
      const s = this.state.get(k);
      if (!s) continue;
      if (s.inflight === 0) this.state.delete(k);
      else s.failures = 0;
    }
  }

  /** Failures recorded and attempts in flight under a key (tests, diagnostics). */
  load(key: string, now: number): number {
    const s = this.state.get(key);
    if (!s || this.expired(s, now)) return 0;
    return s.failures + s.inflight;
  }

  get size(): number {
    return this.state.size;
  }

  private freeFor(key: string): number {
    return key.startsWith('addr:') ? this.opts.addressFree : this.opts.free;
  }

  private expired(s: KeyState, now: number): boolean {
    return s.inflight === 0 && now - s.last > this.opts.windowMs;
  }

  /** The key's state, fresh if unknown or expired, moved to the most recently used end. */
  private touch(key: string, now: number): KeyState {
    let s = this.state.get(key);
    if (s) this.state.delete(key);
    if (!s || this.expired(s, now)) s = { failures: 0, inflight: 0, slot: 0, last: now };
    s.last = now;
    while (this.state.size >= this.opts.maxKeys) {
      const oldest = this.state.keys().next();
      if (oldest.done) break;
      this.state.delete(oldest.value);
    }
    this.state.set(key, s);
    return s;
  }
}

/**
 * The throttle key of a source address: IPv4-mapped IPv6 as IPv4, other IPv6
 * by its /64 (one host usually holds a whole /64). null when unknown.
 */
export function addressKey(address: string | null | undefined): string | null {
  if (!address) return null;
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!isIPv6(a)) return `addr:${a}`;
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `addr:${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function accountKey(username: string): string {
  return `acct:${username}`;
}
