/**
 * Anti-fake-patrol checks of one tap (docs/patrol-and-rollcall.md
 * "Anti-fake patrol"). Pure: the tap, the rules and what the engine knows
 * in, the exceptions out. The engine runs them in annotate(), before the tap
 * is journaled, so the exceptions are part of the event and a replay reads
 * them instead of deciding again.
 */
import type { Site } from '../../config/site.js';
import type { TapEvent } from '../../model/event.js';
import type { PatrolException, PatrolRules } from './rules.js';
import type { Visit } from './tour.js';

export interface LastTap {
  uid: string;
  at: number;
  checkpoint: string;
  guard: string | null;
}

/** A fixed reader read the tag of another checkpoint: the tag or the reader was moved. */
export function movedReader(site: Site, event: TapEvent): boolean {
  const fixed = site.devices.get(event.device)?.checkpoint;
  return (
    fixed !== undefined && event.uidKind === 'tag' && event.checkpoint !== null && event.checkpoint !== fixed
  );
}

/**
 * Against the device's previous tap at the same checkpoint within the rescan
 * window: the same UID again is a `rescan` (counts once); a wand tapping the
 * checkpoint for another guard is a `proxy` tap (一点多人).
 */
export function repeatOf(
  rules: PatrolRules,
  event: TapEvent,
  last: LastTap | undefined,
): 'rescan' | 'proxy' | null {
  if (!last || last.checkpoint !== event.checkpoint) return null;
  if (Math.abs(event.at - last.at) > rules.rescanMs) return null;
  if (
    rules.isWand(event.device) &&
    last.guard !== null &&
    event.guard !== null &&
    last.guard !== event.guard
  ) {
    return 'proxy';
  }
  return last.uid === event.uid ? 'rescan' : null;
}

/** From the tour's last visit to this checkpoint faster than the configured walking time. */
export function impossibleTravel(
  rules: PatrolRules,
  route: string,
  last: Visit | undefined,
  checkpoint: string,
  at: number,
): boolean {
  if (!last) return false;
  const min = rules.minTravelMs(route, last.checkpoint, checkpoint);
  return min > 0 && at - last.at < min;
}

/** The device's clock is further from the gateway's than the limit (only live reads carry a drift). */
export function clockDrifted(rules: PatrolRules, drift: number | undefined): boolean {
  return drift !== undefined && Math.abs(drift) > rules.clockDriftMs;
}

/** Add an exception to the event's list once. */
export function flag(event: TapEvent, exception: PatrolException): void {
  const list = event.exceptions ?? [];
  if (!list.includes(exception)) list.push(exception);
  event.exceptions = list;
}

export function has(event: TapEvent, exception: PatrolException): boolean {
  return event.exceptions?.includes(exception) ?? false;
}
