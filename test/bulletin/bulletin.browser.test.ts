/** The bulletin page in real chromium: six sections, SVG charts with bars, a printable A4 PDF. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBulletinExtension } from '../../gateway/src/bulletin/extension.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import { type Harness, host } from '../console/harness.js';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { testSite } from './fixtures.js';
import { sampleWeek } from './sample.js';

let journal: Journal;
let h: Harness;
let browser: Browser;

beforeAll(async () => {
  journal = new Journal({ path: join(mkdtempSync(join(tmpdir(), 'gp-bulletin-')), 'journal.sqlite') });
  journal.transaction(() => {
    for (const e of sampleWeek().list) journal.append(e.body, e.at);
  });
  h = await host(createBulletinExtension(), testSite(), { journal });
  browser = await launchBrowser({ httpCredentials: { username: 'police-east', password: 'secret' } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  journal?.close();
});

describe('bulletin page in chromium', () => {
  it('renders the six aspects with their charts and prints', async () => {
    const page = await browser.context.newPage();
    const res = await page.goto(h.url('/bulletin?week=2026-W48&zone=east'));
    expect(res?.status()).toBe(200);
    const aspects = await page
      .locator('section.aspect[data-aspect]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-aspect')));
    expect(aspects).toEqual(['1', '2', '3', '4', '5', '6']);
    for (const n of ['1', '2', '3', '4', '5']) {
      const chart = page.locator(`section[data-aspect="${n}"] svg.chart`).first();
      const box = await chart.boundingBox();
      expect(box?.width, `aspect ${n}`).toBeGreaterThan(300);
      expect(box?.height, `aspect ${n}`).toBeGreaterThan(100);
    }
    // drawn bars have a visible size
    const tallest = await page
      .locator('svg.chart rect.bar')
      .evaluateAll((els) => Math.max(...els.map((e) => (e as SVGRectElement).getBBox().height)));
    expect(tallest).toBeGreaterThan(20);
    expect(await page.locator('section[data-aspect="6"] li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/bulletin.png`, fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', path: `${ARTIFACTS}/bulletin.pdf` });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  }, 90_000);
});
