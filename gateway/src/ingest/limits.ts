/**
 * Per-device limits of the data path (docs/operators.md, "Limits"): a token
 * bucket on the message rate and a quota on the bytes journaled per rolling
 * day, so one flooding device can neither starve the others nor fill the
 * disk. Panic presses have their own bucket with a floor the configuration
 * cannot go below, and no quota: a stuck panic button still gets its first
 * presses through. Pure: the clock is passed in.
 */

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Defaults: far above any real device (a reader taps a few times a minute, heartbeats are ≥ 1 s apart). */
export const DEFAULT_DEVICE_RATE: RateLimit = { perSecond: 20, burst: 100 };
/** Panic presses are never limited below this, whatever the configuration says. */
export const PANIC_FLOOR: RateLimit = { perSecond: 5, burst: 20 };
/**
 * Console and operator inputs (ack, resolve, view, take, checklist, ops) per
 * account: a person taps a few times a minute; a script clearing a wall stays
 * well inside. A flood from one console is refused before it reaches the
 * priority lane, where it would sit beside panics (docs/alerts.md "Priority lane").
 */
export const DEFAULT_ACCOUNT_RATE: RateLimit = { perSecond: 10, burst: 60 };
/** Default journal quota per device and rolling day. */
export const DEFAULT_DEVICE_JOURNAL_MB_PER_DAY = 32;

const HOUR = 3_600_000;
const DAY_HOURS = 24;

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by device; the number of keys is bounded (oldest forgotten first). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
  ) {}

  /** Take one token for `key` at `now`; false when the bucket is empty. */
  take(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    }
    const elapsed = Math.max(0, now - b.at) / 1000;
    b.tokens = Math.min(this.limit.burst, b.tokens + elapsed * this.limit.perSecond);
    b.at = Math.max(b.at, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Bytes journaled per device over a rolling day, counted in hourly slots. */
export class JournalQuota {
  private readonly used = new Map<string, Map<number, number>>();

  constructor(private readonly bytesPerDay: number) {}

  /** True while the device has journaled less than its quota over the last 24 hours. */
  allows(device: string, now: number): boolean {
    return this.usedBytes(device, now) < this.bytesPerDay;
  }

  usedBytes(device: string, now: number): number {
    const slots = this.used.get(device);
    if (!slots) return 0;
    const first = Math.floor(now / HOUR) - DAY_HOURS + 1;
    let total = 0;
    for (const [hour, bytes] of slots) {
      if (hour < first) slots.delete(hour);
      else total += bytes;
    }
    return total;
  }

  add(device: string, bytes: number, at: number): void {
    let slots = this.used.get(device);
    if (!slots) {
      slots = new Map();
      this.used.set(device, slots);
    }
    const hour = Math.floor(at / HOUR);
    slots.set(hour, (slots.get(hour) ?? 0) + bytes);
  }
}

export interface LimitOptions {
  rate?: RateLimit;
  /** Console / operator inputs per account (default DEFAULT_ACCOUNT_RATE). */
  accountRate?: RateLimit;
  journalBytesPerDay?: number;
}

export type LimitVerdict = { ok: true } | { ok: false; reason: string };

/** The limits one device message goes through before it is queued for the journal. */
export class DeviceLimits {
  private readonly bulk: TokenBuckets;
  private readonly panic: TokenBuckets;
  private readonly quota: JournalQuota;
  private readonly accounts: TokenBuckets;
  private readonly accountRate: RateLimit;
  private readonly rate: RateLimit;
  private readonly bytesPerDay: number;

  constructor(opts: LimitOptions = {}) {
    this.rate = opts.rate ?? DEFAULT_DEVICE_RATE;
    this.accountRate = opts.accountRate ?? DEFAULT_ACCOUNT_RATE;
    this.accounts = new TokenBuckets(this.accountRate, 10_000);
    this.bytesPerDay = opts.journalBytesPerDay ?? DEFAULT_DEVICE_JOURNAL_MB_PER_DAY * 1024 * 1024;
    this.bulk = new TokenBuckets(this.rate);
    this.panic = new TokenBuckets({
      perSecond: Math.max(this.rate.perSecond, PANIC_FLOOR.perSecond),
      burst: Math.max(this.rate.burst, PANIC_FLOOR.burst),
    });
    this.quota = new JournalQuota(this.bytesPerDay);
  }

  /** `key` identifies the device (unknown devices share one key, so the map stays bounded). */
  check(key: string, panic: boolean, now: number): LimitVerdict {
    if (panic) {
      return this.panic.take(key, now)
        ? { ok: true }
        : { ok: false, reason: 'device rate limit exceeded (panic presses)' };
    }
    if (!this.bulk.take(key, now)) {
      return {
        ok: false,
        reason: `device rate limit exceeded (${this.rate.perSecond}/s, burst ${this.rate.burst})`,
      };
    }
    if (!this.quota.allows(key, now)) {
      const mb = Math.round((this.bytesPerDay / 1024 / 1024) * 10) / 10;
      return { ok: false, reason: `device journal quota exceeded (${mb} MB per day)` };
    }
    return { ok: true };
  }

  /** An operator / console input of `account` (the gateway's own `@…` inputs are never limited). */
  checkAccount(account: string, now: number): LimitVerdict {
    if (account.startsWith('@') || this.accounts.take(account, now)) return { ok: true };
    const r = this.accountRate;
    return { ok: false, reason: `account rate limit exceeded (${r.perSecond}/s, burst ${r.burst})` };
  }

  /** Count bytes journaled for a device (after commit, or at start from the journal). */
  journaled(device: string, bytes: number, at: number): void {
    this.quota.add(device, bytes, at);
  }
}

/**
 * Reports of one (device, reason) are thinned out: the first goes out, then
 * at most one per `everyMs` carrying how many were folded into it, so a
 * flood of rejects does not become a flood of logs and reject messages.
 * Counting (the metric) is not thinned.
 */
export class ReportThrottle {
  private readonly last = new Map<string, { at: number; folded: number }>();

  constructor(
    private readonly everyMs = 1000,
    private readonly maxKeys = 10_000,
  ) {}

  /** null: fold this one in; a number: report now, with that many folded since the last report. */
  report(key: string, now: number): number | null {
    const l = this.last.get(key);
    if (l && now - l.at < this.everyMs) {
      l.folded++;
      return null;
    }
    if (!l && this.last.size >= this.maxKeys) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    const folded = l?.folded ?? 0;
    this.last.set(key, { at: now, folded: 0 });
    return folded;
  }
}
