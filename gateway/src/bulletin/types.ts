/** The weekly bulletin (一周通报): six aspects plus the points scheme (docs/bulletin.md). */
import type { AlertKind } from '../model/alert.js';
import type { PatrolException } from '../model/patrol-exception.js';

/** Points per occurrence; any key may be overridden by `site.config.points`. */
export interface PointsRules {
  /** Each checkpoint visited on a tour (once per tour). */
  checkpoint: number;
  /** Each roll call a guard answered (present or late). */
  rollcall_answered: number;
  /** Each alert a unit's console acknowledged first. */
  alert_acknowledged: number;
  /** Each missed tour (the tour's guard, else the units owning the route's checkpoints). */
  patrol_missed: number;
  /** Each roll call a guard was absent from. */
  rollcall_absent: number;
  /** Each joint-route tour a unit took part in. */
  joint_patrol: number;
  /** Each violation found by an on-site inspection of a unit. */
  inspection_violation: number;
}

export const DEFAULT_POINTS: PointsRules = {
  checkpoint: 1,
  rollcall_answered: 2,
  alert_acknowledged: 5,
  patrol_missed: -3,
  rollcall_absent: -2,
  joint_patrol: 1,
  inspection_violation: -1,
};

/** Shortfall thresholds that produce suggestions. */
export interface BulletinThresholds {
  /** Roll-call attendance below this share (0..1). */
  attendance: number;
  /** Checkpoint coverage of a unit's checkpoints below this share. */
  coverage: number;
  /** A device that went offline at least this many times. */
  offlineTimes: number;
  /** Days of joint-patrol participation per week below this. */
  jointDays: number;
  /** Licensed share of a unit's guards below this. */
  licensed: number;
  /** Unacknowledged escalations at least this many. */
  escalations: number;
  /** A panic button not tested (alert in `test` mode) for more than this many days is overdue. */
  buttonTestDays: number;
  /** False alarms per unit over 12 months at least this many. */
  falseAlarms: number;
  /** Fake-patrol signs (rescan, impossible travel, proxy, moved reader) per unit and week at least this many. */
  fakeSigns: number;
}

export const DEFAULT_THRESHOLDS: BulletinThresholds = {
  attendance: 0.9,
  coverage: 0.8,
  offlineTimes: 3,
  jointDays: 5,
  licensed: 0.8,
  escalations: 1,
  buttonTestDays: 31,
  falseAlarms: 3,
  fakeSigns: 5,
};

export interface UnitRef {
  unit: string;
  name: string;
  zone: string;
}

export interface AlertKindRow {
  kind: AlertKind;
  thisWeek: number;
  lastWeek: number;
  /** thisWeek - lastWeek */
  change: number;
}

export interface PreventableCases {
  byKind: AlertKindRow[];
  total: { thisWeek: number; lastWeek: number; change: number };
  /** Raised alerts this week per unit (origin unit of the alert). */
  byUnit: (UnitRef & { alerts: number; panics: number })[];
  escalated: number;
  acknowledged: number;
  /** Median milliseconds from raise to first acknowledgement, this week. */
  ackMedianMs: number | null;
  /** Devices that went offline this week (device_offline alerts raised), most often first. */
  offlineDevices: { device: string; unit: string; times: number }[];
}

export interface PatrolUnitRow extends UnitRef {
  checkpoints: number;
  visited: number;
  /** visited / checkpoints, null when the unit has no checkpoints. */
  coverage: number | null;
  jointTours: number;
  /** Distinct local days with a joint-route tour the unit took part in. */
  jointDays: number;
}

export interface PatrolActivity {
  toursCompleted: number;
  toursMissed: number;
  /** Scheduled tours that never started (schedule-missed records). */
  scheduleMissed: number;
  /** Tours with at least one late checkpoint. */
  toursLate: number;
  lateCheckpoints: number;
  missedCheckpoints: number;
  checkpointsTotal: number;
  checkpointsVisited: number;
  coverage: number | null;
  /** Completed tours per local day, Monday first. */
  perDay: { day: string; completed: number; missed: number }[];
  byUnit: PatrolUnitRow[];
  /** Whether the scope has at least one joint route (else joint figures are not meaningful). */
  hasJointRoutes: boolean;
}

export interface RollcallUnitRow extends UnitRef {
  calls: number;
  expected: number;
  answered: number;
  absent: number;
  attendance: number | null;
  /** Guard ids absent at least once, with how often. */
  absentees: { guard: string; name: string; times: number }[];
}

export interface RollcallSummary {
  calls: number;
  expected: number;
  answered: number;
  attendance: number | null;
  byUnit: RollcallUnitRow[];
}

