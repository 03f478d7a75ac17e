/**
 * Human texts of alerts, in Simplified Chinese and English, built from the
 * names in the site config. One template per kind for the raise, and one
 * decoration per later state (prefixed, so the raise text can be recovered
 * from any later payload: see baseOf()).
 *
 * `message` on the wire is `${zh} / ${en}`. The Chinese half names units,
 * devices, guards, checkpoints, routes and accounts by their names from the
 * config (ids only where the site gives no name) and says durations as a
 * reader would ("2 分钟"); the English half keeps the ids beside the names
 * and "silent for N s" (the console reads the silence from it).
 */
import type { Site } from '../../config/site.js';
import type { AlertState } from '../../model/alert.js';

export interface Texts {
  zh: string;
  en: string;
}

export function joinTexts(t: Texts): string {
  return `${t.zh} / ${t.en}`;
}

/** The name in Chinese, the name and the id in English; the id alone when there is no name. */
function named(name: string | undefined, id: string): Texts {
  return name ? { zh: name, en: `${name} (${id})` } : { zh: id, en: id };
}

export const unitLabel = (site: Site, unit: string): Texts => named(site.units.get(unit)?.name, unit);
const guardName = (site: Site, guard: string): Texts => named(site.guards.get(guard)?.name, guard);
const checkpointName = (site: Site, cp: string): Texts => named(site.checkpoints.get(cp)?.name, cp);
const routeName = (site: Site, route: string): Texts => named(site.routes.get(route)?.name, route);

const DEVICE_KIND_ZH: Record<string, string> = {
  panic: '紧急按钮',
  reader: '巡更棒',
  rollcall: '点名机',
};

/** A device by where it is ("门卫室东墙紧急按钮") when the config says so, else its id. */
export function deviceLabel(site: Site, device: string): Texts {
  const d = site.devices.get(device);
  if (!d?.location) return { zh: device, en: device };
  return { zh: `${d.location}${DEVICE_KIND_ZH[d.kind] ?? '设备'}`, en: `${device} (${d.location})` };
}

/** Who acted: a console shows as its unit's duty room, an operator by its name (else its id). */
export function actorLabel(site: Site, account: string): Texts {
  const a = site.accounts.get(account);
  if (a?.kind === 'console') {
    return { zh: `${a.unit.name}值班室`, en: `${a.unit.name} duty room (${account})` };
  }
  if (a?.kind === 'operator') return named(a.operator.name, account);
  return { zh: account, en: account };
}

const devicesZh = (site: Site, devices: readonly string[]): string =>
  devices.map((d) => deviceLabel(site, d).zh).join('、');

/** A duration as a Chinese reader says it: "45 秒", "2 分钟", "1 分 30 秒", "2 小时 5 分". */
export function durationZh(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 10_000 && !Number.isInteger(ms / 1000)) return `${(ms / 1000).toFixed(1)} 秒`;
  if (s < 60) return `${s} 秒`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return m > 0 ? `${h} 小时 ${m} 分` : `${h} 小时`;
  return sec > 0 ? `${m} 分 ${sec} 秒` : `${m} 分钟`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

// ---- raise texts, one per kind ----

export function panicText(site: Site, unit: string): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 紧急报警：值班室按下报警按钮`,
    en: `Panic at ${u.en}: duty-room panic button pressed`,
  };
}

export function tamperText(site: Site, unit: string, device: string): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 防拆报警：设备 ${deviceLabel(site, device).zh} 外壳被打开`,
    en: `Tamper at ${u.en}: device ${device} reports its case opened`,
  };
}

export function offlineSilentText(site: Site, unit: string, device: string, silentMs: number): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 设备离线：${deviceLabel(site, device).zh} 已 ${durationZh(silentMs)}无心跳`,
    en: `Device offline at ${u.en}: ${device} silent for ${seconds(silentMs)} s`,
  };
}

export function offlineWillText(site: Site, unit: string, device: string): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 设备离线：${deviceLabel(site, device).zh} 连接断开`,
    en: `Device offline at ${u.en}: ${device} disconnected`,
  };
}

