/**
 * Response to alerts, from the journal's alert records (issue 13.6): per unit
 * the median and p90 time to acknowledge, how many escalated and to which
 * ladder level, false alarms over 12 months; the week's drills and button
 * tests with their response times; panic buttons overdue for a test. Fields
 * an older gateway did not record (level, classification, mode) are reported
 * as not recorded, never filled in. Pure.
 */
import type { JournalEntry } from '../journal/types.js';
import type { AlertPayload } from '../model/alert.js';
import { inRange, median, type Scope } from './scope.js';
import type {
  BulletinThresholds,
  ButtonTestRow,
  DrillRow,
  ResponseSummary,
  ResponseUnitRow,
} from './types.js';
import type { WeekRange } from './week.js';

const DAY_MS = 86_400_000;

/** The p-th percentile (nearest rank), null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1] ?? null;
}

/** Everything the journal says about one alert: its latest record and what any record showed. */
interface AlertHistory {
  raisedAt: number;
  last: AlertPayload;
  ackMs: number | null;
  escalated: boolean;
  maxLevel: number | null;
}

function histories(scope: Scope, entries: readonly JournalEntry[], range: { from: number; to: number }) {
  const out = new Map<string, AlertHistory>();
  for (const e of entries) {
    if (e.body.type !== 'alert' || !inRange(e.at, range)) continue;
    const a = e.body.alert;
    if (!scope.unitIds.has(a.unit) || a.groupedInto) continue;
    const h = out.get(a.id) ?? {
      raisedAt: Date.parse(a.raisedAt),
      last: a,
      ackMs: null,
      escalated: false,
      maxLevel: null,
    };
    h.last = a;
    if (h.ackMs === null && typeof a.ackMs === 'number') h.ackMs = a.ackMs;
    if (a.escalated || a.state === 'escalated') h.escalated = true;
    // level 1 is the first targets, not an escalation: a level above 1 is
    if (typeof a.level === 'number' && a.level > 1) h.maxLevel = Math.max(h.maxLevel ?? 0, a.level);
    out.set(a.id, h);
  }
  return out;
}

export function responseSummary(
  scope: Scope,
  entries: readonly JournalEntry[],
  week: WeekRange,
  yearFrom: number,
  t: BulletinThresholds,
): ResponseSummary {
  const recorded = { levels: false, classification: false, modes: false };
  for (const e of entries) {
    if (e.body.type !== 'alert') continue;
    const a = e.body.alert;
    if (a.level !== undefined) recorded.levels = true;
    if (a.classification !== undefined) recorded.classification = true;
    if (a.mode !== undefined) recorded.modes = true;
  }
  const weekAlerts = [...histories(scope, entries, week).values()].filter((h) => inRange(h.raisedAt, week));
  const live = weekAlerts.filter((h) => !h.last.mode);
  const year = histories(scope, entries, { from: yearFrom, to: week.to });
  const byUnit: ResponseUnitRow[] = scope.units.map((u) => {
    const mine = live.filter((h) => h.last.unit === u.unit);
    const acks = mine.map((h) => h.ackMs).filter((v): v is number => v !== null);
    const byLevel: Record<string, number> = {};
    for (const h of mine) if (h.maxLevel !== null) byLevel[h.maxLevel] = (byLevel[h.maxLevel] ?? 0) + 1;
    const resolved = [...year.values()].filter(
      (h) => h.last.unit === u.unit && h.last.state === 'resolved' && !h.last.mode,
    );
    return {
      ...u,
      alerts: mine.length,
      acknowledged: acks.length,
      ackMedianMs: median(acks),
      ackP90Ms: percentile(acks, 90),
      escalated: mine.filter((h) => h.escalated || h.maxLevel !== null).length,
      byLevel,
      falseYear: resolved.filter((h) => h.last.classification === 'false').length,
      classifiedYear: resolved.filter((h) => typeof h.last.classification === 'string').length,
    };
  });
  const drills: DrillRow[] = weekAlerts
    .filter((h) => h.last.mode === 'drill' || h.last.mode === 'test')
    .map((h) => ({
      id: h.last.id,
      unit: h.last.unit,
      name: scope.site.units.get(h.last.unit)?.name ?? h.last.unit,
      kind: h.last.kind,
      mode: h.last.mode as 'drill' | 'test',
      raisedAt: h.last.raisedAt,
      viewMs: h.last.viewMs ?? null,
      ackMs: h.ackMs,
      resolveMs: h.last.resolveMs ?? null,
    }))
    .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
  const lastTest = new Map<string, number>();
  for (const h of year.values()) {
    const d = h.last.device;
    if (h.last.mode === 'test' && d) lastTest.set(d, Math.max(lastTest.get(d) ?? 0, h.raisedAt));
  }
  const buttons = scope.site.config.devices.filter((d) => d.kind === 'panic' && scope.unitIds.has(d.unit));
  const overdueButtons: ButtonTestRow[] = buttons
    .filter((d) => {
      const last = lastTest.get(d.id);
      return last === undefined || week.to - last > t.buttonTestDays * DAY_MS;
    })
    .map((d) => {
      const last = lastTest.get(d.id);
      return {
        device: d.id,
        unit: d.unit,
        name: scope.site.units.get(d.unit)?.name ?? d.unit,
        lastTest: last === undefined ? null : new Date(last).toISOString(),
      };
    });
  const allAcks = live.map((h) => h.ackMs).filter((v): v is number => v !== null);
  return {
    yearFrom: new Date(yearFrom).toISOString(),
    ackMedianMs: median(allAcks),
    ackP90Ms: percentile(allAcks, 90),
    byUnit,
    drills,
    overdueButtons,
    panicButtons: buttons.length,
    recorded,
  };
}