export interface InspectionRow {
  at: string;
  unit: string;
  name: string;
  by: string;
  /** The inspector's account name from config (else the id). */
  byName: string;
  violations: number;
  note: string;
}

export interface InspectionSummary {
  count: number;
  violations: number;
  byUnit: (UnitRef & { inspections: number; violations: number })[];
  list: InspectionRow[];
}

export interface LicenceSummary {
  guards: number;
  licensed: number;
  share: number | null;
  byUnit: (UnitRef & { guards: number; licensed: number; share: number | null })[];
}

/** Response to alerts per unit (issue 13): the unit's own alerts, live ones only (drills and tests apart). */
export interface ResponseUnitRow extends UnitRef {
  alerts: number;
  acknowledged: number;
  ackMedianMs: number | null;
  ackP90Ms: number | null;
  escalated: number;
  /** Escalated alerts by the highest ladder level they reached ("2": 3), where the journal records `level`. */
  byLevel: Record<string, number>;
  /** Resolved as a false alarm over the 12 months up to the week's end. */
  falseYear: number;
  /** Resolved with any classification over those 12 months. */
  classifiedYear: number;
}

/** One drill or button test raised this week, with its response times (from raise). */
export interface DrillRow {
  id: string;
  unit: string;
  name: string;
  kind: string;
  mode: 'drill' | 'test';
  raisedAt: string;
  viewMs: number | null;
  ackMs: number | null;
  resolveMs: number | null;
}

export interface ButtonTestRow {
  device: string;
  unit: string;
  name: string;
  /** Last alert of this button in `test` mode within the 12 months, null: none. */
  lastTest: string | null;
}

export interface ResponseSummary {
  /** Start of the 12 months the false-alarm counts cover (ISO). */
  yearFrom: string;
  /** Live alerts of the week, raise to first acknowledgement. */
  ackMedianMs: number | null;
  ackP90Ms: number | null;
  byUnit: ResponseUnitRow[];
  drills: DrillRow[];
  /** Panic buttons past `buttonTestDays` without a test, or never tested. */
  overdueButtons: ButtonTestRow[];
  panicButtons: number;
  /** What the journal records at all (older gateways: no levels, classifications or modes): shown, not faked. */
  recorded: { levels: boolean; classification: boolean; modes: boolean };
}

export type PatrolExceptionKind = PatrolException;

/** 巡更异常: the week's patrol exceptions per unit and zone (exceptions.ts says where each is counted). */
export interface PatrolExceptionSummary {
  total: Record<PatrolExceptionKind, number>;
  byZone: { zone: string; name: string; counts: Record<PatrolExceptionKind, number>; total: number }[];
  byUnit: (UnitRef & {
    counts: Record<PatrolExceptionKind, number>;
    total: number;
    /** rescan + impossible_travel + proxy + moved_reader */
    fakeSigns: number;
  })[];
}

export interface Suggestion {
  /** Which rule produced it: attendance, coverage, offline, joint, licence, escalation, inspection. */
  rule: string;
  unit: string | null;
  zh: string;
  en: string;
  /** The unit and its figure alone ("新城名苑 66.7%"), for the page's list grouped by rule. */
  item?: { zh: string; en: string };
}

export interface PointsBreakdown {
  checkpoint: number;
  rollcall_answered: number;
  alert_acknowledged: number;
  patrol_missed: number;
  rollcall_absent: number;
  joint_patrol: number;
  inspection_violation: number;
}

export interface GuardPoints {
  guard: string;
  name: string;
  unit: string;
  week: number;
  month: number;
  breakdown: PointsBreakdown;
}

export interface UnitPoints extends UnitRef {
  /** The unit's own items plus the sum of its guards' points. */
  week: number;
  month: number;
  breakdown: PointsBreakdown;
}

export interface PointsSummary {
  rules: PointsRules;
  month: string;
  guards: GuardPoints[];
  units: UnitPoints[];
}

export interface Bulletin {
  site: { id: string; name: string; timezone: string };
  zone: { id: string; name: string } | null;
  /** The zones of the scope, in config order (charts per zone). */
  zones: { id: string; name: string }[];
  week: string;
  lastWeek: string;
  from: string;
  to: string;
  generatedAt: string;
  preventable: PreventableCases;
  patrol: PatrolActivity;
  rollcalls: RollcallSummary;
  inspections: InspectionSummary;
  licences: LicenceSummary;
  suggestions: Suggestion[];
  response: ResponseSummary;
  exceptions: PatrolExceptionSummary;
  points: PointsSummary;
  thresholds: BulletinThresholds;
}
