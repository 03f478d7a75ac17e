/**
 * The bulletin's charts in chromium at district scale: the demo site's 37
 * units and a generated site of 200 units in 5 zones. Every axis label is
 * measured with the browser's getBBox: no two labels of a chart overlap, no
 * label leaves its chart (cut), and unit labels carry the full name. The
 * zone page too; the Chinese page has no "(east)" or ASCII punctuation
 * between Chinese characters.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createBulletinExtension } from '../../gateway/src/bulletin/extension.js';
import { loadSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';
import { type Harness, host } from '../console/harness.js';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { ROOT } from '../support/gateway.js';
import { smallSite } from '../support/site.js';
import { type RawSite, zhProblems } from './screens.js';

const DEMO = join(ROOT, 'gateway', 'demo', 'site.yaml');
const WEEK = '2026-W48';

type Overlap = { chart: string; a: string; b: string };

/** Every chart's axis labels: overlapping pairs, labels outside the chart, and the unit names drawn. */
async function measure(page: Page) {
  return page.$$eval('svg.chart', (charts) => {
    const overlaps: Overlap[] = [];
    const outside: string[] = [];
    const names: string[] = [];
    for (const svg of charts as SVGSVGElement[]) {
      const title = svg.getAttribute('aria-label') ?? '';
      const view = svg.viewBox.baseVal;
      const labels = Array.from(svg.querySelectorAll<SVGTextElement>('text.cat, text.tick')).map((t) => ({
        text: t.textContent ?? '',
        box: t.getBBox(),
      }));
      for (const l of labels) {
        if (l.box.x < view.x - 0.5 || l.box.x + l.box.width > view.x + view.width + 0.5)
          outside.push(`${title}: ${l.text}`);
      }
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i], labels[j]] as [(typeof labels)[0], (typeof labels)[0]];
          const apart =
            a.box.x + a.box.width <= b.box.x ||
            b.box.x + b.box.width <= a.box.x ||
            a.box.y + a.box.height <= b.box.y ||
            b.box.y + b.box.height <= a.box.y;
          if (!apart) overlaps.push({ chart: title, a: a.text, b: b.text });
        }
      }
      if (svg.classList.contains('hbar'))
        for (const t of Array.from(svg.querySelectorAll('text.cat'))) names.push(t.textContent ?? '');
    }
    return { charts: charts.length, overlaps, outside, names };
  });
}

/** 200 units in 5 zones, with long names. */
function bigSite(): Site {
  return smallSite((raw) => {
    const zones = ['z1', 'z2', 'z3', 'z4', 'z5'];
    raw.zones = zones.map((id, i) => ({ id, name: `第${i + 1}片区`, ackTimeout: '30s', escalation: [] }));
    raw.units = Array.from({ length: 200 }, (_, i) => ({
      id: `B${String(i + 1).padStart(3, '0')}`,
      name: `洋河新区第${i + 1}号居民小区物业服务中心`,
      zone: zones[i % 5] as string,
      kind: 'residential' as const,
    }));
    for (const key of ['guards', 'checkpoints', 'routes', 'devices', 'serial', 'consoles', 'rollcall'])
      delete (raw as Record<string, unknown>)[key];
  });
}

let browser: Browser;
const hosts: Harness[] = [];

async function open(
  site: Site,
  path: string,
  shot: string,
): Promise<{ page: Page; m: Awaited<ReturnType<typeof measure>> }> {
  const h = await host(createBulletinExtension({ auth: false }), site);
  hosts.push(h);
  const page = await browser.context.newPage();
  const res = await page.goto(h.url(path));
  expect(res?.status()).toBe(200);
  const m = await measure(page);
  await page.screenshot({ path: `${ARTIFACTS}/${shot}`, fullPage: true });
  return { page, m };
}

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const h of hosts) await h.close();
});

describe('bulletin charts at district scale', () => {
  it('37 units: no overlapping or cut axis labels, full names; the page reads as Chinese', async () => {
    const loaded = loadSite(DEMO);
    if (!loaded.ok) throw new Error('the demo site does not load');
    const { page, m } = await open(loaded.site, `/bulletin?week=${WEEK}`, 'bulletin-37-units.png');
    expect(m.charts).toBeGreaterThanOrEqual(7);
    expect(m.overlaps).toEqual([]);
    expect(m.outside).toEqual([]);
    for (const u of loaded.site.config.units) expect(m.names).toContain(u.name);
    const raw = loaded.site.config as RawSite;
    // the Chinese reading of the bilingual page: its English subtitles (lang="en") set aside
    await page.addStyleTag({ content: '[lang="en"]{display:none !important}' });
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it
    const text = await page.evaluate(() => document.body.innerText);
    expect(zhProblems(text, raw)).toEqual([]);
    await page.close();
  }, 90_000);

  it('a zone page of the demo keeps every name whole', async () => {
    const loaded = loadSite(DEMO);
    if (!loaded.ok) throw new Error('the demo site does not load');
    const { page, m } = await open(loaded.site, `/bulletin?week=${WEEK}&zone=east`, 'bulletin-zone-east.png');
    expect(m.overlaps).toEqual([]);
    expect(m.outside).toEqual([]);
    for (const u of loaded.site.unitsOfZone('east')) expect(m.names).toContain(u.name);
    expect(m.names.some((n) => n.includes('…'))).toBe(false);
    await page.close();
  }, 90_000);

  it('200 units in 5 zones: one chart per zone, still no overlapping or cut labels', async () => {
    const site = bigSite();
    const { page, m } = await open(site, `/bulletin?week=${WEEK}`, 'bulletin-200-units.png');
    expect(m.overlaps).toEqual([]);
    expect(m.outside).toEqual([]);
    expect(await page.locator('#aspect-licence .multiples svg.chart').count()).toBe(5);
    expect(m.names).toContain('洋河新区第200号居民小区物业服务中心');
    await page.close();
  }, 90_000);
});
