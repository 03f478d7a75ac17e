/** The patrol engine's JSON state (what snapshot()/restore() carry). */
import type { TourRecord } from '../../journal/types.js';
import type { OpenTour } from './tour.js';

export interface JointDayUnit {
  guards: string[];
  taps: number;
}

export interface PatrolState {
  v: 1;
  open: OpenTour[];
  /** Finished tours (from tour records), kept for the console and for schedule checks. */
  finished: TourRecord[];
  /** route → start instants of its tours (schedule checks). */
  starts: Record<string, number[]>;
  /** route → slots already recorded as not started. */
  missedSlots: Record<string, number[]>;
  /** Schedule deadlines up to this instant have been checked. */
  cursor: number | null;
  /** Latest instant seen (entries and ticks): drives pruning. */
  clock: number | null;
  /** zone → local day → unit → joint-route taps. */
  joint: Record<string, Record<string, Record<string, JointDayUnit>>>;
}

export function emptyPatrolState(): PatrolState {
  return { v: 1, open: [], finished: [], starts: {}, missedSlots: {}, cursor: null, clock: null, joint: {} };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Shape check of a stored snapshot; a bad one makes the runner replay the journal instead. */
export function parsePatrolState(x: unknown): PatrolState {
  if (
    !isRecord(x) ||
    x.v !== 1 ||
    !Array.isArray(x.open) ||
    !Array.isArray(x.finished) ||
    !isRecord(x.starts) ||
    !isRecord(x.missedSlots) ||
    !isRecord(x.joint) ||
    !(x.cursor === null || typeof x.cursor === 'number') ||
    !(x.clock === null || typeof x.clock === 'number')
  ) {
    throw new Error('not a patrol engine snapshot (v1)');
  }
  return structuredClone(x) as unknown as PatrolState;
}
