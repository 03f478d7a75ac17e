/**
 * Pause and resume of tours by a supervisor's card (docs/patrol-and-rollcall.md
 * "Pause"). A supervisor card read on a wand toggles that wand's open tours;
 * read by a reader fixed at a checkpoint, the open tours whose route passes
 * there. A paused tour counts no taps; its deadline waits (a forgotten pause
 * moves it by at most `maxPause`: the tour is judged then, `maxPause` after
 * its original deadline).
 */
import type { TapEvent } from '../../model/event.js';
import type { OpenTour } from './tour.js';

/** The open tours a supervisor card read toggles. */
export function toursToToggle(
  open: readonly OpenTour[],
  event: TapEvent,
  fixedCheckpoint: string | undefined,
  routeHas: (route: string, checkpoint: string) => boolean,
): OpenTour[] {
  if (fixedCheckpoint === undefined) return open.filter((t) => t.device === event.device);
  return open.filter((t) => routeHas(t.route, fixedCheckpoint));
}

export function pause(tour: OpenTour, at: number, maxPauseMs: number): void {
  if (tour.pausedAt !== null) return;
  tour.pausedAt = at;
  tour.deadline += maxPauseMs;
}

export function resume(tour: OpenTour, at: number, maxPauseMs: number): void {
  if (tour.pausedAt === null) return;
  const spell = Math.max(0, Math.min(at - tour.pausedAt, maxPauseMs));
  tour.deadline += spell - maxPauseMs;
  tour.pausedMs += spell;
  tour.pausedAt = null;
}
