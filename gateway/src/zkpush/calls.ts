/**
 * Which roll call a terminal punch answers. A push terminal knows nothing of
 * roll calls: a guard punches as for attendance, and the punch answers the
 * open call of the terminal's unit whose window holds the punch's terminal
 * time (docs/zkpush.md, "Roll calls"). The open calls are followed from the
 * journal (start and result records, clock steps), the same entries the
 * roll-call engine is built from, without asking the engine on every post.
 * Pure: entries and times in.
 */
import { clockStepOf } from '../engines/clock-step.js';
import type { JournalEntry } from '../journal/types.js';

/** A terminal clock this far off the window edges still counts (a few seconds of drift are normal). */
export const CLOCK_TOLERANCE_MS = 60_000;
const MAX_CALLS = 500;

interface OpenCall {
  call: string;
  startedAt: number;
  deadline: number;
  units: Set<string>;
  closed: Set<string>;
}

export interface CallSeed {
  call: string;
  startedAt: number;
  deadline: number;
  units: string[];
}

export class OpenCalls {
  private readonly calls = new Map<string, OpenCall>();

  seed(c: CallSeed): void {
    if (this.calls.has(c.call)) return;
    this.calls.set(c.call, { ...c, units: new Set(c.units), closed: new Set() });
    if (this.calls.size > MAX_CALLS) {
      const oldest = this.calls.keys().next().value;
      if (oldest !== undefined) this.calls.delete(oldest);
    }
  }

  /** Follow committed entries: starts, per-unit results, clock steps (open deadlines move with engine time). */
  observe(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      const b = e.body;
      const step = clockStepOf(e);
      if (step !== null) for (const c of this.calls.values()) c.deadline += step;
      else if (b.type === 'rollcall-start') this.seed(b.call);
      else if (b.type === 'rollcall-result') {
        const c = this.calls.get(b.result.call);
        if (!c) continue;
        c.closed.add(b.result.unit);
        if ([...c.units].every((u) => c.closed.has(u))) this.calls.delete(c.call);
      }
    }
  }

  /**
   * The call a punch at `at` (terminal time) received at `now` answers for
   * `unit`: open for the unit, started before it was received, its window
   * holding the punch (± the tolerance); the latest such call. null: an
   * attendance punch outside any roll call.
   */
  answerFor(
    unit: string,
    at: number,
    now: number,
  ): { call: string; startedAt: number; deadline: number } | null {
    let best: OpenCall | null = null;
    for (const c of this.calls.values()) {
      if (!c.units.has(unit) || c.closed.has(unit)) continue;
      if (now < c.startedAt - CLOCK_TOLERANCE_MS) continue;
      if (at < c.startedAt - CLOCK_TOLERANCE_MS || at > c.deadline + CLOCK_TOLERANCE_MS) continue;
      if (!best || c.startedAt > best.startedAt) best = c;
    }
    return best ? { call: best.call, startedAt: best.startedAt, deadline: best.deadline } : null;
  }

  /** Calls long past their deadline are forgotten (their results may have been missed at a restart). */
  prune(now: number): void {
    for (const c of this.calls.values()) if (c.deadline < now - 3_600_000) this.calls.delete(c.call);
  }

  get size(): number {
    return this.calls.size;
  }
}

/** The open calls in `GET /api/rollcalls` views (at start: what the journal rebuilt). */
export function seedsFromViews(views: readonly unknown[]): CallSeed[] {
  const out: CallSeed[] = [];
  for (const v of views) {
    if (typeof v !== 'object' || v === null) continue;
    const r = v as Record<string, unknown>;
    if (r.state !== 'open' || typeof r.call !== 'string' || !Array.isArray(r.units)) continue;
    const startedAt = Date.parse(String(r.startedAt));
    const deadline = Date.parse(String(r.deadline));
    if (!Number.isFinite(startedAt) || !Number.isFinite(deadline)) continue;
    const units = r.units
      .map((u: unknown) => (typeof u === 'object' && u !== null ? (u as Record<string, unknown>).unit : null))
      .filter((u): u is string => typeof u === 'string');
    out.push({ call: r.call, startedAt, deadline, units });
  }
  return out;
}
