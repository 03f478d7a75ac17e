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
}
