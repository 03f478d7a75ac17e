/**
 * The police wall in chromium against the real gateway: 40 open alerts plus
 * two panics are grouped by zone with counts and sorted by priority (panics
 * first) then age; the panic overlay shows its timer with the connection
 * badge visible above it; cards show names, phone, address and device
 * location, and Take makes this account the owner; the Chinese screen has no
 * account ids or ASCII punctuation between Chinese characters, the English
 * one no Chinese except names; the phone layout's device table is readable.
 */
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { enProblems, type RawSite, screensSite, zhProblems } from './screens.js';

const UNITS = ['U01', 'U02', 'U03', 'U04', 'U11', 'U12'];
const SEVERITIES = ['warning', 'info', 'critical'] as const;
const NOTICES = 40;

let gw: RunningGateway;
let raw: RawSite;
let browser: Browser;
let page: Page;
let tech: MqttClient;
let inbox: Inbox;

type Alert = { id: string; kind: string; state: string; unit: string; owner?: { account?: string } | null };

async function press(device: string, seq: number): Promise<void> {
  const button = await connectAs(gw.mqttPort, device);
  await publish(
    button,
    `gp/v1/dev/${device}/panic`,
    { state: 'pressed', seq, ts: new Date().toISOString() },
    1,
  );
  await end(button);
}

/** The wall as the page shows it: zone groups in order, each with its cards. */
function readWall(p: Page) {
  return p.$$eval('#alerts .zone-group', (groups) =>
    groups.map((g) => ({
      zone: (g as HTMLElement).dataset.zone ?? '',
      count: Number((g as HTMLElement).dataset.count),
      head: g.querySelector('.zone-head')?.textContent ?? '',
      cards: Array.from(g.querySelectorAll('article.alert')).map((c) => ({
        kind: (c as HTMLElement).dataset.kind ?? '',
        state: (c as HTMLElement).dataset.state ?? '',
        severity:
          Array.from(c.classList)
            .find((k) => k.startsWith('sev-'))
            ?.slice(4) ?? '',
        raisedAt: Date.parse(c.querySelector('time')?.getAttribute('datetime') ?? ''),
      })),
    })),
  );
}

/** The expected priority, written out here independently of the page's code. */
function priority(c: { kind: string; state: string; severity: string }): number {
  const waiting = c.state === 'raised' || c.state === 'escalated';
  const sev = { critical: 0, warning: 1, info: 2 }[c.severity] ?? 2;
  if (waiting) return c.kind === 'panic' ? 0 : 1 + sev;
  return c.kind === 'panic' ? 4 : 5 + sev;
}

beforeAll(async () => {
  const site = screensSite();
  raw = site.raw;
  gw = await startGateway({ siteYaml: site.yaml });
  tech = await connectAs(gw.mqttPort, 'tech1');
  inbox = new Inbox(tech);
  await subscribe(tech, 'gp/v1/unit/+/alert');
  for (let i = 0; i < NOTICES; i++) {
    await publish(
      tech,
      'gp/v1/ops/alert',
      { unit: UNITS[i % UNITS.length], message: `巡查提醒 ${i + 1}`, severity: SEVERITIES[i % 3] },
      1,
    );
  }
  await press('U11-PANIC-1', 1);
  await press('U01-PANIC-1', 2);
  browser = await launchBrowser();
  page = await browser.context.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await end(tech);
  await gw?.stop();
});

