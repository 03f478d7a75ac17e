/** The patrol engine's JSON state (what snapshot()/restore() carry). */
import type { TourRecord } from '../../journal/types.js';
import { DAY_MS, localDay } from './time.js';
import { normaliseTour, type OpenTour } from './tour.js';

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
  // patrol rules (extension; absent in older snapshots)
  /** Tours already judged (missed or finished), kept with their visits so late records can revise them. */
  judged: OpenTour[];
  /** device → its last checkpoint tap (rescans, proxy taps). */
  lastTap: Record<string, { uid: string; at: number; checkpoint: string; guard: string | null }>;
  /** wand → the guard whose card was read on it last (sign-in). */
  wandGuard: Record<string, string>;
  /** wand → when its offline records settle (last upload + uploadSettle). */
  settle: Record<string, number>;
  /** unit → end of its last completed patrol (protection levels). */
  lastPatrol: Record<string, number>;
  /** unit → the last-patrol instant an overdue alert was raised for. */
  overdueRaised: Record<string, number>;
  /** Overdue counts from here for units never patrolled. */
  since: number | null;
  /** route → schedule slots whose missed alert was revised. */
  revisedSlots: Record<string, number[]>;
  /** route → slots published as `scheduled` (schedule-open records). */
  openedSlots: Record<string, number[]>;
  /** Slot openings (slot − grace) up to this instant have been published. */
  openCursor: number | null;
}

export function emptyPatrolState(): PatrolState {
  return {
    v: 1,
    open: [],
    finished: [],
    starts: {},
    missedSlots: {},
    cursor: null,
    clock: null,
    joint: {},
    ...emptyRulesState(),
  };
}

function emptyRulesState(): Pick<
  PatrolState,
  | 'judged'
  | 'lastTap'
  | 'wandGuard'
  | 'settle'
  | 'lastPatrol'
  | 'overdueRaised'
  | 'since'
  | 'revisedSlots'
  | 'openedSlots'
  | 'openCursor'
> {
  return {
    judged: [],
    lastTap: {},
    wandGuard: {},
    settle: {},
    lastPatrol: {},
    overdueRaised: {},
    since: null,
    revisedSlots: {},
    openedSlots: {},
    openCursor: null,
  };
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
  const state = { ...emptyRulesState(), ...(structuredClone(x) as unknown as PatrolState) };
  state.open = state.open.map(normaliseTour);
  state.judged = state.judged.map(normaliseTour);
  return state;
}

/** Finished tours, tour starts and recorded slots are kept this long (console, schedule checks). */
export const RETAIN_MS = 2 * DAY_MS;
/** Joint-patrol participation is kept for the weekly/monthly bulletin. */
const JOINT_RETAIN_DAYS = 62;
const MAX_FINISHED = 2000;

/** Drop what is older than the retention, as of the state's clock. */
export function pruneState(state: PatrolState, timezone: string): void {
  const clock = state.clock;
  if (clock === null) return;
  const cutoff = clock - RETAIN_MS;
  state.finished = state.finished.filter((r) => r.endedAt >= cutoff).slice(-MAX_FINISHED);
  state.judged = state.judged.filter((t) => t.deadline >= cutoff || t.dirty);
  for (const [device, at] of Object.entries(state.settle)) {
    if (at < cutoff) delete state.settle[device];
  }
  for (const key of Object.keys(state.starts)) {
    state.starts[key] = (state.starts[key] ?? []).filter((t) => t >= cutoff);
  }
  for (const key of Object.keys(state.missedSlots)) {
    state.missedSlots[key] = (state.missedSlots[key] ?? []).filter((t) => t >= cutoff);
  }
  for (const key of Object.keys(state.openedSlots)) {
    state.openedSlots[key] = (state.openedSlots[key] ?? []).filter((t) => t >= cutoff);
  }
  for (const key of Object.keys(state.revisedSlots)) {
    state.revisedSlots[key] = (state.revisedSlots[key] ?? []).filter((t) => t >= cutoff);
  }
  const oldestDay = localDay(clock - JOINT_RETAIN_DAYS * DAY_MS, timezone);
  for (const days of Object.values(state.joint)) {
    for (const day of Object.keys(days)) if (day < oldestDay) delete days[day];
  }
}
