/** (6) 工作建议: sentences (zh + en) generated from the week's shortfalls. */
import type { Site } from '../config/site.js';
import type {
  BulletinThresholds,
  InspectionSummary,
  LicenceSummary,
  PatrolActivity,
  PreventableCases,
  RollcallSummary,
  Suggestion,
} from './types.js';

export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const pct0 = (v: number): string => `${Math.round(v * 100)}%`;

export function suggestions(
  site: Site,
  t: BulletinThresholds,
  a: {
    preventable: PreventableCases;
    patrol: PatrolActivity;
    rollcalls: RollcallSummary;
    inspections: InspectionSummary;
    licences: LicenceSummary;
  },
): Suggestion[] {
  const out: Suggestion[] = [];
  const label = (unit: string, name: string) => `${unit} ${name}`;

  const p = a.preventable;
  if (p.total.change > 0) {
    out.push({
      rule: 'alerts',
      unit: null,
      zh: `本周警情 ${p.total.thisWeek} 起,较上周增加 ${p.total.change} 起,请各单位加强巡查和防范宣传。`,
      en: `${p.total.thisWeek} alerts this week, ${p.total.change} more than last week: step up patrols and prevention publicity.`,
    });
  }
  if (p.escalated >= t.escalations) {
    out.push({
      rule: 'escalation',
      unit: null,
      zh: `本周有 ${p.escalated} 起警情因无人及时确认而升级至联勤组,请值班室保持在岗、及时确认。`,
      en: `${p.escalated} alerts escalated to the joint duty group because nobody acknowledged in time: keep duty rooms staffed and acknowledge promptly.`,
    });
  }
  for (const r of a.rollcalls.byUnit) {
    if (r.attendance === null || r.attendance >= t.attendance) continue;
    const who = r.absentees.map((x) => `${x.name}×${x.times}`).join('、');
    out.push({
      rule: 'attendance',
      unit: r.unit,
      zh: `${label(r.unit, r.name)} 本周系统点名到岗率 ${pct(r.attendance)},低于 ${pct0(t.attendance)},请核查缺勤人员(${who})并加强值班纪律。`,
      en: `${label(r.unit, r.name)}: roll-call attendance ${pct(r.attendance)} this week, below ${pct0(t.attendance)}; follow up the absentees (${who}) and tighten duty discipline.`,
    });
  }
  for (const r of a.patrol.byUnit) {
    if (r.coverage === null || r.coverage >= t.coverage) continue;
    out.push({
      rule: 'coverage',
      unit: r.unit,
      zh: `${label(r.unit, r.name)} 巡逻点位覆盖率 ${pct(r.coverage)}(${r.visited}/${r.checkpoints}),低于 ${pct0(t.coverage)},请按路线逐点打卡,不留盲区。`,
      en: `${label(r.unit, r.name)}: checkpoint coverage ${pct(r.coverage)} (${r.visited}/${r.checkpoints}), below ${pct0(t.coverage)}; visit every checkpoint of the route, leave no gaps.`,
    });
  }
  if (a.patrol.hasJointRoutes) {
    const jointZones = new Set(site.config.routes.filter((r) => r.joint === true).map((r) => r.zone));
    for (const r of a.patrol.byUnit) {
      if (!jointZones.has(r.zone) || r.jointDays >= t.jointDays) continue;
      out.push({
        rule: 'joint',
        unit: r.unit,
        zh: `${label(r.unit, r.name)} 本周参加联勤联防巡逻 ${r.jointDays} 天,少于 ${t.jointDays} 天,请每天派 1 名保安员参加片区联合巡逻。`,
        en: `${label(r.unit, r.name)}: joined the zone's joint patrol on ${r.jointDays} days, fewer than ${t.jointDays}; send one guard to the joint patrol every day.`,
      });
    }
  }
  for (const d of p.offlineDevices) {
    if (d.times < t.offlineTimes) continue;
    const u = site.units.get(d.unit);
    out.push({
      rule: 'offline',
      unit: d.unit,
      zh: `${label(d.unit, u?.name ?? d.unit)} 设备 ${d.device} 本周离线 ${d.times} 次,请检查供电、电池和网络。`,
      en: `${label(d.unit, u?.name ?? d.unit)}: device ${d.device} went offline ${d.times} times this week; check its power, battery and network.`,
    });
  }
  for (const r of a.inspections.byUnit) {
    if (r.violations === 0) continue;
    out.push({
      rule: 'inspection',
      unit: r.unit,
      zh: `${label(r.unit, r.name)} 实地检查发现问题 ${r.violations} 处,请限期整改并报派出所复查。`,
      en: `${label(r.unit, r.name)}: on-site inspections found ${r.violations} violations; fix them by the deadline and report back to the station.`,
    });
  }
  for (const r of a.licences.byUnit) {
    if (r.share === null || r.share >= t.licensed) continue;
    out.push({
      rule: 'licence',
      unit: r.unit,
      zh: `${label(r.unit, r.name)} 保安员持证率 ${pct(r.share)}(${r.licensed}/${r.guards}),低于 ${pct0(t.licensed)},请组织未持证人员参加每月上机考试。`,
      en: `${label(r.unit, r.name)}: licensed guards ${pct(r.share)} (${r.licensed}/${r.guards}), below ${pct0(t.licensed)}; enrol the unlicensed guards in the monthly exam.`,
    });
  }
  if (out.length === 0) {
    out.push({
      rule: 'ok',
      unit: null,
      zh: '本周各项指标均达标,请继续保持。',
      en: 'Every figure met its threshold this week; keep it up.',
    });
  }
  return out;
}
