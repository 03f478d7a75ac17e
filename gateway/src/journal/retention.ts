/**
 * What the journal keeps how long (docs/operators.md "Retention"). Two
 * classes: records (alert changes, tours, missed schedules, roll-call starts
 * and results, operator inputs, and the taps, presses and answers they were
 * made from) are kept `recordRetention` (90 days by default, the norm's
 * minimum for patrol and alarm records); raw device chatter (heartbeats and
 * status changes, by far the most entries) only `retention` (30 days). Records
 * are never kept less than raw entries.
 */

export const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION_MS = 30 * DAY_MS;
export const DEFAULT_RECORD_RETENTION_MS = 90 * DAY_MS;

/** Device event kinds kept only for the short (raw) retention. */
export const RAW_EVENT_KINDS = ['heartbeat', 'status'] as const;

/** SQL condition on an `entries` row: it is raw device chatter (`+type`: not through the type index, callers bound the seq range). */
export const RAW_ENTRY_SQL = `+type = 'event' AND json_extract(body, '$.event.kind') IN (${RAW_EVENT_KINDS.map((k) => `'${k}'`).join(', ')})`;

export interface RetentionPolicy {
  /** Heartbeats and status changes. */
  rawMs: number;
  /** Everything else; at least rawMs. */
  recordsMs: number;
}

export function retentionPolicy(rawMs: number, recordsMs = DEFAULT_RECORD_RETENTION_MS): RetentionPolicy {
  return { rawMs, recordsMs: Math.max(rawMs, recordsMs) };
}
