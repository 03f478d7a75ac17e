/**
 * Alerts of patrol exceptions (docs/protocol-extensions.md "Patrol
 * exceptions"). They stay within the v1 alert kinds, so a v1 console shows
 * them with their text: an early tap is a `patrol_late` (a checkpoint outside
 * its time), an overdue key unit or a two-person checkpoint tapped alone is a
 * `patrol_missed`, the anti-fake findings and clock drift are `custom`. The
 * optional `exception` field names the exception for consoles that know it.
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { AlertKind, AlertRequest, Severity } from '../../model/alert.js';
import type { TapEvent } from '../../model/event.js';
import type { Texts } from '../../model/texts.js';
import { checkpointLabel, whoLabel } from './alerts.js';
import type { PatrolException } from './rules.js';
import { iso, localClock } from './time.js';
import { routeUnits } from './tour.js';

const KIND: Record<PatrolException, AlertKind> = {
  early: 'patrol_late',
  rescan: 'custom',
  impossible_travel: 'custom',
  proxy: 'custom',
  moved_reader: 'custom',
  clock_drift: 'custom',
  two_person: 'patrol_missed',
  overdue: 'patrol_missed',
};

const TEXT: Record<Exclude<PatrolException, 'overdue' | 'clock_drift'>, Texts> = {
  early: { zh: '巡更过早', en: 'Patrol early' },
  rescan: { zh: '巡更重复打点', en: 'Patrol rescan' },
  impossible_travel: { zh: '巡更疑似代巡：两点间用时过短', en: 'Patrol impossible travel' },
  proxy: { zh: '巡更疑似代巡：一机多人', en: 'Patrol proxy taps (one wand, several guards)' },
  moved_reader: { zh: '巡更点位异常：标签出现在其他读卡器', en: 'Patrol tag at an unexpected reader' },
  two_person: { zh: '双人巡更不足两人', en: 'Two-person patrol tapped alone' },
};

/** An exception found in a tap, for the checkpoint's unit and the route's units. */
export function tapExceptionAlert(
  site: Site,
  exception: Exclude<PatrolException, 'overdue' | 'clock_drift'>,
  severity: Severity,
  event: TapEvent,
  route: RouteConfig | null,
): AlertRequest {
  const cp = event.checkpoint ?? '';
  const unit = site.checkpoints.get(cp)?.unit ?? event.unit;
  const t = TEXT[exception];
  const where = checkpointLabel(site, cp);
  const who = whoLabel(site, event.guard, event.device);
  const at = localClock(event.at, site.timezone);
  const routePart = route
    ? { zh: `路线「${route.name ?? route.id}」`, en: `route ${route.name ?? route.id}, ` }
    : null;
  const targets = route ? routeUnits(site, route) : [unit];
  return {
    kind: KIND[exception],
    severity,
    zone: site.units.get(unit)?.zone ?? event.zone,
    unit,
    device: event.device,
    checkpoint: cp || null,
    guard: event.guard,
    route: route?.id ?? null,
    targets: targets.includes(unit) ? targets : [unit, ...targets],
    key: `patrol_exception:${exception}:${event.device}:${cp}`,
    messageZh: `${t.zh}：${routePart?.zh ?? ''}检查点 ${where}（${who}，${at}）`,
    messageEn: `${t.en}: ${routePart?.en ?? ''}checkpoint ${where} (${who}, ${at})`,
    details: [cp],
    exception,
  };
}

/** A unit with a protection level not patrolled (completed tour) within its interval. */
export function overdueAlert(
  site: Site,
  unit: string,
  since: number,
  intervalMs: number,
  severity: Severity,
): AlertRequest {
  const u = site.units.get(unit);
  const hours = Math.round(intervalMs / 3_600_000);
  const name = u ? `${u.name}(${unit})` : unit;
  return {
    kind: 'patrol_missed',
    severity,
    zone: u?.zone ?? '',
    unit,
    targets: [unit],
    key: overdueKey(unit, since),
    messageZh: `重点单位巡查超时：${name} 已超过 ${hours} 小时无完成的巡更（自 ${localClock(since, site.timezone)}）`,
    messageEn: `Key unit overdue: ${name} has had no completed patrol for ${hours} h (since ${iso(since)})`,
    details: [unit],
    exception: 'overdue',
  };
}

export function overdueKey(unit: string, since: number): string {
  return `patrol_overdue:${unit}:${since}`;
}

/** "patrol_overdue:<unit>:<since>" → its parts, or null. */
export function parseOverdueKey(key: string): { unit: string; since: number } | null {
  const m = /^patrol_overdue:(.+):(\d+)$/.exec(key);
  return m?.[1] && m[2] ? { unit: m[1], since: Number(m[2]) } : null;
}

/** A device whose clock is off the gateway's by more than the limit. */
export function clockDriftAlert(
  event: { device: string; unit: string; zone: string },
  driftMs: number,
  severity: Severity,
): AlertRequest {
  const s = Math.round(driftMs / 1000);
  return {
    kind: 'custom',
    severity,
    zone: event.zone,
    unit: event.unit,
    device: event.device,
    targets: [event.unit],
    key: `clock_drift:${event.device}`,
    messageZh: `设备时钟偏差：${event.device} 与网关相差 ${s} 秒`,
    messageEn: `Device clock drift: ${event.device} is ${s} s off the gateway clock`,
    details: [String(s)],
    exception: 'clock_drift',
  };
}

/** The revised update of an alert whose tour turned out otherwise (late records): not a raise. */
export function reviseRequest(key: string, outcome: string, zone: string, unit: string): AlertRequest {
  return {
    kind: 'patrol_missed',
    severity: 'info',
    zone,
    unit,
    key,
    messageZh: '',
    messageEn: '',
    revise: { outcome },
  };
}