export function customText(site: Site, unit: string, message: string, by: string): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 通知（${actorLabel(site, by).zh}）：${message}`,
    en: `Notice for ${u.en} (from ${by}): ${message}`,
  };
}

/** For the patrol engine: checkpoints not visited on a tour. */
export function patrolMissedText(site: Site, route: string, missed: readonly string[]): Texts {
  const cps = missed.map((c) => checkpointName(site, c));
  const r = routeName(site, route);
  return {
    zh: `巡逻漏检：路线 ${r.zh} 有 ${missed.length} 个巡检点未到：${cps.map((c) => c.zh).join('、')}`,
    en: `Patrol missed: route ${r.en}, ${missed.length} checkpoint(s) not visited: ${cps.map((c) => c.en).join(', ')}`,
  };
}

/** For the patrol engine: a checkpoint (or tour) later than allowed. */
export function patrolLateText(site: Site, route: string, checkpoint: string | null): Texts {
  const r = routeName(site, route);
  if (checkpoint === null) {
    return {
      zh: `巡逻超时：路线 ${r.zh} 未按时完成`,
      en: `Patrol late: route ${r.en} not completed in time`,
    };
  }
  const cp = checkpointName(site, checkpoint);
  return {
    zh: `巡逻迟到：路线 ${r.zh} 巡检点 ${cp.zh} 迟到`,
    en: `Patrol late: route ${r.en}, checkpoint ${cp.en} reached late`,
  };
}

/** For the roll-call engine: guards who did not answer. */
export function rollcallAbsentText(site: Site, unit: string, call: string, absent: readonly string[]): Texts {
  const u = unitLabel(site, unit);
  const names = absent.map((g) => guardName(site, g));
  return {
    zh: `${u.zh} 点名缺勤（${call}）：${names.map((n) => n.zh).join('、')}`,
    en: `Roll call ${call} at ${u.en}: absent ${names.map((n) => n.en).join(', ')}`,
  };
}

// ---- state decorations ----

export type Decoration =
  | { state: 'raised' }
  | { state: 'escalated'; timeoutMs: number; accounts: readonly string[] }
  /** A ladder-form level (docs/alerts.md "Escalation ladder"): who this level told, by name. */
  | { state: 'escalated'; level: number; names: readonly string[] }
  | { state: 'acknowledged'; by: string; ackMs: number }
  | { state: 'resolved'; by: string }
  /** Closed by the gateway: restored, or folded into a grouped alert. */
  | { state: 'resolved'; by: 'system'; label: Texts };

/** The text of an alert in a given state, from its raise text. */
export function decorate(site: Site, base: Texts, d: Decoration): Texts {
  switch (d.state) {
    case 'raised':
      return base;
    case 'escalated': {
      if ('level' in d) {
        const zh = d.names.length > 0 ? d.names.join('、') : '无人';
        const en = d.names.length > 0 ? d.names.join(', ') : 'nobody';
        return {
          zh: `【已升级·第${d.level}级·已通知 ${zh}】${base.zh}`,
          en: `[ESCALATED to level ${d.level}: told ${en}] ${base.en}`,
        };
      }
      const to = d.accounts.length > 0 ? d.accounts.join(', ') : '-';
      const toZh = d.accounts.length > 0 ? d.accounts.map((a) => actorLabel(site, a).zh).join('、') : '片区';
      return {
        zh: `【已升级·${durationZh(d.timeoutMs)}内无人确认·已通知 ${toZh}】${base.zh}`,
        en: `[ESCALATED: no acknowledgement within ${seconds(d.timeoutMs)} s, sent to ${to}] ${base.en}`,
      };
    }
    case 'acknowledged': {
      const by = actorLabel(site, d.by);
      return {
        zh: `【已确认·${by.zh}·${durationZh(d.ackMs)}】${base.zh}`,
        en: `[ACKNOWLEDGED by ${by.en} after ${seconds(d.ackMs)} s] ${base.en}`,
      };
    }
    case 'resolved': {
      if ('label' in d) return { zh: `【${d.label.zh}】${base.zh}`, en: `[${d.label.en}] ${base.en}` };
      const by = actorLabel(site, d.by);
      return { zh: `【已解除·${by.zh}】${base.zh}`, en: `[RESOLVED by ${by.en}] ${base.en}` };
    }
  }
}

/** A drill's or test's raise text: marked first, so every card shows it. */
export function modeText(mode: 'drill' | 'test' | undefined, t: Texts): Texts {
  if (mode === 'drill') return { zh: `【演练】${t.zh}`, en: `[DRILL] ${t.en}` };
  if (mode === 'test') return { zh: `【测试】${t.zh}`, en: `[TEST] ${t.en}` };
  return t;
}

export function commissioningText(site: Site, unit: string, devices: readonly string[]): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 设备尚未投用：${devicesZh(site, devices)} 自登记以来从未上线`,
    en: `Not yet commissioned at ${u.en}: ${devices.join(', ')} never heard since added`,
  };
}

export function buttonTestText(site: Site, unit: string, devices: readonly string[], days: number): Texts {
  const u = unitLabel(site, unit);
  return {
    zh: `${u.zh} 报警按钮待测试：${devicesZh(site, devices)} 已超过 ${days} 天未测试`,
    en: `Button test due at ${u.en}: ${devices.join(', ')} not tested for ${days} days`,
  };
}

/** The raise text back from a decorated one (used when rebuilding from a later record). */
export function baseOf(t: Texts, state: AlertState): Texts {
  if (state === 'raised') return t;
  return { zh: t.zh.replace(/^【[^】]*】/, ''), en: t.en.replace(/^\[[^\]]*\] /, '') };
}
