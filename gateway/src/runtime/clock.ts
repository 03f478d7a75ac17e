/**
 * The engines' clock: wall time at the last anchor plus monotonic time
 * elapsed since, so a step of the wall clock (NTP correction, RTC reset, an
 * operator's `date -s`) does not move escalation, supervision, roll-call and
 * tour deadlines. check() compares it with the wall clock; a difference
 * beyond the threshold is a step, which the runtime journals (a `clock` op,
 * engines shift their deadlines by its delta) and then re-anchors here, so
 * engine time follows wall time again (schedules are wall-clock).
 * Pure apart from the two injected sources.
 */

export interface ClockSources {
  /** Wall clock, epoch ms (Date.now). */
  wall(): number;
  /** Monotonic clock, ms from an arbitrary origin (performance.now). */
  mono(): number;
}

export interface ClockStep {
  /** Engine time when the step was seen, epoch ms. */
  from: number;
  /** Wall time at the same instant: what engine time becomes. */
  to: number;
  deltaMs: number;
  /** Monotonic time of the observation (re-anchor point). */
  mono: number;
}

export const systemSources: ClockSources = {
  wall: () => Date.now(),
  mono: () => performance.now(),
};

export class EngineClock {
  private anchorWall: number;
  private anchorMono: number;

  constructor(
    private readonly src: ClockSources,
    private readonly thresholdMs: number,
  ) {
    this.anchorMono = src.mono();
    this.anchorWall = src.wall();
  }

  /** Engine time, epoch ms: never moves with a wall step until re-anchored. */
  now(): number {
    return this.at(this.src.mono());
  }

  /** Monotonic ms since an arbitrary origin (trust rule, prune checks). */
  mono(): number {
    return this.src.mono();
  }

  /** Wall minus engine time, ms (positive: the wall clock is ahead). */
  offsetMs(): number {
    const m = this.src.mono();
    return this.src.wall() - this.at(m);
  }

  /** A step when the wall clock is more than the threshold away from engine time, else null. */
  check(): ClockStep | null {
    const m = this.src.mono();
    const wall = this.src.wall();
    const from = this.at(m);
    const deltaMs = wall - from;
    if (Math.abs(deltaMs) <= this.thresholdMs) return null;
    return { from, to: wall, deltaMs, mono: m };
  }

  /** Engine time jumps by exactly step.deltaMs: call once the step's record is journaled. */
  reanchor(step: ClockStep): void {
    this.anchorWall = step.to;
    this.anchorMono = step.mono;
  }

  private at(mono: number): number {
    return Math.floor(this.anchorWall + (mono - this.anchorMono));
  }
}
