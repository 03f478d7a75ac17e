/**
 * Password guessing is slowed whatever the client does: a fresh client id per
 * try, many parallel connections, MQTT or HTTP Basic. The back-off is keyed
 * by account and by source address (gateway/src/broker/throttle.ts) and shared
 * by every way in; each assertion is a lower bound the throttle promises
 * (attempt k is answered no earlier than base · 2^(k - 1 - free)), never an
 * absolute rate.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';

/** The small site with `gateway.auth.throttle` set. */
function siteWithThrottle(throttle: Record<string, unknown>): string {
  const raw = parse(readFileSync(SMALL_SITE, 'utf8')) as { gateway?: Record<string, unknown> };
  raw.gateway = { ...(raw.gateway ?? {}), auth: { throttle } };
  return stringify(raw);
}

interface Answer {
  ms: number;
  /** 0 connected, else the CONNACK return code */
  code: number;
}

/** One CONNECT with a fresh client id: how long until the CONNACK, and what it said. */
function attempt(
  port: number,
  username: string,
  password: string,
  opts: IClientOptions = {},
): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username,
      password,
      clientId: `bf-${Math.random().toString(16).slice(2, 12)}`,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      ...opts,
    });
    client.once('connect', () => {
      const ms = performance.now() - t0;
      client.end(true, {}, () => resolve({ ms, code: 0 }));
    });
    client.once('error', (err: Error & { code?: unknown }) => {
      const ms = performance.now() - t0;
      client.end(true);
      if (typeof err.code === 'number') resolve({ ms, code: err.code });
      else reject(err);
    });
  });
}

async function httpAttempt(gw: RunningGateway, user: string, password: string): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(gw.url('/api/alerts'), { headers: basicAuth(user, password) });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, code: res.status };
}

async function failures(gw: RunningGateway, transport: string, reason: string): Promise<number> {
  const text = await (await fetch(gw.url('/metrics'))).text();
  const re = new RegExp(
    `guardpost_auth_failures_total\\{(?=[^}]*transport="${transport}")(?=[^}]*reason="${reason}")[^}]*\\} (\\d+)`,
  );
  return Number(re.exec(text)?.[1] ?? 0);
}

/** What the throttle promises for attempt k (0-based) after k earlier failures on one key. */
const promised = (k: number, free: number, baseMs: number, maxMs: number): number =>
  k < free ? 0 : Math.min(maxMs, baseMs * 2 ** (k - free));

// a timer may fire a millisecond early against performance.now()
const SLACK_MS = 3;

function expectNoEarlier(answers: Answer[], promise: (k: number) => number): void {
  for (const [k, a] of answers.entries()) {
    expect(a.ms, `attempt ${k} answered after ${a.ms} ms`).toBeGreaterThanOrEqual(promise(k) - SLACK_MS);
  }
}