describe('police wall in chromium', () => {
  it('groups 42 open alerts by zone with counts, panics first, then priority and age', async () => {
    await page.goto(gw.url('/console/'));
    await page.fill('#username', 'police-east');
    await page.fill('#password', 'secret');
    await page.click('#login-btn');
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 30_000 });
    await page.waitForFunction(
      (n) =>
        Array.from(document.querySelectorAll('#alerts .zone-group')).reduce(
          (sum, g) => sum + Number((g as HTMLElement).dataset.count),
          0,
        ) >= n,
      NOTICES + 2,
      { timeout: 30_000 },
    );
    const wall = await readWall(page);
    expect(wall.map((g) => g.zone).sort()).toEqual(['east', 'west']);
    expect(wall.reduce((n, g) => n + g.count, 0)).toBe(NOTICES + 2);
    for (const g of wall) {
      expect(g.head).toContain(g.zone === 'east' ? '东片区' : '西片区');
      expect(g.head).toMatch(new RegExp(`${g.count} 起`));
      // each zone's panic on top, then by priority and oldest first
      expect(g.cards[0]?.kind).toBe('panic');
      for (let i = 1; i < g.cards.length; i++) {
        const [a, b] = [g.cards[i - 1], g.cards[i]] as [(typeof g.cards)[0], (typeof g.cards)[0]];
        const order = priority(a) - priority(b) || a.raisedAt - b.raisedAt;
        expect(order, `${g.zone} card ${i}`).toBeLessThanOrEqual(0);
      }
    }
    // the zone holding the oldest waiting panic comes first
    expect(wall[0]?.zone).toBe('west');
  }, 90_000);

  it('the overlay shows the press time and a running timer; the connection badge stays visible above it', async () => {
    await page.waitForSelector('#panic-overlay:not([hidden])');
    expect(await page.textContent('#overlay-time')).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$/);
    const before = await page.textContent('#overlay-timer');
    expect(before).toMatch(/^\d+:\d{2}$/);
    await page.waitForFunction((t) => document.querySelector('#overlay-timer')?.textContent !== t, before, {
      timeout: 10_000,
    });
    const hit = await page.evaluate(() => {
      const badge = document.querySelector('#conn') as HTMLElement;
      const r = badge.getBoundingClientRect();
      const atBadge = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const atCentre = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
      return {
        size: r.width * r.height,
        badgeOnTop: atBadge === badge || badge.contains(atBadge),
        overlayCovers: Boolean(atCentre?.closest('#panic-overlay')),
        text: badge.textContent,
      };
    });
    expect(hit.size).toBeGreaterThan(0);
    expect(hit.overlayCovers).toBe(true);
    expect(hit.badgeOnTop).toBe(true);
    expect(hit.text).toBe('已连接');
    await page.screenshot({ path: `${ARTIFACTS}/wall-overlay.png` });
  }, 60_000);

  it('a card names the unit, its phone, address and the device location; Take makes this account the owner', async () => {
    // silence both waiting panics to reach the wall
    for (let i = 0; i < 2; i++)
      if (await page.isVisible('#panic-overlay')) await page.click('#overlay-silence');
    await page.waitForSelector('#panic-overlay', { state: 'hidden' });
    const card = page.locator('#alerts article.alert[data-kind="panic"][data-zone="east"]');
    expect(await card.locator('.unit').textContent()).toBe('洋河新区管委会');
    expect(await card.locator('.contact').textContent()).toContain('电话：0527-8888 1234');
    expect(await card.locator('.contact').textContent()).toContain('地址：洋河新区人民路 1 号');
    expect(await card.locator('.contact .device').textContent()).toBe('设备：门卫室东墙紧急按钮');
    expect(await card.locator('.elapsed').textContent()).toMatch(/^\d+:\d{2}$/);
    const id = await card.getAttribute('data-alert-id');
    await card.locator('button.take').click();
    const taken = await inbox.waitFor(
      (m) => (m.json as Alert).id === id && (m.json as Alert).owner?.account === 'police-east',
      30_000,
      'the alert owned by police-east',
    );
    expect((taken.json as Alert).unit).toBe('U01');
    await page.waitForSelector(`#alerts article[data-alert-id="${id}"] .owner`, { timeout: 30_000 });
    expect(await page.textContent(`#alerts article[data-alert-id="${id}"] .owner`)).toBe(
      '负责人：本席（洋河派出所）',
    );
    expect(await page.locator(`#alerts article[data-alert-id="${id}"] button.take`).count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/wall-zh.png`, fullPage: true });
  }, 60_000);

  it('the Chinese screen reads as Chinese; the English one has no Chinese but names', async () => {
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it
    const zh = await page.evaluate(() => document.body.innerText);
    expect(zhProblems(zh, raw)).toEqual([]);
    expect(zh).toContain('洋河派出所');
    await page.click('#lang');
    await page.waitForSelector('#conn:has-text("Connected")');
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it
    const en = await page.evaluate(() => document.body.innerText);
    expect(enProblems(en, raw, ['巡查提醒'])).toEqual([]);
    expect(en).toContain('Owner: you (洋河派出所)');
    expect(en).toMatch(/\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}/);
    await page.screenshot({ path: `${ARTIFACTS}/wall-en.png`, fullPage: true });
    await page.click('#lang');
    await page.waitForSelector('#conn:has-text("已连接")');
  }, 60_000);

  it('on a phone the device table becomes labelled rows that fit the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForSelector('table.devices tbody tr');
    const layout = await page.evaluate(() => {
      const row = document.querySelector('table.devices tbody tr') as HTMLElement;
      const cell = row.querySelector('td') as HTMLElement;
      return {
        display: getComputedStyle(row).display,
        label: getComputedStyle(cell, '::before').content,
        rowWidth: row.getBoundingClientRect().width,
        pageWidth: document.documentElement.scrollWidth,
      };
    });
    expect(layout.display).toBe('block');
    expect(layout.label).toBe('"设备"');
    expect(layout.pageWidth).toBeLessThanOrEqual(390);
    expect(layout.rowWidth).toBeLessThanOrEqual(390);
    await page.locator('#devices').screenshot({ path: `${ARTIFACTS}/wall-phone-devices.png` });
  }, 60_000);
});
