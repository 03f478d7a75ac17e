/**
 * (6) 工作建议: sentences (zh + en) generated from the week's shortfalls, and
 * their grouping by rule for the page (one heading with a count, then the
 * units with their figures, instead of one long sentence per unit).
 */
import type { Site } from '../config/site.js';
import type {
  BulletinThresholds,
  InspectionSummary,
  LicenceSummary,
  PatrolActivity,
  PatrolExceptionSummary,
  PreventableCases,
  ResponseSummary,
  RollcallSummary,
  Suggestion,
} from './types.js';

export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const pct0 = (v: number): string => `${Math.round(v * 100)}%`;

/** A rule's heading on the page, said once for all the units it names (the items follow). */
export const RULE_TITLES: Record<string, (t: BulletinThresholds, n: number) => { zh: string; en: string }> = {
  attendance: (t, n) => ({
    zh: `系统点名到岗率低于 ${pct0(t.attendance)}（${n} 个单位）：请核查缺勤人员并加强值班纪律。`,
    en: `Roll-call attendance below ${pct0(t.attendance)} (${n} units): follow up the absentees and tighten duty discipline.`,
  }),
  coverage: (t, n) => ({
    zh: `巡逻点位覆盖率低于 ${pct0(t.coverage)}（${n} 个单位）：请按路线逐点打卡，不留盲区。`,
    en: `Checkpoint coverage below ${pct0(t.coverage)} (${n} units): visit every checkpoint of the route, leave no gaps.`,
  }),
  joint: (t, n) => ({
    zh: `本周参加联勤联防巡逻少于 ${t.jointDays} 天（${n} 个单位）：请每天派 1 名保安员参加片区联合巡逻。`,
    en: `Joined the zone's joint patrol on fewer than ${t.jointDays} days (${n} units): send one guard every day.`,
  }),
  offline: (t, n) => ({
    zh: `设备本周离线 ${t.offlineTimes} 次以上（${n} 台）：请检查供电、电池和网络。`,
    en: `Devices offline ${t.offlineTimes} times or more this week (${n}): check their power, battery and network.`,
  }),
  inspection: (_t, n) => ({
    zh: `实地检查发现问题（${n} 个单位）：请限期整改并报派出所复查。`,
    en: `On-site inspections found violations (${n} units): fix them by the deadline and report back to the station.`,
  }),
  licence: (t, n) => ({
    zh: `保安员持证率低于 ${pct0(t.licensed)}（${n} 个单位）：请组织未持证人员参加每月上机考试。`,
    en: `Licensed guards below ${pct0(t.licensed)} (${n} units): enrol the unlicensed guards in the monthly exam.`,
  }),
  false_alarm: (t, n) => ({
    zh: `近 12 个月误报 ${t.falseAlarms} 次以上（${n} 个单位）：请检查报警按钮安装位置，并培训值班人员正确使用。`,
    en: `${t.falseAlarms} or more false alarms in 12 months (${n} units): check where the panic buttons are mounted and train the duty staff.`,
  }),
  fake_patrol: (t, n) => ({
    zh: `本周疑似虚假巡更（重复打点、用时过短、一机多人、点位异常）${t.fakeSigns} 次以上（${n} 个单位）：请核查巡更记录，严禁代巡、刷点。`,
    en: `${t.fakeSigns} or more signs of fake patrols this week (rescans, impossible travel, proxy taps, moved readers) (${n} units): check the patrol records; no proxy or desk taps.`,
  }),
  button_test: (t, n) => ({
    zh: `紧急按钮超过 ${t.buttonTestDays} 天未测试（${n} 个）：请在测试时段内逐个按下测试。`,
    en: `Panic buttons not tested for over ${t.buttonTestDays} days (${n}): press each one during a test window.`,
  }),
};

export interface SuggestionGroup {
  rule: string;
  /** How many suggestions (units, devices) the rule made. */
  count: number;
  /** The heading; for a rule of one suggestion, its full sentence. */
  title: { zh: string; en: string };
  items: { unit: string | null; zh: string; en: string }[];
}

