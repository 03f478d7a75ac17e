/** Patrol alert requests and their texts, in Simplified Chinese and English. */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { AlertRequest } from '../../model/alert.js';
import { iso, localClock } from './time.js';
import { type OpenTour, routeUnits } from './tour.js';

export interface Texts {
  zh: string;
  en: string;
}

function routeName(route: RouteConfig): string {
  return route.name ?? route.id;
}

/** "北门(CP-E-01)" */
export function checkpointLabel(site: Site, id: string): string {
  const cp = site.checkpoints.get(id);
  return cp ? `${cp.name}(${id})` : id;
}

/** The guard's name, else the device id. */
export function whoLabel(site: Site, guard: string | null, device: string): string {
  const g = guard ? site.guards.get(guard) : undefined;
  return g ? `${g.name}(${g.id})` : device;
}

export function tourMissedText(
  site: Site,
  route: RouteConfig,
  missing: string[],
  who: string,
  startedAt: number,
): Texts {
  const zhList = missing.map((id) => checkpointLabel(site, id)).join('、');
  const enList = missing.map((id) => checkpointLabel(site, id)).join(', ');
  const start = localClock(startedAt, site.timezone);
  return {
    zh: `巡更未完成：路线「${routeName(route)}」漏巡 ${zhList}（${who}，${start} 开始）`,
    en: `Patrol tour not completed: route ${routeName(route)} missed ${enList} (${who}, started ${start})`,
  };
}

export function tourLateText(site: Site, route: RouteConfig, checkpoint: string, who: string): Texts {
  const cp = checkpointLabel(site, checkpoint);
  return {
    zh: `巡更迟到：路线「${routeName(route)}」检查点 ${cp} 晚于预定时间到达（${who}）`,
    en: `Patrol late: route ${routeName(route)} reached checkpoint ${cp} after its expected time (${who})`,
  };
}

export function notStartedText(site: Site, route: RouteConfig, slot: number, graceMs: number): Texts {
  const at = localClock(slot, site.timezone);
  const grace = Math.round(graceMs / 60_000);
  return {
    zh: `巡更未开始：路线「${routeName(route)}」${at} 班次在 ${grace} 分钟宽限内未开始`,
    en: `Patrol tour not started: route ${routeName(route)}, the ${at} tour did not start within ${grace} min`,
  };
}

function unitOf(site: Site, route: RouteConfig, checkpoint: string | null): string {
  const u = checkpoint ? site.checkpoints.get(checkpoint)?.unit : undefined;
  return u ?? routeUnits(site, route)[0] ?? '';
}

/** A tour not completed by its deadline. */
export function tourMissedAlert(
  site: Site,
  tour: OpenTour,
  route: RouteConfig,
  missing: string[],
): AlertRequest {
  const text = tourMissedText(site, route, missing, whoLabel(site, tour.guard, tour.device), tour.startedAt);
  const first = missing[0] ?? route.checkpoints[0] ?? null;
  return {
    kind: 'patrol_missed',
    severity: 'warning',
    zone: route.zone,
    unit: unitOf(site, route, first),
    device: tour.device,
    checkpoint: first,
    guard: tour.guard,
    route: route.id,
    targets: routeUnits(site, route),
    key: `patrol_missed:${tour.id}`,
    messageZh: text.zh,
    messageEn: text.en,
    details: missing,
  };
}

/** The first checkpoint of a tour reached after it was due. */
export function tourLateAlert(
  site: Site,
  tour: OpenTour,
  route: RouteConfig,
  checkpoint: string,
): AlertRequest {
  const text = tourLateText(site, route, checkpoint, whoLabel(site, tour.guard, tour.device));
  return {
    kind: 'patrol_late',
    severity: 'warning',
    zone: route.zone,
    unit: unitOf(site, route, checkpoint),
    device: tour.device,
    checkpoint,
    guard: tour.guard,
    route: route.id,
    targets: routeUnits(site, route),
    key: `patrol_late:${tour.id}`,
    messageZh: text.zh,
    messageEn: text.en,
    details: [checkpoint],
  };
}

/** A scheduled slot with no tour started within its grace. */
export function notStartedAlert(site: Site, route: RouteConfig, slot: number, graceMs: number): AlertRequest {
  const text = notStartedText(site, route, slot, graceMs);
  const units = routeUnits(site, route);
  return {
    kind: 'patrol_missed',
    severity: 'warning',
    zone: route.zone,
    unit: units[0] ?? '',
    route: route.id,
    checkpoint: route.checkpoints[0] ?? null,
    targets: units,
    key: `patrol_missed:${route.id}:${iso(slot)}`,
    messageZh: text.zh,
    messageEn: text.en,
    details: [...route.checkpoints],
  };
}
