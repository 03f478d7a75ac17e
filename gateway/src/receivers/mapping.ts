/**
 * Which alert records become reports to an alarm receiving centre, and their
 * SIA / Contact ID codes (docs/receivers.md "Mapping"). Pure.
 *
 * An alert is reported when it is raised (new) and when its trouble is over
 * (restore: the `restore` action of a cleared trouble, or the resolve of an
 * alert that was never restored); acknowledgement, escalation, views and the
 * other workflow records are not reports. Alerts raised in a button-test
 * window (`mode: "test"`) and drills that may reach the ARC (`drillNotify`
 * holds `arc` or the receiver id) are sent as manual test reports (SIA `RX`,
 * Contact ID 601), once, at raise.
 */
import type { Site } from '../config/site.js';
import type { JournalBody } from '../journal/types.js';
import type { AlertKind, AlertPayload } from '../model/alert.js';

export type ReportEvent = 'new' | 'restore' | 'test';

export interface Report {
  alertId: string;
  kind: AlertKind;
  event: ReportEvent;
  zone: number;
  unit: string;
}

interface Codes {
  sia: { new: string; restore: string };
  cid: number;
}

/** The mapping table of docs/receivers.md. */
export const CODES: Record<AlertKind, Codes> = {
  panic: { sia: { new: 'PA', restore: 'PR' }, cid: 120 },
  tamper: { sia: { new: 'TA', restore: 'TR' }, cid: 383 },
  device_offline: { sia: { new: 'YC', restore: 'YK' }, cid: 381 },
  patrol_missed: { sia: { new: 'UA', restore: 'UR' }, cid: 150 },
  patrol_late: { sia: { new: 'UA', restore: 'UR' }, cid: 150 },
  rollcall_absent: { sia: { new: 'UA', restore: 'UR' }, cid: 150 },
  custom: { sia: { new: 'UA', restore: 'UR' }, cid: 150 },
};

/** Manual test report (drills, button tests): SIA RX, Contact ID 601. */
export const TEST_CODES = { sia: 'RX', cid: 601 } as const;

export const DEFAULT_KINDS: readonly AlertKind[] = ['panic', 'tamper', 'device_offline'];

/** The zone number of a unit: its `arcZone`, else its 1-based index among the site's units. */
export function zoneNumber(site: Site, unit: string): number {
  const units = site.config.units;
  const i = units.findIndex((u) => u.id === unit);
  if (i < 0) return 0;
  const explicit = units[i]?.arcZone;
  return explicit ?? i + 1;
}

interface AlarmFields {
  mode?: string;
  drillNotify?: string[];
  restored?: boolean;
  groupedInto?: string;
}

type AlertBody = Extract<JournalBody, { type: 'alert' }>;

/** What kind of change a record is, from its audit action or (older records) its state. */
function change(body: AlertBody): 'raise' | 'restore' | 'resolve' | null {
  const a = body.alert;
  const action = (body as { action?: { action?: string } }).action?.action;
  if (action !== undefined) {
    if (action === 'raise' || action === 'restore' || action === 'resolve') return action;
    return null;
  }
  if (a.state === 'raised' && a.updatedAt === a.raisedAt) return 'raise';
  if (a.state === 'resolved') return 'resolve';
  return null;
}

export interface ReportFilter {
  receiverId: string;
  kinds: readonly AlertKind[];
}

export function reportOf(body: JournalBody, site: Site, filter: ReportFilter): Report | null {
  if (body.type !== 'alert') return null;
  // the alarm-handling fields (mode, drillNotify, restored, groupedInto) are optional extensions
  const a: AlertPayload & AlarmFields = body.alert;
  if (!filter.kinds.includes(a.kind)) return null;
  const what = change(body);
  if (what === null) return null;
  const base = { alertId: a.id, kind: a.kind, zone: zoneNumber(site, a.unit), unit: a.unit };
  if (a.mode === 'test' || a.mode === 'drill') {
    if (what !== 'raise') return null;
    if (a.mode === 'drill') {
      const notify = a.drillNotify ?? [];
      if (!notify.includes('arc') && !notify.includes(filter.receiverId)) return null;
    }
    return { ...base, event: 'test' };
  }
  if (what === 'raise') return { ...base, event: 'new' };
  if (what === 'restore') return { ...base, event: 'restore' };
  // resolve: the restore went out already when the trouble cleared; a member folded into a group is not over
  if (a.restored === true || a.groupedInto !== undefined) return null;
  return { ...base, event: 'restore' };
}

/** The data block of the report (`#acct|Nri<zone>/<code>` or `#acct|QEEE GG ZZZ`). */
export function reportCodes(
  r: Report,
  format: 'SIA-DCS' | 'ADM-CID',
): { sia: string } | { qualifier: 1 | 3; event: number } {
  const c = CODES[r.kind];
  if (format === 'SIA-DCS') {
    return { sia: r.event === 'test' ? TEST_CODES.sia : r.event === 'new' ? c.sia.new : c.sia.restore };
  }
  if (r.event === 'test') return { qualifier: 1, event: TEST_CODES.cid };
  return { qualifier: r.event === 'restore' ? 3 : 1, event: c.cid };
}
