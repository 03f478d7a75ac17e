/**
 * The duty-room page in real chromium against the real gateway: a console
 * logs in, a panic pressed on a neighbour's button floods the page red, the
 * page's acknowledgement reaches another console over MQTT, and the page
 * rides out a gateway restart without a reload.
 *
 * The page is served by the gateway itself when the console extension is
 * wired in; otherwise by this process (same extension code) with /api
 * proxied to the gateway, so the page still talks to the real broker and API.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import { createConsoleExtension } from '../../gateway/src/console/extension.js';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { type Harness, host } from './harness.js';

let gw: RunningGateway;
let harness: Harness | null = null;
let origin = '';
let browser: Browser;
let page: Page;
let u03: MqttClient | undefined;
let u03Inbox: Inbox;
let seq = 500;

type Alert = { id: string; kind: string; state: string; unit: string; ackBy: string | null };

async function press(device: string): Promise<void> {
  const button = await connectAs(gw.mqttPort, device);
  await publish(
    button,
    `gp/v1/dev/${device}/panic`,
    { state: 'pressed', seq: ++seq, ts: new Date().toISOString() },
    1,
  );
  await end(button);
}

/** A fresh listener on U03's topics (an earlier one is ended first). */
async function listenU03(): Promise<void> {
  await end(u03);
  ({ client: u03, inbox: u03Inbox } = await connectWithInbox(gw.mqttPort, 'U03-duty'));
  await subscribe(u03, 'gp/v1/unit/U03/#');
}

/** Resolves when the duty room of U03 receives alert `id` in `state`. */
const onU03 = (id: string | null, state: Alert['state']) =>
  u03Inbox.waitFor(
    (m) =>
      m.topic === 'gp/v1/unit/U03/alert' && (m.json as Alert).id === id && (m.json as Alert).state === state,
    30_000,
    `${state} on U03`,
  );

beforeAll(async () => {
  // nothing here is about escalation: a long east ackTimeout keeps a slow page
  // from seeing a panic escalate between its steps
  const yaml = readFileSync(SMALL_SITE, 'utf8');
  if (!yaml.includes('ackTimeout: 2s'))
    throw new Error('the small site no longer has the east ackTimeout of 2s');
  gw = await startGateway({ siteYaml: yaml.replace('ackTimeout: 2s', 'ackTimeout: 1h') });
  const served = await fetch(gw.url('/console/'))
    .then((r) => r.status)
    .catch(() => 0);
  if (served === 200) {
    origin = gw.url('');
  } else {
    const loaded = loadSite(SMALL_SITE);
    if (!loaded.ok) throw new Error('small site does not load');
    harness = await host(createConsoleExtension(), loaded.site, { wsPort: gw.wsPort, apiPort: gw.httpPort });
    origin = harness.url('');
  }
  await listenU03();
  browser = await launchBrowser();
  page = await browser.context.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await end(u03);
  await harness?.close();
  await gw?.stop();
});

