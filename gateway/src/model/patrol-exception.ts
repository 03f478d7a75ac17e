/**
 * The patrol exceptions (docs/patrol-and-rollcall.md "Anti-fake patrol" and
 * "Patrol rules"): found by the patrol engines, carried on tap events, tour
 * records and alerts, counted by the bulletin. Here, below all of them.
 */
export type PatrolException =
  | 'early'
  | 'rescan'
  | 'impossible_travel'
  | 'proxy'
  | 'moved_reader'
  | 'clock_drift'
  | 'two_person'
  | 'overdue';
