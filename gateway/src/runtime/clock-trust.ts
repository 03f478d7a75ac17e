/**
 * Whether retention may trust the clock (docs/operators.md "Clock faults").
 * A forward step makes every entry look older than it is, so retention
 * would delete what it must keep. The clock becomes "unproven" on a forward
 * step seen live, or at start when the wall clock is before the newest
 * journal entry or more than `maxGapMs` after it; it is proven again by an
 * operator's confirm or by `stableMs` of monotonic time without a further
 * step (counted within one run: a restart starts the count again).
 * Pure: the runtime persists serialize() in journal meta and logs.
 */

export interface TrustOptions {
  stableMs: number;
  /** At start, a wall clock more than this after the newest entry is unproven. */
  maxGapMs: number;
  /** At start, a wall clock more than this before the newest entry is unproven. */
  thresholdMs: number;
}

export interface Unproven {
  reason: string;
  /** Engine time when it became unproven, epoch ms. */
  at: number;
}

export interface TrustView {
  trusted: boolean;
  unproven: Unproven | null;
  /** Monotonic ms left before stable time proves the clock; null when trusted. */
  provenInMs: number | null;
}

export class ClockTrust {
  private unproven: Unproven | null;
  /** Monotonic time from which stable time counts. */
  private stableFrom: number;

  constructor(
    private readonly opts: TrustOptions,
    persisted: string | null,
    mono: number,
  ) {
    this.unproven = parse(persisted);
    this.stableFrom = mono;
  }

  /** Start-up check against the newest journal entry; returns the reason when it makes the clock unproven. */
  atStart(wall: number, newestRx: number | null, mono: number): string | null {
    if (newestRx === null) return null;
    let reason: string | null = null;
    if (wall < newestRx - this.opts.thresholdMs)
      reason = `wall clock ${iso(wall)} is before the newest journal entry (${iso(newestRx)})`;
    else if (wall > newestRx + this.opts.maxGapMs)
      reason = `wall clock ${iso(wall)} is more than ${hours(this.opts.maxGapMs)} h after the newest journal entry (${iso(newestRx)})`;
    if (reason) this.mark(reason, wall, mono);
    return reason;
  }

  /** A step seen live: a forward one makes the clock unproven; any step restarts the stable count. */
  onStep(deltaMs: number, at: number, mono: number): void {
    if (deltaMs > 0) this.mark(`wall clock stepped forward by ${Math.round(deltaMs / 1000)} s`, at, mono);
    else if (this.unproven) this.stableFrom = mono;
  }

  confirm(): void {
    this.unproven = null;
  }

  /** Trusted now? Stable time past `stableMs` proves the clock (then serialize() changes). */
  trusted(mono: number): boolean {
    if (this.unproven && mono - this.stableFrom >= this.opts.stableMs) this.unproven = null;
    return this.unproven === null;
  }

  view(mono: number): TrustView {
    const trusted = this.trusted(mono);
    return {
      trusted,
      unproven: this.unproven ? { ...this.unproven } : null,
      provenInMs: trusted ? null : Math.max(0, this.stableFrom + this.opts.stableMs - mono),
    };
  }

  serialize(): string {
    return this.unproven ? JSON.stringify(this.unproven) : '';
  }

  private mark(reason: string, at: number, mono: number): void {
    this.unproven ??= { reason, at };
    this.stableFrom = mono;
  }
}

function parse(s: string | null): Unproven | null {
  if (!s) return null;
  try {
    const o = JSON.parse(s) as unknown;
    if (typeof o === 'object' && o !== null && 'reason' in o && 'at' in o) {
      const { reason, at } = o as Record<string, unknown>;
      if (typeof reason === 'string' && typeof at === 'number') return { reason, at };
    }
  } catch {
    // unreadable: stay on the safe side
  }
  return { reason: 'unreadable clock state in the journal', at: 0 };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const hours = (ms: number): number => Math.round(ms / 3_600_000);
