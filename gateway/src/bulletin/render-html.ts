/**
 * The bulletin as one self-contained HTML page: Chinese headings with English
 * subtitles, inline SVG bar charts, a print stylesheet (A4, no backgrounds
 * lost, sections kept whole).
 */
import { DateTime } from 'luxon';
import { ASPECTS, KIND_LABELS, POINT_LABELS } from './labels.js';
import { renderExceptions } from './render-exceptions.js';
import { C, kpi, share, signed, table, unitChart } from './render-parts.js';
import { renderResponse } from './render-response.js';
import { groupSuggestions } from './suggestions.js';
import { barChart, escapeXml as esc } from './svg.js';
import type { Bulletin, PointsRules } from './types.js';

function section(i: number, inner: string): string {
  const a = ASPECTS[i];
  if (!a) return '';
  return `<section class="aspect" id="aspect-${a.id}" data-aspect="${i + 1}"><h2>${a.n}、${esc(a.zh)} <small lang="en">${i + 1}. ${esc(a.en)}</small></h2>${inner}</section>`;
}

export function renderBulletinHtml(b: Bulletin): string {
  const tz = b.site.timezone;
  const day = (iso: string, shift = 0) =>
    DateTime.fromISO(iso, { zone: tz }).plus({ milliseconds: shift }).toFormat('yyyy-MM-dd');
  const scope = b.zone ? b.zone.name : '全区 / whole district';
  const units = (rows: readonly { unit: string; name: string; zone: string }[]) => rows;
  const unitName = (id: string) => b.preventable.byUnit.find((u) => u.unit === id)?.name ?? id;
  const p = b.preventable;
  const pa = b.patrol;
  const rc = b.rollcalls;
  const ins = b.inspections;
  const lic = b.licences;

  const s1 = [
    `<div class="kpis">${kpi(String(p.total.thisWeek), '本周警情', 'Alerts this week')}${kpi(signed(p.total.change), '较上周', 'vs last week')}${kpi(String(p.escalated), '升级', 'Escalated')}${kpi(p.ackMedianMs === null ? '—' : `${(p.ackMedianMs / 1000).toFixed(1)} s`, '确认用时中位数', 'Median time to acknowledge')}</div>`,
    barChart({
      title: '警情分类 本周/上周 · Alerts by kind, this week vs last week',
      categories: p.byKind.map((k) => KIND_LABELS[k.kind].zh),
      series: [
        { name: `本周 ${b.week}`, color: C.now, values: p.byKind.map((k) => k.thisWeek) },
        { name: `上周 ${b.lastWeek}`, color: C.before, values: p.byKind.map((k) => k.lastWeek) },
      ],
    }),
    table(
      [
        ['类别', 'Kind'],
        ['本周', 'This week'],
        ['上周', 'Last week'],
        ['增减', 'Change'],
      ],
      p.byKind.map((k) => [
        `${KIND_LABELS[k.kind].zh} ${KIND_LABELS[k.kind].en}`,
        k.thisWeek,
        k.lastWeek,
        signed(k.change),
      ]),
    ),
    p.offlineDevices.length > 0
      ? table(
          [
            ['设备', 'Device'],
            ['单位', 'Unit'],
            ['离线次数', 'Times offline'],
          ],
          p.offlineDevices.map((d) => [d.device, unitName(d.unit), d.times]),
        )
      : '',
  ].join('');

  const s2 = [
    `<div class="kpis">${kpi(String(pa.toursCompleted), '完成巡逻', 'Tours completed')}${kpi(String(pa.toursMissed + pa.scheduleMissed), '漏巡', 'Tours missed')}${kpi(String(pa.toursLate), '迟到巡逻', 'Late tours')}${kpi(share(pa.coverage), `点位覆盖 ${pa.checkpointsVisited}/${pa.checkpointsTotal}`, 'Checkpoint coverage')}</div>`,
    barChart({
      title: '每日巡逻 · Tours per day',
      categories: pa.perDay.map((d) => d.day.slice(5)),
      series: [
        { name: '完成 completed', color: C.ok, values: pa.perDay.map((d) => d.completed) },
        { name: '漏巡 missed', color: C.now, values: pa.perDay.map((d) => d.missed) },
      ],
    }),
    unitChart(units(pa.byUnit), b.zones, {
      title: '各单位点位覆盖率 · Checkpoint coverage by unit',
      series: [{ name: '覆盖率 coverage', color: C.blue, value: (i) => pa.byUnit[i]?.coverage ?? 0 }],
      format: 'percent',
      threshold: { value: b.thresholds.coverage, label: `${Math.round(b.thresholds.coverage * 100)}%` },
    }),
    table(
      [
        ['单位', 'Unit'],
        ['点位', 'Checkpoints'],
        ['已巡', 'Visited'],
        ['覆盖率', 'Coverage'],
        ['联防巡逻（次）', 'Joint tours'],
        ['联防巡逻（天）', 'Joint days'],
      ],
      pa.byUnit.map((u) => [u.name, u.checkpoints, u.visited, share(u.coverage), u.jointTours, u.jointDays]),
    ),
  ].join('');

  const s3 = [
    `<div class="kpis">${kpi(String(rc.calls), '点名次数', 'Roll calls')}${kpi(share(rc.attendance), `到岗率 ${rc.answered}/${rc.expected}`, 'Attendance')}</div>`,
    unitChart(units(rc.byUnit), b.zones, {
      title: '各单位点名到岗率 · Roll-call attendance by unit',
      series: [{ name: '到岗率 attendance', color: C.ok, value: (i) => rc.byUnit[i]?.attendance ?? 0 }],
      format: 'percent',
      threshold: { value: b.thresholds.attendance, label: `${Math.round(b.thresholds.attendance * 100)}%` },
    }),
    table(
      [
        ['单位', 'Unit'],
        ['点名', 'Calls'],
        ['应到', 'Expected'],
        ['实到', 'Answered'],
        ['到岗率', 'Attendance'],
        ['缺勤人员', 'Absentees'],
      ],
      rc.byUnit.map((u) => [
        u.name,
        u.calls,
        u.expected,
        u.answered,
        share(u.attendance),
        u.absentees.map((a) => `${a.name}×${a.times}`).join('、'),
      ]),
    ),
  ].join('');

  const s4 = [
    `<div class="kpis">${kpi(String(ins.count), '检查次数', 'Inspections')}${kpi(String(ins.violations), '发现违规', 'Violations')}</div>`,
    unitChart(units(ins.byUnit), b.zones, {
      title: '各单位检查与违规 · Inspections and violations by unit',
      series: [
        { name: '检查 inspections', color: C.blue, value: (i) => ins.byUnit[i]?.inspections ?? 0 },
        { name: '违规 violations', color: C.warn, value: (i) => ins.byUnit[i]?.violations ?? 0 },
      ],
    }),
    table(
      [
        ['时间', 'Time'],
        ['单位', 'Unit'],
        ['检查人', 'By'],
        ['违规', 'Violations'],
        ['备注', 'Note'],
      ],
      ins.list.map((i) => [
        DateTime.fromISO(i.at, { zone: tz }).toFormat('MM-dd HH:mm'),
        i.name,
        i.byName,
        i.violations,
        i.note,
      ]),
    ),
  ].join('');

  const s5 = [
    `<div class="kpis">${kpi(share(lic.share), `持证率 ${lic.licensed}/${lic.guards}`, 'Licensed share')}</div>`,
    unitChart(units(lic.byUnit), b.zones, {
      title: '各单位保安员持证率 · Licensed guards by unit',
      series: [{ name: '持证率 licensed', color: C.blue, value: (i) => lic.byUnit[i]?.share ?? 0 }],
      format: 'percent',
      threshold: { value: b.thresholds.licensed, label: `${Math.round(b.thresholds.licensed * 100)}%` },
    }),
    table(
      [
        ['单位', 'Unit'],
        ['保安员', 'Guards'],
        ['持证', 'Licensed'],
        ['持证率', 'Share'],
      ],
      lic.byUnit.map((u) => [u.name, u.guards, u.licensed, share(u.share)]),
    ),
  ].join('');

  // grouped by rule: one heading with its count, then the units and their figures
  const s6 = `<ol class="suggestions">${groupSuggestions(b.suggestions, b.thresholds)
    .map(
      (g) =>
        `<li data-rule="${esc(g.rule)}" data-count="${g.count}"><p>${esc(g.title.zh)}</p><p class="en" lang="en">${esc(g.title.en)}</p>${
          g.items.length
            ? `<p class="items">${g.items.map((x) => esc(x.zh)).join('；')}</p><p class="en items" lang="en">${g.items.map((x) => esc(x.en)).join('; ')}</p>`
            : ''
        }</li>`,
    )
    .join('')}</ol>`;

  const items = Object.keys(b.points.rules) as (keyof PointsRules)[];
  const points = `<section class="aspect" id="points"><h2>积分通报 <small lang="en">Points (weekly tally, monthly total ${esc(b.points.month)})</small></h2>
<p class="rules">${items.map((k) => `${esc(POINT_LABELS[k].zh)} ${signed(b.points.rules[k])}`).join(' · ')}</p>
${unitChart(units(b.points.units), b.zones, {
  title: '各单位本周积分 · Unit points this week',
  series: [{ name: '本周 week', color: C.ok, value: (i) => b.points.units[i]?.week ?? 0 }],
})}
${table(
  [
    ['单位', 'Unit'],
    ['本周', 'Week'],
    ['本月累计', 'Month'],
    ...items.map((k): [string, string] => [POINT_LABELS[k].zh, POINT_LABELS[k].en]),
  ],
  b.points.units.map((u) => [u.name, u.week, u.month, ...items.map((k) => u.breakdown[k])]),
)}
${table(
  [
    ['保安员', 'Guard'],
    ['单位', 'Unit'],
    ['本周', 'Week'],
    ['本月累计', 'Month'],
    ...items.map((k): [string, string] => [POINT_LABELS[k].zh, POINT_LABELS[k].en]),
  ],
  b.points.guards.map((g) => [
    g.name,
    unitName(g.unit),
    g.week,
    g.month,
    ...items.map((k) => g.breakdown[k]),
  ]),
)}</section>`;

  const title = `${b.site.name} 保安联勤联防一周通报 ${b.week}`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head><body>
<header><h1>${esc(b.site.name)} 保安联勤联防一周通报<br><small lang="en">Weekly joint-patrol bulletin</small></h1>
<p class="meta">${esc(scope)} · ${esc(b.week)}(${day(b.from)} 至 ${day(b.to, -1)})· 生成 generated ${esc(DateTime.fromISO(b.generatedAt, { zone: tz }).toFormat('yyyy-MM-dd HH:mm'))}</p></header>
<main>${[s1, s2, s3, s4, s5, s6].map((s, i) => section(i, s)).join('\n')}
${renderResponse(b)}
${renderExceptions(b)}
${points}</main>
<footer>guardpost · ${esc(b.site.id)} · ${esc(tz)}</footer>
</body></html>
`;
}

const CSS = `
:root{--ink:#1b1f24;--muted:#5f6b76;--line:#d7dde3;--accent:#b71c1c}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1000px;padding:24px;font:15px/1.55 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:var(--ink);background:#fff}
h1{font-size:26px;margin:0 0 4px;color:var(--accent)}h1 small,h2 small{font-weight:400;color:var(--muted);font-size:.6em}
h2{font-size:20px;border-left:6px solid var(--accent);padding-left:10px;margin:28px 0 12px}
.meta{color:var(--muted);margin:0 0 8px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:140px}
.kpi .v{font-size:24px;font-weight:700}.kpi .l{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;margin:10px 0 4px;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}th small{color:var(--muted);font-weight:400}
td.empty{color:var(--muted);text-align:center}
svg.chart{width:100%;height:auto;display:block;margin:8px 0}
svg .chart-title{font-size:13px;font-weight:600;fill:var(--ink)}
svg .tick,svg .cat,svg .legend,svg .value{font-size:11px;fill:var(--muted)}
svg .grid{stroke:#eceff1}svg .axis{stroke:#90a4ae}
svg .threshold{stroke:var(--accent);stroke-dasharray:5 4}svg .threshold-label{font-size:11px;fill:var(--accent)}
.suggestions li{margin:0 0 10px}.suggestions p{margin:0}.suggestions .en{color:var(--muted);font-size:13px}.suggestions .items{font-size:14px}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:0 16px}
.note{color:var(--muted);font-size:13px}
.rules{color:var(--muted);font-size:13px}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{
  @page{size:A4;margin:14mm}
  body{max-width:none;padding:0;font-size:11pt}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  section{break-inside:avoid-page}
  h2{break-after:avoid}
  table{page-break-inside:auto}tr{break-inside:avoid}
}
`;
