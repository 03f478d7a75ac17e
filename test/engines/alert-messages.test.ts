/**
 * Alert texts as MQTT and Node-RED readers get them (issue 17): the Chinese
 * half names units, devices (by location), accounts and routes from the
 * config instead of their ids, and says durations as a reader would; the
 * English half keeps "silent for N s", which the console reads.
 */
import { describe, expect, it } from 'vitest';
import {
  actorLabel,
  decorate,
  durationZh,
  offlineSilentText,
  patrolLateText,
} from '../../gateway/src/engines/alerts/messages.js';
import { smallSite } from '../support/site.js';

const site = smallSite((raw) => {
  for (const o of raw.operators ?? []) if (o.id === 'police-east') o.name = '洋河派出所';
  const btn = raw.devices?.find((d) => d.id === 'U01-PANIC-1');
  if (btn) btn.location = '门卫室东墙';
});

describe('alert texts', () => {
  it('durations read as Chinese', () => {
    expect(durationZh(120_000)).toBe('2 分钟');
    expect(durationZh(90_000)).toBe('1 分 30 秒');
    expect(durationZh(45_000)).toBe('45 秒');
    expect(durationZh(1_500)).toBe('1.5 秒');
    expect(durationZh(2 * 3_600_000 + 5 * 60_000)).toBe('2 小时 5 分');
  });

  it('a silence names the unit and the device by its place, in minutes; English keeps the seconds', () => {
    const t = offlineSilentText(site, 'U01', 'U01-PANIC-1', 120_000);
    expect(t.zh).toBe('洋河新区管委会 设备离线：门卫室东墙紧急按钮 已 2 分钟无心跳');
    expect(t.en).toContain('U01-PANIC-1 silent for 120 s');
    // without a location the id is all there is
    expect(offlineSilentText(site, 'U02', 'U02-PANIC-1', 120_000).zh).toContain(
      'U02-PANIC-1 已 2 分钟无心跳',
    );
  });

  it('escalation and acknowledgement name the accounts', () => {
    const base = { zh: '基', en: 'base' };
    const e = decorate(site, base, { state: 'escalated', timeoutMs: 30_000, accounts: ['police-east'] });
    expect(e.zh).toBe('【已升级·30 秒内无人确认·已通知 洋河派出所】基');
    expect(e.zh).not.toContain('police-east');
    const a = decorate(site, base, { state: 'acknowledged', by: 'U02-duty', ackMs: 12_300 });
    expect(a.zh).toMatch(/^【已确认·新城名苑值班室·12 秒】/);
    expect(actorLabel(site, 'police-east')).toEqual({ zh: '洋河派出所', en: '洋河派出所 (police-east)' });
    // an operator without a name: its id
    expect(actorLabel(site, 'tech1').zh).toBe('tech1');
  });

  it('routes and checkpoints by name in Chinese, with ids in English', () => {
    const route = site.config.routes[0];
    const cp = route?.checkpoints[0];
    if (!route || !cp) throw new Error('small site has a route');
    const t = patrolLateText(site, route.id, cp);
    const cpName = site.checkpoints.get(cp)?.name ?? cp;
    expect(t.zh).toContain(cpName);
    if (route.name) expect(t.zh).not.toContain(route.id);
    expect(t.en).toContain(cp);
  });
});
