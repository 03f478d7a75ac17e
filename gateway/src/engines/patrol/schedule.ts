/**
 * Patrol schedules: `{ every, between: "HH:MM-HH:MM", grace }` in the site's
 * time zone. Slots are the window start plus whole multiples of `every`,
 * strictly before the window end. A window whose end is not after its start
 * runs past midnight ("20:00-06:00" opens on day D and closes on D+1).
 * Without `between` the window is the whole local day from 00:00.
 */
import { parseDuration, type RouteConfig } from '../../config/schema.js';
import { addDays, daysCovering, localInstant } from './time.js';

export interface PatrolSchedule {
  everyMs: number;
  graceMs: number;
  /** "HH:MM" */
  start: string;
  /** "HH:MM"; equal to start = a 24 h window */
  end: string;
}

export function scheduleOf(route: RouteConfig): PatrolSchedule | null {
  const s = route.schedule;
  if (!s) return null;
  const everyMs = parseDuration(s.every);
  if (everyMs <= 0) return null;
  const [start, end] = s.between ? (s.between.split('-') as [string, string]) : ['00:00', '00:00'];
  return { everyMs, graceMs: parseDuration(s.grace), start, end };
}

/** The window that opens on local date `day`: [start, end) in epoch ms. */
export function windowOf(s: PatrolSchedule, day: string, zone: string): [number, number] {
  const ws = localInstant(day, s.start, zone);
  const we = s.end > s.start ? localInstant(day, s.end, zone) : localInstant(addDays(day, 1), s.end, zone);
  return [ws, we];
}

/** Slot instants t with from < t <= to, ascending. */
export function slotsBetween(s: PatrolSchedule, zone: string, from: number, to: number): number[] {
  const out: number[] = [];
  if (to <= from) return out;
  for (const day of daysCovering(from, to, zone)) {
    const [ws, we] = windowOf(s, day, zone);
    if (we <= from || ws > to) continue;
    const kMin = Math.max(0, Math.floor((from - ws) / s.everyMs) + 1);
    for (let k = kMin; ; k++) {
      const t = ws + k * s.everyMs;
      if (t >= we || t > to) break;
      if (t > from) out.push(t);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The first slot strictly after t (looks up to three days ahead). */
export function nextSlotAfter(s: PatrolSchedule, zone: string, t: number): number | null {
  let best: number | null = null;
  for (const day of daysCovering(t, t + 3 * 86_400_000, zone)) {
    const [ws, we] = windowOf(s, day, zone);
    const k = Math.max(0, Math.floor((t - ws) / s.everyMs) + 1);
    const slot = ws + k * s.everyMs;
    if (slot < we && slot > t && (best === null || slot < best)) best = slot;
  }
  return best;
}
