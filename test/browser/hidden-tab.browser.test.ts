/**
 * A duty room's console in a hidden tab keeps its connection. Browsers
 * throttle a hidden page's timers (Chrome: to one wake-up a minute after
 * five minutes hidden, three times the console's 20 s keepalive), so the
 * MQTT pings must come from mqtt.js's timer worker, which the page's CSP
 * has to allow (worker-src blob:).
 *
 * Five real minutes are not needed: the page runs with a 2 s keepalive and
 * an emulated hidden state (document.visibilityState "hidden" and the
 * page's chained timers throttled to one wake-up per 6 s, the same ratio to the
 * keepalive as Chrome's minute to 20 s; unchained timers on a 100 ms grid as
 * Chrome's 1 s), and the test waits for 15
 * keepalive periods (15 × 20 s = 5 minutes at the real keepalive), counted
 * as PINGREQ packets the page sent while hidden. Each run takes about 30 s.
 */
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type Browser, launchBrowser } from '../support/browser.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, publish } from '../support/mqtt.js';
import { screensSite } from './screens.js';

const KEEPALIVE_S = 2;
const THROTTLE_MS = 6000;
const PERIODS = 15;

/** Runs in the page before its scripts: short keepalive, ping counter, hidden-state emulation, CSP log. */
function emulation({ keepalive, throttleMs }: { keepalive: number; throttleMs: number }): void {
  const w = window as unknown as Record<string, unknown>;
  w.__pings = 0;
  w.__hiddenPings = 0;
  w.__violations = [] as string[];
  w.__conn = [] as string[];
  let hidden = false;
  let hiddenAt = 0;
  document.addEventListener('securitypolicyviolation', (e) => {
    (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI}`);
  });
  // mqtt.js's UMD bundle assigns window.mqtt: hand the page a connect with our keepalive
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
          connect: (url: string, o: Record<string, unknown>) => real?.connect(url, { ...o, keepalive }),
        }
      );
    },
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, 1)
          : null;
    if (bytes && bytes[0] === 0xc0) {
      (w.__pings as number)++;
      if (hidden) (w.__hiddenPings as number)++;
    }
    return send.call(this, data);
  };
  // Chrome's throttling of a hidden page, scaled to the keepalive: timers wake on a coarse grid
  // (1 s in Chrome, here 1/20 of the keepalive), chained ones (nesting level 5 and more, and
  // intervals after five runs) on the intensive grid (a minute in Chrome, here throttleMs)
  const basicMs = (keepalive * 1000) / 20;
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  let depth = 0;
  const delay = (ms: number, d: number) => {
    if (!hidden) return ms;
    const grid = d >= 5 ? throttleMs : basicMs;
    const due = Date.now() + ms;
    return hiddenAt + Math.ceil((due - hiddenAt) / grid) * grid - Date.now();
  };
  const runAt = (d: number, fn: TimerHandler, args: unknown[]) => () => {
    const prev = depth;
    depth = d;
    try {
      if (typeof fn === 'function') fn(...args);
    } finally {
      depth = prev;
    }
  };
  window.setTimeout = ((fn: TimerHandler, ms = 0, ...args: unknown[]) =>
    realSetTimeout(runAt(depth + 1, fn, args), delay(ms, depth + 1))) as typeof setTimeout;
  const intervals = new Map<number, number>();
  let nextInterval = 1_000_000_000;
  window.setInterval = ((fn: TimerHandler, ms = 0, ...args: unknown[]) => {
    const id = nextInterval++;
    let d = depth + 1;
    const tick = () => {
      intervals.set(
        id,
        realSetTimeout(
          () => {
            if (!intervals.has(id)) return;
            runAt(d++, fn, args)();
            if (intervals.has(id)) tick();
          },
          delay(ms, d),
        ),
      );
    };
    tick();
    return id;
  }) as typeof setInterval;
  const clear = (id?: number) => {
    const t = id === undefined ? undefined : intervals.get(id);
    if (t !== undefined && id !== undefined) {
      intervals.delete(id);
      realClearTimeout(t);
    } else realClearTimeout(id);
  };
  window.clearInterval = clear as typeof clearInterval;
  window.clearTimeout = clear as typeof clearTimeout;
  w.__setHidden = (h: boolean) => {
    hidden = h;
    hiddenAt = Date.now();
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (h ? 'hidden' : 'visible'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  };
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver(() => (w.__conn as string[]).push(document.body.dataset.conn ?? '')).observe(
      document.body,
      {
        attributes: true,
        attributeFilter: ['data-conn'],
      },
    );
  });
}

let gw: RunningGateway;
let browser: Browser;
let page: Page;
const workers: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  gw = await startGateway({ siteYaml: screensSite().yaml });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('worker', (w) => workers.push(w.url()));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.addInitScript(emulation, { keepalive: KEEPALIVE_S, throttleMs: THROTTLE_MS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

describe('console in a hidden tab', () => {
  it(`keeps its connection for ${PERIODS} keepalive periods hidden and still gets alerts live`, async () => {
    await page.goto(gw.url('/console/'));
    await page.fill('#username', 'U02-duty');
    await page.fill('#password', 'secret');
    await page.click('#login-btn');
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.body.dataset.resyncs ?? 0) === 1, null, {
      timeout: 30_000,
    });
    // mqtt.js's timers run in a worker the CSP allows
    await page.waitForFunction(() => (window as unknown as { __pings: number }).__pings >= 1, null, {
      timeout: 30_000,
    });
    expect(workers.some((u) => u.startsWith('blob:'))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual(
      [],
    );

    await page.evaluate(() => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(true));
    expect(await page.evaluate(() => document.visibilityState)).toBe('hidden');
    // halfway, a neighbour's panic reaches the hidden page over the same connection
    await page.waitForFunction(
      (n) => (window as unknown as { __hiddenPings: number }).__hiddenPings >= n,
      Math.floor(PERIODS / 2),
      { timeout: PERIODS * KEEPALIVE_S * 1000 * 4, polling: 500 },
    );
    const button = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    await publish(
      button,
      'gp/v1/dev/U01-PANIC-1/panic',
      { state: 'pressed', seq: 7, ts: new Date().toISOString() },
      1,
    );
    await end(button);
    await page.waitForSelector('#alerts article.alert[data-kind="panic"]', {
      state: 'attached',
      timeout: 30_000,
    });
    await page.waitForFunction(
      (n) => (window as unknown as { __hiddenPings: number }).__hiddenPings >= n,
      PERIODS,
      {
        timeout: PERIODS * KEEPALIVE_S * 1000 * 4,
        polling: 500,
      },
    );
    const seen = await page.evaluate(() => ({
      conn: document.body.dataset.conn,
      resyncs: Number(document.body.dataset.resyncs ?? 0),
      changes: (window as unknown as { __conn: string[] }).__conn,
    }));
    // never dropped: no reconnect (each one would resync), no state but online since login
    expect(seen.conn).toBe('online');
    expect(seen.resyncs).toBe(1);
    expect(seen.changes.slice(seen.changes.indexOf('online')).filter((s) => s !== 'online')).toEqual([]);

    await page.evaluate(() =>
      (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(false),
    );
    await page.screenshot({ path: `${ARTIFACTS}/console-after-hidden.png` });
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  }, 180_000);
});
