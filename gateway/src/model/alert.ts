/** Alerts (protocol.md §1.3). */

export type AlertKind =
  | 'panic'
  | 'patrol_missed'
  | 'patrol_late'
  | 'device_offline'
  | 'tamper'
  | 'rollcall_absent'
  | 'custom';

export type AlertState = 'raised' | 'escalated' | 'acknowledged' | 'resolved';
export type Severity = 'critical' | 'warning' | 'info';

/** The wire payload of gp/v1/unit/{u}/alert, plus optional extension fields. */
export interface AlertPayload {
  id: string;
  kind: AlertKind;
  state: AlertState;
  severity: Severity;
  zone: string;
  unit: string;
  device: string | null;
  checkpoint: string | null;
  guard: string | null;
  route: string | null;
  raisedAt: string;
  updatedAt: string;
  ackBy: string | null;
  message: string;
  // extensions (optional, documented in docs/protocol-extensions.md)
  /** Chinese and English renderings; `message` is "zh / en". */
  messageZh?: string;
  messageEn?: string;
  ackAt?: string | null;
  /** Milliseconds from raise to acknowledgement. */
  ackMs?: number | null;
  resolvedBy?: string | null;
  escalated?: boolean;
  targets?: string[];
  /** Missing checkpoints (patrol_missed) or absent guards (rollcall_absent). */
  details?: string[];
  call?: string | null;
  /** Patrol exception behind the alert (extension): early, rescan, impossible_travel, proxy, moved_reader, clock_drift, two_person, overdue. */
  exception?: string;
  /** Set on the update that revises an alert after late records changed its outcome (extension). */
  revised?: boolean;
  /** The new outcome of a revised alert, e.g. "completed" (extension). */
  outcome?: string;
  // alarm handling (issue 13; docs/alerts.md, /work/notes/alert-contract.md)
  /** The trouble cleared (device checked in again, tamper cleared). */
  restored?: boolean;
  restoredAt?: string | null;
  /** A grouped (storm) alert: its members, not published as cards of their own. */
  group?: AlertGroup;
  /** A member alert folded into a grouped one: its id (the member is closed as `resolved` by `system`, not restored). */
  groupedInto?: string;
  /** Current escalation ladder level, 1-based, and who has been told at each. */
  level?: number;
  levels?: LadderStep[];
  notified?: Notified[];
  owner?: AlertOwner | null;
  checklist?: ChecklistItem[];
  classification?: Classification | null;
  note?: string | null;
  /** Raised during a drill or a button-test window (absent: live). */
  mode?: AlertMode;
  /** Outside parties a drill may reach (`police`, `arc`, account ids): absent means none. */
  drillNotify?: string[];
  viewedAt?: string | null;
  viewMs?: number | null;
  resolveMs?: number | null;
  /** Gateway notices: `commissioning` (devices never heard), `button_test` (panic buttons due a test). */
  notice?: 'commissioning' | 'button_test';
}

export type Classification = 'real' | 'false' | 'test' | 'drill';
export type AlertMode = 'drill' | 'test';

export interface GroupMember {
  device: string | null;
  unit: string;
  zone: string;
  since: string;
  restored: boolean;
}

export interface AlertGroup {
  count: number;
  members: GroupMember[];
  restoredCount: number;
}

export interface LadderStep {
  level: number;
  at: string;
  targets: string[];
  names: string[];
  /** Units skipped for nobody present (level 1), accounts left out of a drill. */
  skipped: ({ unit: string; reason: 'nobody_present' } | { account: string; reason: 'drill' })[];
}

export type Notified = { unit: string; name: string } | { account: string; name: string };

export interface AlertOwner {
  account: string;
  name: string;
  unit: string | null;
  at: string;
}

export interface ChecklistItem {
  step: string;
  text: string;
  textEn: string;
  done: boolean;
  by: string | null;
  at: string | null;
}

export interface AuditEntry {
  action: 'raise' | 'view' | 'ack' | 'take' | 'checklist' | 'escalate' | 'restore' | 'resolve' | 'group';
  by: string;
  at: string;
  from: string;
  detail?: Record<string, unknown>;
}

/** What an engine asks the alert engine to raise. */
export interface AlertRequest {
  kind: AlertKind;
  severity: Severity;
  zone: string;
  unit: string;
  device?: string | null;
  checkpoint?: string | null;
  guard?: string | null;
  route?: string | null;
  /** Explicit target units; default per kind (protocol.md §1.3). */
  targets?: string[];
  /**
   * Dedupe key: while an alert with this key is open, a new request with the
   * same key raises nothing (e.g. "panic:U03-PANIC-1").
   */
  key: string;
  messageZh: string;
  messageEn: string;
  details?: string[];
  call?: string | null;
  /** A gateway notice (commissioning, button test): see AlertPayload.notice. */
  notice?: AlertPayload['notice'];
  /** Operator accounts told at the raise besides the ladder's first level (a receiver link warning). */
  accounts?: readonly string[];
  exception?: string;
  /**
   * Not a raise: the alert(s) with this key (open or resolved) get a revised
   * update, resolved by "system" with this outcome (late offline records).
   */
  revise?: { outcome: string };
}
