/**
 * Accounts cannot be enumerated: refusing an unknown account (or one without
 * a password, or an empty password, or a device on HTTP) costs the same scrypt
 * work as a wrong password and gets the same answer. The site sets
 * `gateway.auth.throttle` so high that the back-off never starts here: this
 * test is about the cost of one check, not about repeated tries.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';

let gw: RunningGateway;
beforeAll(async () => {
  const raw = parse(readFileSync(SMALL_SITE, 'utf8')) as { gateway?: Record<string, unknown> };
  raw.gateway = { ...(raw.gateway ?? {}), auth: { throttle: { free: 1_000_000, addressFree: 1_000_000 } } };
  gw = await startGateway({ siteYaml: stringify(raw) });
});
afterAll(async () => {
  await gw?.stop();
});

interface Answer {
  ms: number;
  code: number;
}

function mqttTry(username: string, password: string): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
      username,
      password,
      clientId: `timing-${Math.random().toString(16).slice(2, 12)}`,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
    });
    client.once('connect', () => {
      client.end(true);
      resolve({ ms: performance.now() - t0, code: 0 });
    });
    client.once('error', (err: Error & { code?: unknown }) => {
      const ms = performance.now() - t0;
      client.end(true);
      if (typeof err.code === 'number') resolve({ ms, code: err.code });
      else reject(err);
    });
  });
}

async function httpTry(username: string, password: string): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(gw.url('/api/alerts'), { headers: basicAuth(username, password) });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, code: res.status };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Rounds of one try per kind, interleaved so every kind sees the same machine load. */
async function measure(
  kinds: Record<string, () => Promise<Answer>>,
  rounds = 11,
): Promise<Record<string, { median: number; codes: Set<number> }>> {
  const ms = new Map(Object.keys(kinds).map((k) => [k, [] as number[]]));
  const codes = new Map(Object.keys(kinds).map((k) => [k, new Set<number>()]));
  for (let i = 0; i < rounds; i++) {
    for (const [kind, run] of Object.entries(kinds)) {
      const a = await run();
      ms.get(kind)?.push(a.ms);
      codes.get(kind)?.add(a.code);
    }
  }
  return Object.fromEntries(
    Object.keys(kinds).map((k) => [k, { median: median(ms.get(k) ?? []), codes: codes.get(k) ?? new Set() }]),
  );
}

function expectLike(result: Record<string, { median: number }>, reference: string): void {
  const ref = result[reference]?.median ?? Number.NaN;
  for (const [kind, r] of Object.entries(result)) {
    const why = `${kind}: median ${r.median.toFixed(1)} ms vs ${reference} ${ref.toFixed(1)} ms`;
    expect(r.median, why).toBeGreaterThanOrEqual(ref / 3);
    expect(r.median, why).toBeLessThanOrEqual(ref * 3);
  }
}

describe('refusals cost the same whether the account exists or not', () => {
  it('MQTT: unknown user, no-password account and empty password take as long as a wrong password, same rc 4', async () => {
    const r = await measure({
      wrongPassword: () => mqttTry('U02-duty', 'not-the-password'),
      unknownUser: () => mqttTry('U02-nobody', 'not-the-password'),
      noPasswordAccount: () => mqttTry('U03-SER-PANIC', 'not-the-password'),
      emptyPassword: () => mqttTry('U02-duty', ''),
    });
    for (const v of Object.values(r)) expect([...v.codes]).toEqual([4]);
    expectLike(r, 'wrongPassword');
  });

  it('HTTP Basic: unknown user and a device account take as long as a wrong password, same 401', async () => {
    const r = await measure({
      wrongPassword: () => httpTry('police-east', 'not-the-password'),
      unknownUser: () => httpTry('police-north', 'not-the-password'),
      deviceAccount: () => httpTry('U02-PANIC-1', 'secret'),
    });
    for (const v of Object.values(r)) expect([...v.codes]).toEqual([401]);
    expectLike(r, 'wrongPassword');
  });
});
