/**
 * The demo left running 5 minutes shows live devices and no wall of red
 * (issue 17): `guardpost start --sim` on the shipped demo site, then the
 * police wall in chromium.
 *
 * Time: the gateway runs under libfaketime at 10× (`+0 x10`), and so does
 * its simulator child (it inherits LD_PRELOAD, and libfaketime shares its
 * start time with children), so heartbeat supervision, ackTimeout, tour
 * limits and the simulators' beats, walks, panics and duty-room answers all
 * run on one clock: 5 demo minutes take 30 real seconds. GUARDPOST_DEMO_SPEED
 * alone would not do: it paces the simulators only, while the gateway would
 * judge silence on real time (a demo that stopped beating would not be
 * caught). Two things do not scale with a faked clock and are adjusted:
 * - CPU work: 116 scrypt logins at start take 10× longer in demo time; the
 *   test gives the same password a cheap hash so start-up is not judged
 *   against a clock it cannot keep up with (nothing else in the site changes);
 * - the browser runs on real time: its MQTT keepalive (20 real s) would be
 *   300 demo s to the gateway, so the page connects with keepalive 0.
 *
 * "No wall of red", precisely: after 5 demo minutes, at least one
 * simulated panic acknowledged by a neighbour's duty room and one resolved by
 * its own (nothing the simulators do is refused), no device_offline, commissioning,
 * patrol_missed or patrol_late alert was ever raised and no alert escalated
 * (the duty rooms answered within ackTimeout); on the wall every one of the
 * site's devices reads online, no unit tile is offline or overdue (an alert
 * tile only for an acknowledged panic), open cards are panics only, and the
 * tours list shows the district's routes walked, some completed.
 * Run with GUARDPOST_DEMO_SIM=0 (a dead demo) it fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashPassword } from '../../gateway/src/auth/password.js';
import { loadSite } from '../../gateway/src/config/load.js';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { libfaketime } from '../support/faketime.js';
import { basicAuth, ROOT, type RunningGateway, startGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';
import { type RawSite, zhProblems } from './screens.js';

const DEMO = join(ROOT, 'gateway', 'demo', 'site.yaml');
const PASSWORD = 'guardpost-demo';
const SPEED = 10;
const DEMO_MINUTES = 5;

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

const loaded = loadSite(DEMO);
if (!loaded.ok) throw new Error('demo site invalid');
const site = loaded.site.config;

let gw: RunningGateway;
let browser: Browser;
let page: Page;

async function api(path: string): Promise<Json> {
  const res = await fetch(gw.url(path), { headers: basicAuth('tech1', PASSWORD) });
  return rec(await res.json());
}
const alerts = async (): Promise<Json[]> =>
  ((await api('/api/alerts?state=all')).alerts as unknown[]).map(rec);
const uptimeS = async (): Promise<number> =>
  Number(rec(await (await fetch(gw.url('/healthz'))).json()).uptimeS);

/** Runs in the page before its scripts: mqtt.connect with keepalive 0 (the page's clock is real). */
function noKeepalive(): void {
  let real: { connect: (url: string, o: Record<string, unknown>) => unknown } | undefined;
  Object.defineProperty(window, 'mqtt', {
    configurable: true,
    set(v) {
      real = v;
    },
    get() {
      return (
        real && {
          ...real,
          connect: (url: string, o: Record<string, unknown>) => real?.connect(url, { ...o, keepalive: 0 }),
        }
      );
    },
  });
}

