/** The bulletin's tables as CSV files (UTF-8 with BOM so spreadsheet software reads Chinese). */
import type { Bulletin, PointsRules } from './types.js';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(head: string[], rows: (string | number | null)[][]): string {
  return `\uFEFF${[head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

const ratio = (v: number | null): number | null => (v === null ? null : Math.round(v * 10_000) / 10_000);

export const CSV_TABLES = [
  'alerts_by_kind',
  'alerts_by_unit',
  'patrol_by_unit',
  'patrol_per_day',
  'rollcall_by_unit',
  'rollcall_absentees',
  'inspections',
  'licences',
  'suggestions',
  'points_units',
  'points_guards',
] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

export function renderBulletinCsv(b: Bulletin): Record<CsvTable, string> {
  const items = Object.keys(b.points.rules) as (keyof PointsRules)[];
  return {
    alerts_by_kind: csv(
      ['kind', 'this_week', 'last_week', 'change'],
      b.preventable.byKind.map((k) => [k.kind, k.thisWeek, k.lastWeek, k.change]),
    ),
    alerts_by_unit: csv(
      ['unit', 'name', 'zone', 'alerts', 'panics'],
      b.preventable.byUnit.map((u) => [u.unit, u.name, u.zone, u.alerts, u.panics]),
    ),
    patrol_by_unit: csv(
      ['unit', 'name', 'zone', 'checkpoints', 'visited', 'coverage', 'joint_tours', 'joint_days'],
      b.patrol.byUnit.map((u) => [
        u.unit,
        u.name,
        u.zone,
        u.checkpoints,
        u.visited,
        ratio(u.coverage),
        u.jointTours,
        u.jointDays,
      ]),
    ),
    patrol_per_day: csv(
      ['day', 'completed', 'missed'],
      b.patrol.perDay.map((d) => [d.day, d.completed, d.missed]),
    ),
    rollcall_by_unit: csv(
      ['unit', 'name', 'zone', 'calls', 'expected', 'answered', 'absent', 'attendance'],
      b.rollcalls.byUnit.map((u) => [
        u.unit,
        u.name,
        u.zone,
        u.calls,
        u.expected,
        u.answered,
        u.absent,
        ratio(u.attendance),
      ]),
    ),
    rollcall_absentees: csv(
      ['unit', 'guard', 'name', 'times'],
      b.rollcalls.byUnit.flatMap((u) => u.absentees.map((a) => [u.unit, a.guard, a.name, a.times])),
    ),
    inspections: csv(
      ['at', 'unit', 'name', 'by', 'violations', 'note'],
      b.inspections.list.map((i) => [i.at, i.unit, i.name, i.by, i.violations, i.note]),
    ),
    licences: csv(
      ['unit', 'name', 'zone', 'guards', 'licensed', 'share'],
      b.licences.byUnit.map((u) => [u.unit, u.name, u.zone, u.guards, u.licensed, ratio(u.share)]),
    ),
    suggestions: csv(
      ['rule', 'unit', 'zh', 'en'],
      b.suggestions.map((s) => [s.rule, s.unit, s.zh, s.en]),
    ),
    points_units: csv(
      ['unit', 'name', 'zone', 'week', `month_${b.points.month}`, ...items],
      b.points.units.map((u) => [
        u.unit,
        u.name,
        u.zone,
        u.week,
        u.month,
        ...items.map((k) => u.breakdown[k]),
      ]),
    ),
    points_guards: csv(
      ['guard', 'name', 'unit', 'week', `month_${b.points.month}`, ...items],
      b.points.guards.map((g) => [
        g.guard,
        g.name,
        g.unit,
        g.week,
        g.month,
        ...items.map((k) => g.breakdown[k]),
      ]),
    ),
  };
}
