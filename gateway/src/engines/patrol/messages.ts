/** Alert texts for patrol alerts, Simplified Chinese and English. */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import { localClock } from './time.js';

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