beforeAll(async () => {
  const cheap = await hashPassword(PASSWORD, { n: 1024, r: 8, p: 1 });
  const yaml = readFileSync(DEMO, 'utf8').replace(
    /(&demo-password )"scrypt\$[^"]+"/,
    (_m, anchor: string) => `${anchor}"${cheap}"`,
  );
  expect(yaml).toContain(cheap);
  gw = await startGateway({
    siteYaml: yaml,
    args: ['--sim'],
    env: { LD_PRELOAD: libfaketime(), FAKETIME: `+0 x${SPEED}` },
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.addInitScript(noKeepalive);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

describe('the demo left running 5 minutes', () => {
  it('runs 5 demo minutes with a simulated panic acknowledged, and never raised a trouble alert', async () => {
    // 5 demo minutes on the gateway's own (10×) clock: ~30 real s
    await until('5 demo minutes', async () => (await uptimeS()) >= DEMO_MINUTES * 60, 120_000, 500);
    // the first simulated panic comes 2.5–7.5 demo minutes after start, its answer 10–18 demo s later
    await until(
      'a simulated panic acknowledged by a duty room',
      async () => (await alerts()).some((a) => a.kind === 'panic' && (a.state === 'acknowledged' || a.ackBy)),
      120_000,
      500,
    );
    // 40–90 demo s after the answer the panic's own duty room resolves it (a neighbour may not)
    await until(
      'a simulated panic resolved by its own duty room',
      async () => (await alerts()).some((a) => a.kind === 'panic' && a.state === 'resolved'),
      60_000,
      500,
    );
    const all = await alerts();
    const trouble = all.filter(
      (a) =>
        a.kind === 'device_offline' ||
        a.notice === 'commissioning' ||
        a.kind === 'patrol_missed' ||
        a.kind === 'patrol_late' ||
        a.escalated === true ||
        a.state === 'escalated',
    );
    expect(trouble.map((a) => `${a.kind} ${a.state} ${a.unit}: ${a.messageZh}`)).toEqual([]);
    expect(all.filter((a) => a.kind !== 'panic').map((a) => `${a.kind}: ${a.messageZh}`)).toEqual([]);
  }, 300_000);

  it('the police wall shows every device online, no red, and the tours walked', async () => {
    await page.goto(gw.url('/console/'));
    await page.fill('#username', 'police-yanghe');
    await page.fill('#password', PASSWORD);
    await page.click('#login-btn');
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 30_000 });
    await page.waitForFunction(
      (n) => document.querySelectorAll('table.devices tbody tr').length === n,
      site.devices.length,
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => document.querySelectorAll('#tours .tour').length > 0, null, {
      timeout: 30_000,
    });
    const wall = await page.evaluate(() => ({
      devices: Array.from(document.querySelectorAll('table.devices tbody tr')).map((r) => ({
        id: (r as HTMLElement).dataset.device ?? '',
        online: r.querySelector('td.online')?.textContent ?? '',
      })),
      tiles: Array.from(document.querySelectorAll('#zones .tile')).map((t) => ({
        unit: (t as HTMLElement).dataset.unit ?? '',
        state: (t as HTMLElement).dataset.state ?? '',
      })),
      cards: Array.from(document.querySelectorAll('#alerts article.alert')).map((c) => ({
        kind: (c as HTMLElement).dataset.kind ?? '',
        state: (c as HTMLElement).dataset.state ?? '',
      })),
      tours: Array.from(document.querySelectorAll('#tours .tour')).map((t) => t.className),
      conn: document.body.dataset.conn,
    }));
    // every device of the demo site, each online
    expect(wall.devices.map((d) => d.id).sort()).toEqual(site.devices.map((d) => d.id).sort());
    expect(wall.devices.filter((d) => d.online !== '● 在线')).toEqual([]);
    // every unit tile: fine, or showing an acknowledged panic
    expect(wall.tiles).toHaveLength(site.units.length);
    const panicking = new Set(
      (await alerts()).filter((a) => a.kind === 'panic' && a.state !== 'resolved').map((a) => a.unit),
    );
    expect(
      wall.tiles.filter((t) => t.state !== 'ok' && !(t.state === 'alert' && panicking.has(t.unit))),
    ).toEqual([]);
    // open cards are the simulated panics, none escalated
    expect(wall.cards.filter((c) => c.kind !== 'panic' || c.state === 'escalated')).toEqual([]);
    // recent activity: tours of the district's routes, some completed, none missed or late
    expect(wall.tours.length).toBeGreaterThanOrEqual(site.routes.length);
    expect(wall.tours.filter((c) => c.includes('tour-completed')).length).toBeGreaterThan(0);
    expect(wall.tours.filter((c) => /tour-(missed|late)/.test(c))).toEqual([]);
    expect(wall.conn).toBe('online');
    // the Chinese wall names the accounts (operators' names in the demo site), never their ids
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it
    const text = await page.evaluate(() => document.body.innerText);
    expect(zhProblems(text, parse(readFileSync(DEMO, 'utf8'), { maxAliasCount: -1 }) as RawSite)).toEqual([]);
    // the simulated duty rooms act within their rights (a resolve by a neighbour would be refused)
    expect(
      gw
        .logs()
        .split('\n')
        .filter((l) => /refused/.test(l)),
    ).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/demo-alive.png`, fullPage: true });
  }, 120_000);
});
