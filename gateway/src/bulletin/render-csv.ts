/**
 * The bulletin's tables as CSV files (UTF-8 with BOM so spreadsheet software
 * reads Chinese). Headers in the reader's language: Chinese by default,
 * English with `lang: 'en'` (/bulletin?format=csv&lang=en); ids and names
 * stay as they are in either.
 */
import { textsOf } from '../model/texts.js';
import { EXCEPTION_KINDS } from './exceptions.js';
import { EXCEPTION_LABELS, KIND_LABELS, POINT_LABELS } from './labels.js';
import type { Bulletin, PointsRules } from './types.js';

export type CsvLang = 'zh' | 'en';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `head`: [zh, en] per column. */
function csv(lang: CsvLang, head: [string, string][], rows: (string | number | null)[][]): string {
  const names = head.map(([zh, en]) => (lang === 'zh' ? zh : en));
  return `\uFEFF${[names, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
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
  'response_by_unit',
  'drills',
  'overdue_buttons',
  'patrol_exceptions',
] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

const UNIT: [string, string][] = [
  ['单位编号', 'unit'],
  ['单位名称', 'name'],
  ['片区', 'zone'],
];

export function renderBulletinCsv(b: Bulletin, lang: CsvLang = 'zh'): Record<CsvTable, string> {
  const items = Object.keys(b.points.rules) as (keyof PointsRules)[];
  const itemHead = items.map((k): [string, string] => [POINT_LABELS[k].zh, k]);
  const month: [string, string] = [`本月累计（${b.points.month}）`, `month_${b.points.month}`];
  const t = (zh: string, en: string) => (lang === 'zh' ? zh : en);
  return {
    alerts_by_kind: csv(
      lang,
      [
        ['类别', 'kind'],
        ['本周', 'this_week'],
        ['上周', 'last_week'],
        ['增减', 'change'],
      ],
      b.preventable.byKind.map((k) => [t(KIND_LABELS[k.kind].zh, k.kind), k.thisWeek, k.lastWeek, k.change]),
    ),
    alerts_by_unit: csv(
      lang,
      [...UNIT, ['警情', 'alerts'], ['紧急报警', 'panics']],
      b.preventable.byUnit.map((u) => [u.unit, u.name, u.zone, u.alerts, u.panics]),
    ),
    patrol_by_unit: csv(
      lang,
      [
        ...UNIT,
        ['点位', 'checkpoints'],
        ['已巡', 'visited'],
        ['覆盖率', 'coverage'],
        ['联防巡逻次数', 'joint_tours'],
        ['联防巡逻天数', 'joint_days'],
      ],
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
      lang,
      [
        ['日期', 'day'],
        ['完成', 'completed'],
        ['漏巡', 'missed'],
      ],
      b.patrol.perDay.map((d) => [d.day, d.completed, d.missed]),
    ),
    rollcall_by_unit: csv(
      lang,
      [
        ...UNIT,
        ['点名次数', 'calls'],
        ['应到', 'expected'],
        ['实到', 'answered'],
        ['缺勤', 'absent'],
        ['到岗率', 'attendance'],
      ],
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
      lang,
      [
        ['单位编号', 'unit'],
        ['保安员编号', 'guard'],
        ['姓名', 'name'],
        ['缺勤次数', 'times'],
      ],
      b.rollcalls.byUnit.flatMap((u) => u.absentees.map((a) => [u.unit, a.guard, a.name, a.times])),
    ),
    inspections: csv(
      lang,
      [
        ['时间', 'at'],
        ['单位编号', 'unit'],
        ['单位名称', 'name'],
        ['检查人', 'by'],
        ['违规', 'violations'],
        ['备注', 'note'],
      ],
      b.inspections.list.map((i) => [i.at, i.unit, i.name, t(i.byName, i.by), i.violations, i.note]),
    ),
    licences: csv(
      lang,
      [...UNIT, ['保安员', 'guards'], ['持证', 'licensed'], ['持证率', 'share']],
      b.licences.byUnit.map((u) => [u.unit, u.name, u.zone, u.guards, u.licensed, ratio(u.share)]),
    ),
    suggestions: csv(
      lang,
      [
        ['规则', 'rule'],
        ['单位编号', 'unit'],
        ['建议', 'suggestion'],
      ],
      b.suggestions.map((s) => [s.rule, s.unit, t(s.zh, s.en)]),
    ),
    points_units: csv(
      lang,
      [...UNIT, ['本周', 'week'], month, ...itemHead],
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
      lang,
      [['保安员编号', 'guard'], ['姓名', 'name'], ['单位编号', 'unit'], ['本周', 'week'], month, ...itemHead],
      b.points.guards.map((g) => [
        g.guard,
        g.name,
        g.unit,
        g.week,
        g.month,
        ...items.map((k) => g.breakdown[k]),
      ]),
    ),
    response_by_unit: csv(
      lang,
      [
        ...UNIT,
        ['本周警情', 'alerts'],
        ['已确认', 'acknowledged'],
        ['确认用时中位数（毫秒）', 'ack_median_ms'],
        ['确认用时P90（毫秒）', 'ack_p90_ms'],
        ['升级', 'escalated'],
        ['升级所至级别', 'levels'],
        ['近12个月误报', 'false_12_months'],
        ['近12个月已分类处置', 'classified_12_months'],
      ],
      b.response.byUnit.map((u) => [
        u.unit,
        u.name,
        u.zone,
        u.alerts,
        u.acknowledged,
        u.ackMedianMs,
        u.ackP90Ms,
        u.escalated,
        b.response.recorded.levels
          ? Object.entries(u.byLevel)
              .map(([l, n]) => `${l}:${n}`)
              .join(' ')
          : null,
        b.response.recorded.classification ? u.falseYear : null,
        b.response.recorded.classification ? u.classifiedYear : null,
      ]),
    ),
    drills: csv(
      lang,
      [
        ['警情编号', 'id'],
        ['单位编号', 'unit'],
        ['单位名称', 'name'],
        ['类别', 'kind'],
        ['方式', 'mode'],
        ['报警时间', 'raised_at'],
        ['查看用时（毫秒）', 'view_ms'],
        ['确认用时（毫秒）', 'ack_ms'],
        ['处置用时（毫秒）', 'resolve_ms'],
      ],
      b.response.drills.map((d) => [
        d.id,
        d.unit,
        d.name,
        t(textsOf(KIND_LABELS, d.kind).zh, d.kind),
        t(d.mode === 'drill' ? '演练' : '按钮测试', d.mode),
        d.raisedAt,
        d.viewMs,
        d.ackMs,
        d.resolveMs,
      ]),
    ),
    overdue_buttons: csv(
      lang,
      [
        ['设备', 'device'],
        ['单位编号', 'unit'],
        ['单位名称', 'name'],
        ['上次测试', 'last_test'],
      ],
      b.response.overdueButtons.map((x) => [x.device, x.unit, x.name, x.lastTest]),
    ),
    // one row per unit, then one per zone (unit empty, name the zone's)
    patrol_exceptions: csv(
      lang,
      [
        ...UNIT,
        ...EXCEPTION_KINDS.map((k): [string, string] => [EXCEPTION_LABELS[k].zh, k]),
        ['合计', 'total'],
      ],
      [
        ...b.exceptions.byUnit.map((u) => [
          u.unit,
          u.name,
          u.zone,
          ...EXCEPTION_KINDS.map((k) => u.counts[k]),
          u.total,
        ]),
        ...b.exceptions.byZone.map((z) => [
          null,
          t(`${z.name}合计`, `${z.name} total`),
          z.zone,
          ...EXCEPTION_KINDS.map((k) => z.counts[k]),
          z.total,
        ]),
      ],
    ),
  };
}
