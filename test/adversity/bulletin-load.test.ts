/**
 * Heavy report requests must not hold back a panic. The real gateway on a
 * journal holding a heavy week (250k checkpoint taps, written straight into
 * the journal file before the start), eight console loops asking for
 * GET /bulletin in parallel, and a panic button pressed every ~200 ms: every
 * panic reaches the zone's consoles within a second, the surplus requests
 * get 429, bulletins are still served correctly, and a repeat comes from
 * the cache. Before the worker, each request read and computed the week on
 * the main thread for over a second, eight of them back to back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bulletin } from '../../gateway/src/bulletin/types.js';
import { bulletinWindow, weekOf } from '../../gateway/src/bulletin/week.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import { tap } from '../export/helpers.js';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const TZ = 'Asia/Shanghai';
const TAPS = 250_000;
const PRESSES = 12;
const LOOPS = 8;

type Alert = { id: string; kind: string; state: string; unit: string };
const alertOf = (m: { topic: string; json: unknown }): Alert | null =>
  m.topic.endsWith('/alert') ? (m.json as Alert) : null;

/** This week's taps at U02's fixed reader, spread evenly up to a minute ago. */
function writeHeavyWeek(path: string, now: number): void {
  const journal = new Journal({ path });
  const w = bulletinWindow(weekOf(now, TZ), TZ).thisWeek;
  const to = Math.max(w.from + 1000, now - 60_000);
  journal.transaction(() => {
    for (let i = 0; i < TAPS; i++) {
      const at = w.from + Math.floor(((to - w.from) * i) / TAPS);
      journal.append(tap(at, i + 1, { device: 'U02-READER-1' }), at, at);
    }
  });
  journal.db.close();
}

let gw: RunningGateway;
let dataDir = '';
const consoles: { unit: string; client: MqttClient; inbox: Inbox }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gp-bulletin-load-'));
  writeHeavyWeek(join(dataDir, 'journal.sqlite'), Date.now());
  gw = await startGateway({ dataDir });
  for (const unit of ['U02', 'U03']) {
    const client = await connectAs(gw.mqttPort, `${unit}-duty`);
    const inbox = new Inbox(client);
    await subscribe(client, `gp/v1/unit/${unit}/alert`);
    consoles.push({ unit, client, inbox });
  }
}, 120_000);
afterAll(async () => {
  await end(...consoles.map((c) => c.client));
  await gw?.stop();
  // the heavy journal is ~90 MB
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  week: string;
  status: number;
  cache: string | null;
  body: string;
}

async function getBulletin(week: string, format = 'json'): Promise<Answer> {
  const res = await fetch(gw.url(`/bulletin?week=${week}&format=${format}`), {
    headers: basicAuth('U02-duty'),
  });
  return { week, status: res.status, cache: res.headers.get('x-bulletin-cache'), body: await res.text() };
}

/** The bulletin asked for; this week's holds the heavy week's taps (U02's checkpoint visited). */
function checkBulletin(a: Answer, thisWeek: string): void {
  const b = JSON.parse(a.body) as Bulletin;
  expect(b.week).toBe(a.week);
  expect(b.zone?.id).toBe('east');
  expect(b.patrol.checkpointsTotal).toBe(3);
  if (a.week === thisWeek) expect(b.patrol.checkpointsVisited).toBe(1);
}

describe('GET /bulletin under load', () => {
  it('does not delay panics; refuses the surplus with 429; serves and caches bulletins', async () => {
    const button = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    const admin = await connectAs(gw.mqttPort, 'police-east');
    const answers: Answer[] = [];
    let pressing = true;
    // a console browsing this week and the three before, as JSON and as the HTML page
    const weeks = [0, 1, 2, 3].map((k) => weekOf(Date.now() - k * 7 * 86_400_000, TZ));
    const loop = async (i: number): Promise<void> => {
      const week = weeks[i % weeks.length] ?? '';
      while (pressing) {
        const a = await getBulletin(week, i < LOOPS / 2 ? 'json' : 'html');
        answers.push(a);
        // a client polling again soon after a refusal (not honouring Retry-After)
        if (a.status === 429) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));
    const delays: number[] = [];
    const seen = new Set<string>();
    try {
      for (let n = 0; n < PRESSES; n++) {
        const pressedAt = Date.now();
        await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', {
          state: 'pressed',
          seq: 1000 + n,
          ts: new Date(pressedAt).toISOString(),
        });
        let id = '';
        for (const c of consoles) {
          const m = await c.inbox.waitFor((msg) => {
            const a = alertOf(msg);
            return a !== null && a.kind === 'panic' && a.state === 'raised' && !seen.has(`${c.unit}:${a.id}`);
          }, 30_000);
          const delay = Date.now() - pressedAt;
          delays.push(delay);
          // fail at the first late alert (on a blocked main thread the rest would take minutes)
          expect(delay, `press ${n} at ${c.unit}: ${delays.join(', ')} ms`).toBeLessThan(1000);
          id = (alertOf(m) as Alert).id;
          seen.add(`${c.unit}:${id}`);
        }
        // resolve it, so the next press raises a new alert (a second press of an open panic raises nothing)
        await publish(admin, 'gp/v1/unit/U01/resolve', { id });
        await consoles[0]?.inbox.waitFor(
          (msg) => alertOf(msg)?.id === id && alertOf(msg)?.state === 'resolved',
        );
        const rest = 200 - (Date.now() - pressedAt);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      }
    } finally {
      pressing = false;
      await Promise.all(loops);
      await end(button, admin);
    }

    expect(delays).toHaveLength(PRESSES * consoles.length);
    expect(Math.max(...delays), `panic delays ${delays.join(', ')} ms`).toBeLessThan(1000);
    const busy = answers.filter((a) => a.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    const refusal = JSON.parse(busy[0]?.body ?? '{}') as { error?: string; retryAfterS?: number };
    expect(refusal.error).toMatch(/retry/);
    expect(refusal.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);

    // at least one bulletin was served under load (else soon after); then a repeat comes from the cache
    const thisWeek = weeks[0] ?? '';
    const served = await until(
      'a bulletin served',
      async () =>
        answers.find((a) => a.status === 200 && a.body.startsWith('{')) ??
        ((a) => (a.status === 200 ? a : null))(await getBulletin(thisWeek)),
      60_000,
    );
    checkBulletin(served, thisWeek);
    const repeat = await until(
      'a cached repeat',
      async () => {
        const first = await getBulletin(thisWeek);
        const second = await getBulletin(thisWeek);
        return first.status === 200 && second.cache === 'hit' ? second : null;
      },
      60_000,
    );
    checkBulletin(repeat, thisWeek);
  }, 180_000);
});
