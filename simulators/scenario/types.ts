/**
 * A scenario is a PLAN (timed device actions and the alerts they must
 * cause) built purely from the site config and a seed, then executed.
 * Every `at` / `by` is real milliseconds from the start of the run.
 */
import type { AlertKind, AlertPayload } from '../../gateway/src/model/alert.js';

export type PlannedAction =
  | {
      at: number;
      group: string;
      type: 'tap';
      device: string;
      uid: string;
      route: string;
      checkpoint: string;
      guard: string | null;
    }
  | { at: number; group: string; type: 'panic'; device: string; state: 'pressed' | 'released' }
  | {
      at: number;
      group: string;
      type: 'rollcall';
      zone: string | null;
      windowS: number;
      /** Roll-call terminal → the cards it answers and when (ms after the command arrives). */
      answers: Record<string, { uid: string; afterMs: number; guard: string }[]>;
    }
  /** The device stops its heartbeats (stays connected, says nothing). */
  | { at: number; group: string; type: 'silence'; device: string };

export interface ExpectedAlert {
  kind: AlertKind;
  unit: string;
  /** Latest time it should have been raised by (ms from start). */
  by: number;
  group: string;
  route?: string;
  device?: string;
  checkpoint?: string;
  /** Absent guards (rollcall_absent). */
  guards?: string[];
  why: string;
}

export interface PlannedDevice {
  id: string;
  kind: 'reader' | 'panic' | 'rollcall';
  unit: string;
  /** Configured heartbeat interval (ms): the simulator heartbeats at half of it. */
  heartbeatMs: number | null;
}

export type RoundKind = 'normal' | 'late' | 'skip';

export interface PlannedRound {
  group: string;
  route: string;
  round: number;
  kind: RoundKind;
  start: number;
  end: number;
  joint: boolean;
}

export interface ScenarioPlan {
  site: string;
  seed: number;
  speed: number;
  operator: string;
  devices: PlannedDevice[];
  rounds: PlannedRound[];
  actions: PlannedAction[];
  expected: ExpectedAlert[];
  /** Real ms from start when the run ends at the latest. */
  durationMs: number;
  /** What the planner left out and why (a route with no reader, a device on a serial line...). */
  notes: string[];
}

export interface ScenarioResult {
  /** Messages sent, by kind (tap, panic, rollcall, heartbeat, status, ops). */
  sent: Record<string, number>;
  planned: ExpectedAlert[];
  /** Alerts seen (one per alert id, latest state). */
  seen: AlertPayload[];
  /** Planned alerts not seen by kind + unit. */
  missing: ExpectedAlert[];
  /** Seen alerts no plan entry accounts for (schedule checks, escalations of other alerts...). */
  unplanned: AlertPayload[];
  errors: string[];
  elapsedMs: number;
}