describe('duty-room console in chromium', () => {
  it('refuses a wrong password and logs a console in, connected over MQTT/WebSocket', async () => {
    await page.goto(`${origin}/console/`);
    await page.fill('#username', 'U02-duty');
    await page.fill('#password', 'wrong');
    await page.click('#login-btn');
    await page.waitForSelector('#login-error:has-text("账号或密码错误")', { timeout: 15_000 });
    await page.fill('#password', 'secret');
    await page.click('#login-btn');
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 30_000 });
    expect(await page.textContent('#whoami')).toBe('新城名苑值班室');
    // the zone board shows the four east units, this unit marked
    await page.waitForSelector('.tile[data-unit="U04"]');
    expect(await page.locator('.tile').count()).toBe(4);
    expect(await page.locator('.tile-mine').getAttribute('data-unit')).toBe('U02');
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });
  }, 90_000);

  it('a neighbour panic floods the page; acknowledging from the page reaches another console', async () => {
    await press('U01-PANIC-1');
    const card = page.locator('#alerts article.alert[data-kind="panic"]');
    await card.first().waitFor({ timeout: 30_000 });
    await page.waitForSelector('#panic-overlay:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#overlay-unit')).toBe('洋河新区管委会');
    expect(await page.evaluate(() => document.body.classList.contains('panic'))).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/console-panic.png` });
    const id = await card.first().getAttribute('data-alert-id');
    expect(id).toBeTruthy();

    await page.click('#overlay-ack');
    const acked = await onU03(id, 'acknowledged');
    expect((acked.json as Alert).ackBy).toBe('U02-duty');

    await page.waitForSelector(`#alerts article[data-alert-id="${id}"][data-state="acknowledged"]`, {
      timeout: 30_000,
    });
    await page.waitForSelector('#panic-overlay', { state: 'hidden' });
    expect(await page.textContent(`#alerts article[data-alert-id="${id}"] .ackinfo`)).toContain(
      '新城名苑值班室',
    );
    // U02 is not the origin unit: it may acknowledge, not resolve
    expect(await page.locator(`#alerts article[data-alert-id="${id}"] button.resolve`).count()).toBe(0);
    expect(await page.locator('.tile[data-unit="U01"]').getAttribute('data-state')).toBe('alert');
    await page.click('#lang');
    await page.waitForSelector('#conn:has-text("Connected")');
    expect(await page.textContent(`#alerts article[data-alert-id="${id}"] .kind`)).toBe('Panic');
    await page.screenshot({ path: `${ARTIFACTS}/console-acknowledged-en.png` });
    await page.click('#lang');
  }, 120_000);

  it('the zone board shows a tour in progress and the last roll call with its absentees', async () => {
    const reader = await connectAs(gw.mqttPort, 'U02-READER-1');
    await publish(
      reader,
      'gp/v1/dev/U02-READER-1/tap',
      { uid: '04A1B2C3D4E5F6', seq: ++seq, ts: new Date().toISOString() },
      1,
    );
    await end(reader);
    const tech = await connectAs(gw.mqttPort, 'tech1');
    await publish(tech, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 1 }, 1);
    await end(tech);
    // the absentees raise rollcall_absent to U02, live on the page; the board then refetches
    await page.waitForSelector('#alerts article.alert[data-kind="rollcall_absent"]', { timeout: 30_000 });
    await page.waitForSelector('#rollcall .rc-unit[data-unit="U02"].rc-absent', { timeout: 30_000 });
    expect(await page.textContent('#rollcall .rc-unit[data-unit="U02"] .rc-who')).toContain('李大爷');
    await page.waitForSelector('#tours .tour', { timeout: 30_000 });
    expect(await page.textContent('#tours .tour .tour-count')).toBe('1/3');
    await page.screenshot({ path: `${ARTIFACTS}/console-board.png` });
  }, 90_000);

  it('survives a gateway restart without a reload and resyncs open alerts', async () => {
    const before = await page.locator('#alerts article.alert').count();
    expect(before).toBeGreaterThan(0);
    const acked = await page
      .locator('#alerts article.alert[data-state="acknowledged"]')
      .first()
      .getAttribute('data-alert-id');
    const resyncs = Number(await page.evaluate(() => document.body.dataset.resyncs ?? '0'));
    expect(resyncs).toBeGreaterThan(0);
    await gw.restart();
    await page.waitForFunction((n) => Number(document.body.dataset.resyncs ?? '0') > n, resyncs, {
      timeout: 60_000,
    });
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    // still open at the gateway after the restart, so still on the board (not moved to history)
    await page.waitForSelector(`#alerts article[data-alert-id="${acked}"][data-state="acknowledged"]`);
    expect(await page.locator(`#history article[data-alert-id="${acked}"]`).count()).toBe(0);
    // a new panic after the restart arrives live
    await press('U03-PANIC-1');
    await page.waitForSelector('#alerts article.alert[data-kind="panic"] .unit:has-text("洋河实验小学")', {
      timeout: 30_000,
    });
    await page.waitForSelector('#panic-overlay:not([hidden])', { timeout: 30_000 });
    expect(await page.locator('#alerts article.alert').count()).toBeGreaterThan(before);
    await page.screenshot({ path: `${ARTIFACTS}/console-after-restart.png` });
  }, 150_000);

  it('an admin sees every zone and resolves a unit alert; the duty room sees it closed', async () => {
    const acked = await page
      .locator('#alerts article.alert[data-state="acknowledged"][data-kind="panic"]')
      .first()
      .getAttribute('data-alert-id');
    expect(acked).toBeTruthy();
    // the U03 listener did not survive the restart (no auto-reconnect): a fresh one
    await listenU03();
    const admin = await browser.context.newPage();
    await admin.goto(`${origin}/console/`);
    await admin.fill('#username', 'police-east');
    await admin.fill('#password', 'secret');
    await admin.click('#login-btn');
    await admin.waitForSelector('#conn[data-state="online"]', { timeout: 30_000 });
    await admin.waitForSelector('.tile[data-unit="U12"]');
    expect(await admin.locator('.tile').count()).toBe(6);
    const card = admin.locator(`#alerts article[data-alert-id="${acked}"]`);
    await card.waitFor({ timeout: 30_000 });
    // a panic from U03 is still waiting: the admin's screen floods too; silence it to reach the list
    if (await admin.locator('#panic-overlay:not([hidden])').count()) await admin.click('#overlay-silence');
    await card.locator('button.resolve').click();
    // a classification is required: confirming without one only asks for it
    await card.locator('.resolve-form button[type="submit"]').click();
    expect(await card.locator('.resolve-form').count()).toBe(1);
    await card.locator('.resolve-form input[value="real"]').check();
    await card.locator('.resolve-form textarea').fill('现场核实');
    await card.locator('.resolve-form button[type="submit"]').click();
    const resolved = await onU03(acked, 'resolved');
    expect((resolved.json as Alert).unit).toBe('U01');
    await page.waitForSelector(`#history article[data-alert-id="${acked}"][data-state="resolved"]`, {
      timeout: 30_000,
    });
    expect(await page.locator(`#alerts article[data-alert-id="${acked}"]`).count()).toBe(0);
    await admin.screenshot({ path: `${ARTIFACTS}/console-admin.png` });
    await admin.close();
  }, 90_000);

  it('reads on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}/console-phone.png`, fullPage: true });
  }, 60_000);
});
