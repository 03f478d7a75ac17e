/**
 * The bulletin's response section (issue 13.6): acknowledgement times,
 * escalations and their ladder levels, false alarms over 12 months per unit,
 * the week's drills and button tests, buttons overdue for a test. A figure
 * the journal does not record yet (older gateway) reads "未记录 / not
 * recorded", never 0.
 */
import { DateTime } from 'luxon';
import { textsOf } from '../model/texts.js';
import { KIND_LABELS } from './labels.js';
import { kpi, table } from './render-parts.js';
import { escapeXml as esc } from './svg.js';
import type { Bulletin } from './types.js';

const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} 秒`);
const NOT_RECORDED = '未记录';

export function renderResponse(b: Bulletin): string {
  const r = b.response;
  const tz = b.site.timezone;
  const active = r.byUnit.filter((u) => u.alerts > 0 || u.falseYear > 0);
  const quiet = r.byUnit.length - active.length;
  const levels = (byLevel: Record<string, number>): string =>
    Object.entries(byLevel)
      .sort(([a], [c]) => Number(a) - Number(c))
      .map(([level, n]) => `第 ${level} 级 ${n} 起`)
      .join('、') || '—';
  const drills = r.drills.filter((d) => d.mode === 'drill').length;
  const tests = r.drills.length - drills;
  const since = DateTime.fromISO(r.yearFrom, { zone: tz }).toFormat('yyyy-MM-dd');
  const unitRows = table(
    [
      ['单位', 'Unit'],
      ['本周警情', 'Alerts'],
      ['已确认', 'Acknowledged'],
      ['确认用时中位数', 'Median ack'],
      ['确认用时 P90', 'P90 ack'],
      ['升级', 'Escalated'],
      ['升级所至级别', 'Ladder level reached'],
      ['近 12 个月误报', 'False alarms, 12 months'],
    ],
    active.map((u) => [
      u.name,
      u.alerts,
      u.acknowledged,
      secs(u.ackMedianMs),
      secs(u.ackP90Ms),
      u.escalated,
      r.recorded.levels ? levels(u.byLevel) : NOT_RECORDED,
      r.recorded.classification ? `${u.falseYear} / ${u.classifiedYear}` : NOT_RECORDED,
    ]),
    'response-units',
  );
  const drillRows = table(
    [
      ['时间', 'Time'],
      ['单位', 'Unit'],
      ['类别', 'Kind'],
      ['方式', 'Mode'],
      ['查看用时', 'To view'],
      ['确认用时', 'To acknowledge'],
      ['处置用时', 'To resolve'],
    ],
    r.drills.map((d) => [
      DateTime.fromISO(d.raisedAt, { zone: tz }).toFormat('M月d日 HH:mm'),
      d.name,
      textsOf(KIND_LABELS, d.kind).zh,
      d.mode === 'drill' ? '演练' : '按钮测试',
      secs(d.viewMs),
      secs(d.ackMs),
      secs(d.resolveMs),
    ]),
  );
  const overdue = r.overdueButtons.length
    ? `<p class="items">${r.overdueButtons
        .map((x) =>
          esc(
            `${x.name} ${x.device}（${x.lastTest ? `上次测试 ${DateTime.fromISO(x.lastTest, { zone: tz }).toFormat('M月d日')}` : '12 个月内未测试'}）`,
          ),
        )
        .join('；')}</p>`
    : '<p class="note">所有紧急按钮均在期限内测试过。 <small lang="en">Every panic button was tested in time.</small></p>';
  const notes = [
    r.recorded.levels ? '' : '升级级别：本网关的记录中没有 / ladder levels: not in this journal.',
    r.recorded.classification
      ? ''
      : '误报：警情处置时尚未记录结论 / false alarms: no classified resolutions in this journal.',
    r.recorded.modes
      ? ''
      : '演练与按钮测试：本网关的记录中没有 / drills and button tests: not in this journal.',
  ].filter((n) => n);
  return `<section class="aspect" id="response"><h2>警情响应与演练 <small lang="en">Response times, false alarms, drills and tests</small></h2>
<div class="kpis">${kpi(secs(r.ackMedianMs), '确认用时中位数', 'Median time to acknowledge')}${kpi(secs(r.ackP90Ms), '确认用时 P90', '90th percentile')}${kpi(String(r.byUnit.reduce((n, u) => n + u.escalated, 0)), '升级', 'Escalated')}${kpi(String(drills), '演练', 'Drills')}${kpi(String(tests), '按钮测试', 'Button tests')}${kpi(`${r.overdueButtons.length}/${r.panicButtons}`, `超过 ${b.thresholds.buttonTestDays} 天未测试的按钮`, 'Buttons overdue for a test')}</div>
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}
<h3>各单位响应 <small lang="en">By unit (live alerts; false alarms since ${esc(since)})</small></h3>
${unitRows}${quiet > 0 ? `<p class="note">其余 ${quiet} 个单位本周无警情、近 12 个月无误报。 <small lang="en">${quiet} other units: no alerts this week, no false alarms in 12 months.</small></p>` : ''}
<h3>本周演练与按钮测试 <small lang="en">Drills and button tests this week</small></h3>
${drillRows}
<h3>待测试的紧急按钮 <small lang="en">Panic buttons overdue for a test</small></h3>
${overdue}</section>`;
}
