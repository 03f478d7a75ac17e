/**
 * What the journal holds: every accepted input (device events, operator
 * inputs) and every record the engines derive from them (alert state
 * changes, finished tours, roll-call results). Engines rebuild from it,
 * the InfluxDB exporter follows it with a cursor, the bulletin is computed
 * from it.
 */
import type { AlertKind, AlertPayload, AuditEntry, Classification } from '../model/alert.js';
import type { DeviceEvent } from '../model/event.js';

/** Operator / console inputs (protocol.md §1.3, §1.4 and extensions). */
export type OpInput =
  | { op: 'ack'; id: string; by: string; unit: string; from?: string }
  | {
      op: 'resolve';
      id: string;
      by: string;
      unit: string;
      admin: boolean;
      /** Alarm handling (docs/alerts.md "Resolving"): absent in v1 `{id}` resolves. */
      classification?: Classification | null;
      note?: string | null;
      from?: string;
    }
  /** Alarm handling (docs/alerts.md "Ownership and workflow"): `from` is the transport or address it came by. */
  | { op: 'view' | 'take'; id: string; by: string; unit: string; from?: string }
  | { op: 'checklist'; id: string; by: string; unit: string; step: string; done: boolean; from?: string }
  /** A drill (an alert of `kind` raised at `unit` now, and its presses marked) or a button-test window. */
  | {
      op: 'drill';
      by: string;
      unit: string;
      kind: AlertKind;
      notify: string[];
      durationMs: number;
      from?: string;
    }
  | { op: 'test'; by: string; unit: string; windowMs: number; from?: string }
  | { op: 'rollcall'; by: string; zone: string | null; unit: string | null; windowMs: number; call?: string }
  | {
      op: 'alert';
      by: string;
      unit: string;
      message: string;
      severity: 'critical' | 'warning' | 'info';
      /** Also tell the zone's escalation accounts at once (set by the gateway itself, never parsed from a topic). */
      escalation?: boolean;
    }
  | { op: 'inspection'; by: string; unit: string; violations: number; note: string }
  /** Clock faults (docs/operators.md "Clock faults"): a wall-clock step the gateway saw (`by` '@gateway'), or an admin's confirm. */
  | { op: 'clock'; by: string; action: 'step'; from: number; to: number; deltaMs: number }
  | { op: 'clock'; by: string; action: 'confirm' };

export interface TourRecord {
  id: string;
  route: string;
  zone: string;
  /** Wand or fixed reader that started it. */
  device: string;
  guard: string | null;
  startedAt: number;
  endedAt: number;
  status: 'completed' | 'missed';
  expected: number;
  visited: string[];
  missed: string[];
  late: string[];
  outOfOrder: number;
  durationMs: number;
  /** Units whose guards tapped a checkpoint of the route (joint patrol participation). */
  units: string[];
  // extensions (docs/patrol-and-rollcall.md "Tour states", "Late records")
  /** completed, late, incomplete or missed. */
  state?: 'completed' | 'late' | 'incomplete' | 'missed';
  /** Checkpoints tapped before their notBefore. */
  early?: string[];
  /** Patrol exceptions counted in this tour (bulletin). */
  exceptions?: Record<string, number>;
  /** 0 for the first judgement; each re-evaluation after late records adds one (same id). */
  revision?: number;
  /** When the latest records of the tour reached the gateway, if later than the tour (offline wands). */
  uploadedAt?: number | null;
  /** The judgement this one revises. */
  previous?: { state: string; endedAt: number } | null;
  /** Paused time, ms. */
  pausedMs?: number;
}

export interface RollcallStartRecord {
  call: string;
  startedAt: number;
  deadline: number;
  units: string[];
  by: string;
}

export interface RollcallUnitResult {
  call: string;
  zone: string;
  unit: string;
  at: number;
  present: string[];
  late: string[];
  absent: string[];
  /** Cards of other units' guards tapped at this unit's terminal. */
  foreign: string[];
}

export type JournalBody =
  | { type: 'event'; event: DeviceEvent }
  | { type: 'op'; input: OpInput; at: number }
  | {
      type: 'alert';
      alert: AlertPayload;
      key: string;
      targets: string[];
      escalateAt: number | null;
      /** The action that made this change, for the alert's audit trail (alarm handling). */
      action?: AuditEntry;
    }
  | { type: 'tour'; tour: TourRecord }
  | { type: 'rollcall-start'; call: RollcallStartRecord }
  | { type: 'rollcall-result'; result: RollcallUnitResult }
  | { type: 'schedule-missed'; route: string; zone: string; slot: number; at: number }
  /** A schedule slot opened (slot − grace) and was published as `scheduled` (patrol engine). */
  | { type: 'schedule-open'; route: string; zone: string; slot: number; at: number };

export type JournalBodyType = JournalBody['type'];

export interface JournalEntry {
  /** Monotonic, gap-free within one journal file. */
  seq: number;
  /** Time of the entry, epoch ms (event time for events, decision time for records). */
  at: number;
  body: JournalBody;
}

export interface JournalStats {
  entries: number;
  firstSeq: number | null;
  lastSeq: number;
  bytes: number;
  writable: boolean;
  lastError: string | null;
}