/** The page's view of the suggestions: one entry per rule with its count, in first-seen order. */
export function groupSuggestions(list: readonly Suggestion[], t: BulletinThresholds): SuggestionGroup[] {
  const groups = new Map<string, Suggestion[]>();
  for (const s of list) groups.set(s.rule, [...(groups.get(s.rule) ?? []), s]);
  return [...groups].map(([rule, items]) => {
    const title = RULE_TITLES[rule];
    const first = items[0] as Suggestion;
    // one suggestion reads best as its own sentence; several share the rule's heading
    if (items.length === 1 || !title) {
      return {
        rule,
        count: items.length,
        title: { zh: first.zh, en: first.en },
        items: items.slice(1).map((x) => ({ unit: x.unit, zh: x.zh, en: x.en })),
      };
    }
    return {
      rule,
      count: items.length,
      title: title(t, items.length),
      items: items.map((x) => ({ unit: x.unit, zh: x.item?.zh ?? x.zh, en: x.item?.en ?? x.en })),
    };
  });
}

export function suggestions(
  site: Site,
  t: BulletinThresholds,
  a: {
    preventable: PreventableCases;
    patrol: PatrolActivity;
    rollcalls: RollcallSummary;
    inspections: InspectionSummary;
    licences: LicenceSummary;
    response?: ResponseSummary;
    exceptions?: PatrolExceptionSummary;
  },
): Suggestion[] {
  const out: Suggestion[] = [];

  const p = a.preventable;
  if (p.total.change > 0) {
    out.push({
      rule: 'alerts',
      unit: null,
      zh: `本周警情 ${p.total.thisWeek} 起，较上周增加 ${p.total.change} 起，请各单位加强巡查和防范宣传。`,
      en: `${p.total.thisWeek} alerts this week, ${p.total.change} more than last week: step up patrols and prevention publicity.`,
    });
  }
  if (p.escalated >= t.escalations) {
    out.push({
      rule: 'escalation',
      unit: null,
      zh: `本周有 ${p.escalated} 起警情因无人及时确认而升级至联勤组，请值班室保持在岗、及时确认。`,
      en: `${p.escalated} alerts escalated to the joint duty group because nobody acknowledged in time: keep duty rooms staffed and acknowledge promptly.`,
    });
  }
  for (const r of a.rollcalls.byUnit) {
    if (r.attendance === null || r.attendance >= t.attendance) continue;
    const who = r.absentees.map((x) => `${x.name}×${x.times}`).join('、');
    out.push({
      rule: 'attendance',
      unit: r.unit,
      zh: `${r.name}本周系统点名到岗率 ${pct(r.attendance)}，低于 ${pct0(t.attendance)}，请核查缺勤人员（${who}）并加强值班纪律。`,
      en: `${r.name}: roll-call attendance ${pct(r.attendance)} this week, below ${pct0(t.attendance)}; follow up the absentees (${who}) and tighten duty discipline.`,
      item: {
        zh: `${r.name} ${pct(r.attendance)}（缺勤：${who}）`,
        en: `${r.name} ${pct(r.attendance)} (absent: ${who})`,
      },
    });
  }
  for (const r of a.patrol.byUnit) {
    if (r.coverage === null || r.coverage >= t.coverage) continue;
    out.push({
      rule: 'coverage',
      unit: r.unit,
      zh: `${r.name}巡逻点位覆盖率 ${pct(r.coverage)}（${r.visited}/${r.checkpoints}），低于 ${pct0(t.coverage)}，请按路线逐点打卡，不留盲区。`,
      en: `${r.name}: checkpoint coverage ${pct(r.coverage)} (${r.visited}/${r.checkpoints}), below ${pct0(t.coverage)}; visit every checkpoint of the route, leave no gaps.`,
      item: {
        zh: `${r.name} ${pct(r.coverage)}（${r.visited}/${r.checkpoints}）`,
        en: `${r.name} ${pct(r.coverage)} (${r.visited}/${r.checkpoints})`,
      },
    });
  }
  if (a.patrol.hasJointRoutes) {
    const jointZones = new Set(site.config.routes.filter((r) => r.joint === true).map((r) => r.zone));
    for (const r of a.patrol.byUnit) {
      if (!jointZones.has(r.zone) || r.jointDays >= t.jointDays) continue;
      out.push({
        rule: 'joint',
        unit: r.unit,
        zh: `${r.name}本周参加联勤联防巡逻 ${r.jointDays} 天，少于 ${t.jointDays} 天，请每天派 1 名保安员参加片区联合巡逻。`,
        en: `${r.name}: joined the zone's joint patrol on ${r.jointDays} days, fewer than ${t.jointDays}; send one guard to the joint patrol every day.`,
        item: { zh: `${r.name} ${r.jointDays} 天`, en: `${r.name} ${r.jointDays} days` },
      });
    }
  }
  for (const d of p.offlineDevices) {
    if (d.times < t.offlineTimes) continue;
    const name = site.units.get(d.unit)?.name ?? d.unit;
    out.push({
      rule: 'offline',
      unit: d.unit,
      zh: `${name}设备 ${d.device} 本周离线 ${d.times} 次，请检查供电、电池和网络。`,
      en: `${name}: device ${d.device} went offline ${d.times} times this week; check its power, battery and network.`,
      item: { zh: `${name} ${d.device} ${d.times} 次`, en: `${name} ${d.device} ${d.times} times` },
    });
  }
  for (const r of a.inspections.byUnit) {
    if (r.violations === 0) continue;
    out.push({
      rule: 'inspection',
      unit: r.unit,
      zh: `${r.name}实地检查发现问题 ${r.violations} 处，请限期整改并报派出所复查。`,
      en: `${r.name}: on-site inspections found ${r.violations} violations; fix them by the deadline and report back to the station.`,
      item: { zh: `${r.name} ${r.violations} 处`, en: `${r.name} ${r.violations} violations` },
    });
  }
  for (const r of a.licences.byUnit) {
    if (r.share === null || r.share >= t.licensed) continue;
    out.push({
      rule: 'licence',
      unit: r.unit,
      zh: `${r.name}保安员持证率 ${pct(r.share)}（${r.licensed}/${r.guards}），低于 ${pct0(t.licensed)}，请组织未持证人员参加每月上机考试。`,
      en: `${r.name}: licensed guards ${pct(r.share)} (${r.licensed}/${r.guards}), below ${pct0(t.licensed)}; enrol the unlicensed guards in the monthly exam.`,
      item: {
        zh: `${r.name} ${pct(r.share)}（${r.licensed}/${r.guards}）`,
        en: `${r.name} ${pct(r.share)} (${r.licensed}/${r.guards})`,
      },
    });
  }
  for (const r of a.response?.byUnit ?? []) {
    if (r.falseYear < t.falseAlarms) continue;
    out.push({
      rule: 'false_alarm',
      unit: r.unit,
      zh: `${r.name}近 12 个月误报 ${r.falseYear} 次，请检查报警按钮安装位置，并培训值班人员正确使用。`,
      en: `${r.name}: ${r.falseYear} false alarms in 12 months; check where the panic buttons are mounted and train the duty staff.`,
      item: { zh: `${r.name} ${r.falseYear} 次`, en: `${r.name} ${r.falseYear} times` },
    });
  }
  for (const r of a.exceptions?.byUnit ?? []) {
    if (r.fakeSigns < t.fakeSigns) continue;
    out.push({
      rule: 'fake_patrol',
      unit: r.unit,
      zh: `${r.name}本周疑似虚假巡更 ${r.fakeSigns} 次（重复打点、用时过短、一机多人、点位异常），请核查巡更记录，严禁代巡、刷点。`,
      en: `${r.name}: ${r.fakeSigns} signs of fake patrols this week (rescans, impossible travel, proxy taps, moved readers); check the patrol records, no proxy or desk taps.`,
      item: { zh: `${r.name} ${r.fakeSigns} 次`, en: `${r.name} ${r.fakeSigns} times` },
    });
  }
  // only once the gateway records button tests: before that "never tested" says nothing about the buttons
  if (a.response?.recorded.modes) {
    for (const b of a.response.overdueButtons) {
      out.push({
        rule: 'button_test',
        unit: b.unit,
        zh: `${b.name}紧急按钮 ${b.device} 超过 ${t.buttonTestDays} 天未测试，请在测试时段内按下测试。`,
        en: `${b.name}: panic button ${b.device} not tested for over ${t.buttonTestDays} days; press it during a test window.`,
        item: { zh: `${b.name} ${b.device}`, en: `${b.name} ${b.device}` },
      });
    }
  }
  if (out.length === 0) {
    out.push({
      rule: 'ok',
      unit: null,
      zh: '本周各项指标均达标，请继续保持。',
      en: 'Every figure met its threshold this week; keep it up.',
    });
  }
  return out;
}
