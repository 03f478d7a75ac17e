/**
 * The bulletin's 巡更异常 / Patrol exceptions section: the week's exception
 * counts per zone and per unit (units with none are counted, not listed, so
 * 200 units stay readable).
 */
import { EXCEPTION_KINDS } from './exceptions.js';
import { EXCEPTION_LABELS } from './labels.js';
import { kpi, table } from './render-parts.js';
import type { Bulletin } from './types.js';

export function renderExceptions(b: Bulletin): string {
  const x = b.exceptions;
  const head: [string, string][] = EXCEPTION_KINDS.map((k) => [
    EXCEPTION_LABELS[k].zh,
    EXCEPTION_LABELS[k].en,
  ]);
  const total = EXCEPTION_KINDS.reduce((n, k) => n + x.total[k], 0);
  const fake = x.byUnit.reduce((n, u) => n + u.fakeSigns, 0);
  const active = x.byUnit.filter((u) => u.total > 0);
  const quiet = x.byUnit.length - active.length;
  const zoneName = (id: string) => x.byZone.find((z) => z.zone === id)?.name ?? id;
  const zones = table(
    [['片区', 'Zone'], ...head, ['合计', 'Total']],
    [
      ...x.byZone.map((z) => [z.name, ...EXCEPTION_KINDS.map((k) => z.counts[k]), z.total]),
      ...(x.byZone.length > 1 ? [['合计 Total', ...EXCEPTION_KINDS.map((k) => x.total[k]), total]] : []),
    ],
    'exceptions-zones',
  );
  const units = table(
    [['单位', 'Unit'], ['片区', 'Zone'], ...head, ['合计', 'Total']],
    active.map((u) => [u.name, zoneName(u.zone), ...EXCEPTION_KINDS.map((k) => u.counts[k]), u.total]),
    'exceptions-units',
  );
  return `<section class="aspect" id="exceptions"><h2>巡更异常 <small lang="en">Patrol exceptions</small></h2>
<div class="kpis">${kpi(String(total), '本周巡更异常', 'Patrol exceptions this week')}${kpi(String(fake), '疑似虚假巡更', 'Fake-patrol signs')}${kpi(String(x.total.two_person), '双人巡更不足两人', 'Two-person alone')}${kpi(String(x.total.overdue), '重点单位巡查超时', 'Key units overdue')}</div>
<p class="note">疑似虚假巡更：重复打点、两点间用时过短、一机多人、读卡器点位异常。 <small lang="en">Fake-patrol signs: rescans, impossible travel, proxy taps, moved readers.</small></p>
<h3>各片区 <small lang="en">By zone</small></h3>
${zones}
<h3>各单位 <small lang="en">By unit</small></h3>
${units}${quiet > 0 ? `<p class="note">其余 ${quiet} 个单位本周无巡更异常。 <small lang="en">${quiet} other units: no patrol exceptions this week.</small></p>` : ''}</section>`;
}