describe('by account (address key out of the way)', () => {
  const t = { free: 3, baseMs: 50, maxMs: 800 };
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      siteYaml: siteWithThrottle({ free: t.free, addressFree: 100_000, base: '50ms', max: '800ms' }),
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('sequential wrong passwords with a fresh client id each: attempt k waits base · 2^(k - free)', async () => {
    const answers: Answer[] = [];
    for (let k = 0; k < 7; k++) answers.push(await attempt(gw.mqttPort, 'U02-duty', `guess-${k}`));
    expect(answers.map((a) => a.code)).toEqual([4, 4, 4, 4, 4, 4, 4]);
    expectNoEarlier(answers, (k) => promised(k, t.free, t.baseMs, t.maxMs));
    // the right password still logs in, after the wait its account has earned
    const right = await attempt(gw.mqttPort, 'U02-duty', 'secret');
    expect(right.code).toBe(0);
    expect(right.ms).toBeGreaterThanOrEqual(promised(7, t.free, t.baseMs, t.maxMs) - SLACK_MS);
  });

  it('12 parallel connections get no free burst: attempts are serialised, the excess refused unchecked', async () => {
    const checked0 = await failures(gw, 'mqtt', 'bad_credentials');
    const throttled0 = await failures(gw, 'mqtt', 'throttled');
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(gw.mqttPort, 'U03-duty', `parallel-${i}`)),
    );
    expect(answers.every((a) => a.code === 4)).toBe(true);
    // slots 0, 0, 0, 50, 50+100, 150+200, 350+400; the next would be more than maxMs away
    const lastSlot = [3, 4, 5, 6].reduce((sum, k) => sum + promised(k, t.free, t.baseMs, t.maxMs), 0);
    expect(Math.max(...answers.map((a) => a.ms))).toBeGreaterThanOrEqual(lastSlot - SLACK_MS);
    const checked = (await failures(gw, 'mqtt', 'bad_credentials')) - checked0;
    const throttled = (await failures(gw, 'mqtt', 'throttled')) - throttled0;
    expect(checked + throttled).toBe(12);
    expect(checked).toBeLessThanOrEqual(7);
  });

  it('HTTP Basic on /api backs off the same way, with the same throttle as MQTT', async () => {
    const answers: Answer[] = [];
    for (let k = 0; k < 6; k++) answers.push(await httpAttempt(gw, 'police-west', `guess-${k}`));
    expect(answers.map((a) => a.code)).toEqual([401, 401, 401, 401, 401, 401]);
    expectNoEarlier(answers, (k) => promised(k, t.free, t.baseMs, t.maxMs));
    // the account's HTTP failures slow its next MQTT CONNECT too
    const mqttTry = await attempt(gw.mqttPort, 'police-west', 'guess-mqtt');
    expect(mqttTry.code).toBe(4);
    expect(mqttTry.ms).toBeGreaterThanOrEqual(promised(6, t.free, t.baseMs, t.maxMs) - SLACK_MS);
    expect((await httpAttempt(gw, 'police-west', 'secret')).code).toBe(200);
  });

  it('failures are in /metrics by transport and reason, without ids', async () => {
    expect(await failures(gw, 'mqtt', 'bad_credentials')).toBeGreaterThanOrEqual(7);
    expect(await failures(gw, 'mqtt', 'throttled')).toBeGreaterThanOrEqual(1);
    expect(await failures(gw, 'http', 'bad_credentials')).toBeGreaterThanOrEqual(6);
    const text = await (await fetch(gw.url('/metrics'))).text();
    const lines = text.split('\n').filter((l) => l.startsWith('guardpost_auth_failures_total{'));
    expect(lines.join('\n')).not.toMatch(/U0\d|police|tech1/);
  });
});

describe('by source address', () => {
  const t = { addressFree: 4, baseMs: 50, maxMs: 800 };
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      siteYaml: siteWithThrottle({ free: 3, addressFree: t.addressFree, base: '50ms', max: '800ms' }),
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('spraying many accounts from one address is slowed; the right password of another account waits too, a known login does not', async () => {
    // a panic button that logged in before the spray
    expect((await attempt(gw.mqttPort, 'U11-PANIC-1', 'secret')).code).toBe(0);
    const answers: Answer[] = [];
    for (let k = 0; k < 8; k++) answers.push(await attempt(gw.mqttPort, `nobody-${k}`, 'guess'));
    expect(answers.every((a) => a.code === 4)).toBe(true);
    expectNoEarlier(answers, (k) => promised(k, t.addressFree, t.baseMs, t.maxMs));
    // the address is hot: a first login of another account, right password, waits its turn (trade-off:
    // accounts behind one NAT address share it) ...
    const other = await attempt(gw.mqttPort, 'U12-duty', 'secret');
    expect(other.code).toBe(0);
    const wait = promised(8, t.addressFree, t.baseMs, t.maxMs);
    expect(wait).toBe(800);
    expect(other.ms).toBeGreaterThanOrEqual(wait - SLACK_MS);
    // ... but credentials verified before are let through without the wait
    const known = await attempt(gw.mqttPort, 'U11-PANIC-1', 'secret');
    expect(known.code).toBe(0);
    expect(known.ms).toBeLessThan(wait);
    // and HTTP from the same address is as hot
    const http = await httpAttempt(gw, 'police-east', 'guess');
    expect(http.code).toBe(401);
    expect(http.ms).toBeGreaterThanOrEqual(wait - SLACK_MS);
  });
});
