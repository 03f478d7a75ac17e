/**
 * City uplink drain rate: a journal backlog (default 200,000 entries: taps
 * and heartbeats, 9 to 1, the message sizes a district really sends) drained
 * by the uplink extension into a real Mosquitto on loopback, timed from start
 * to every entry acknowledged; against a reference in the same run: the same
 * messages published at QoS 1 by one plain mqtt.js client (mosquitto_pub
 * style), with the same number in flight, and pipelined with 1,000 in flight.
 * RSS is sampled every 50 ms while the uplink drains (its peak above the
 * level before the start is what the bounded window keeps small).
 *
 * Usage: node --import tsx bench/uplink.ts [--entries 200000] [--window 100]
 * Prints a JSON line and writes bench/results/uplink-latest.json. Not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import type { JournalBody } from '../gateway/src/journal/types.js';
import { createUplinkExtension } from '../gateway/src/uplink/index.js';
import { toUplinkMessages, type UplinkMessage } from '../gateway/src/uplink/messages.js';
import { uplinkSchema } from '../gateway/src/uplink/schema.js';
import { makeContext } from '../test/export/context.js';
import { heartbeat, smallSite, tap } from '../test/export/helpers.js';
import { startMosquitto } from '../test/support/mosquitto.js';

interface RawResult {
  inFlight: number;
  seconds: number;
  perSecond: number;
}

export interface UplinkBenchResult {
  entries: number;
  messages: number;
  bytes: number;
  window: number;
  uplink: { seconds: number; perSecond: number; rssPeakMB: number; rssBeforeMB: number; heapPeakMB: number };
  raw: RawResult[];
  /** uplink entries/s ÷ raw publishes/s at the same in-flight count. */
  ratio: number;
}

function arg(name: string, fallback: number): number {
  const idx = process.argv.indexOf(`--${name}`);
  const value = idx >= 0 ? Number(process.argv[idx + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function body(i: number, at: number): JournalBody {
  if (i % 10 === 9) return heartbeat(at, 50 + (i % 50), -40 - (i % 30), i);
  return tap(at, i, { device: `G00${i % 5}-WAND` });
}

const MB = 1024 * 1024;

async function raw(url: string, messages: readonly UplinkMessage[], inFlight: number): Promise<RawResult> {
  const client = mqtt.connect(url, {
    username: 'bench',
    password: 'bench',
    clientId: `raw-${inFlight}`,
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let pending = 0;
    const fill = () => {
      while (pending < inFlight && next < messages.length) {
        const m = messages[next++] as UplinkMessage;
        pending++;
        client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          pending--;
          if (next >= messages.length && pending === 0) resolve();
          else fill();
        });
      }
    };
    fill();
  });
  const seconds = (performance.now() - t0) / 1000;
  await client.endAsync();
  return { inFlight, seconds, perSecond: Math.round(messages.length / seconds) };
}

/** The raw runs on the same messages; they go out of scope before the uplink's memory is sampled. */
async function reference(
  url: string,
  entries: Parameters<typeof toUplinkMessages>[0],
  siteId: string,
  window: number,
): Promise<{ messages: number; bytes: number; raw: RawResult[] }> {
  const messages = toUplinkMessages(entries, {
    prefix: `city/v1/site/${siteId}`,
    alerts: true,
    events: true,
    eventKinds: null,
  });
  const bytes = messages.reduce((s, m) => s + m.payload.length + m.topic.length, 0);
  const raw1 = await raw(url, messages, window);
  const raw2 = await raw(url, messages, 1000);
  return { messages: messages.length, bytes, raw: [raw1, raw2] };
}

export async function runUplinkBench(entries = 200_000, window = 100): Promise<UplinkBenchResult> {
  const broker = await startMosquitto({
    users: { bench: 'bench' },
    persistence: false,
    // the broker's Receive Maximum caps the window (mosquitto's default is 20)
    extra: ['max_inflight_messages 1000'],
  });
  const site = smallSite();
  const tc = makeContext(site);
  try {
    const t0 = Date.now() - 3600_000;
    for (let i = 0; i < entries; i += 5000) {
      const n = Math.min(5000, entries - i);
      tc.append(
        Array.from({ length: n }, (_, k) => {
          const at = t0 + Math.floor((i + k) / 3);
          return { body: body(i + k + 1, at), at };
        }),
      );
    }
    const ref = await reference(broker.url, tc.journal.readAfter(0, entries), site.config.site.id, window);

    const config = uplinkSchema.parse({
      url: broker.url,
      username: 'bench',
      password_env: 'BENCH_UPLINK_PASSWORD',
      window,
      clientId: 'bench-uplink',
    });
    if (!config) throw new Error('no uplink config');
    const env = { BENCH_UPLINK_PASSWORD: 'bench' };
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let heapPeak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 50);
    const ext = createUplinkExtension(config, env);
    const started = performance.now();
    await ext.start(tc.ctx);
    const ok = await ext.drained(tc.journal.lastSeq(), 600_000);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    await ext.stop();
    if (!ok) throw new Error(`uplink did not drain: ${JSON.stringify(ext.health())}`);
    const perSecond = Math.round(entries / seconds);
    return {
      entries,
      messages: ref.messages,
      bytes: ref.bytes,
      window,
      uplink: {
        seconds: Math.round(seconds * 100) / 100,
        perSecond,
        rssBeforeMB: Math.round(rssBefore / MB),
        rssPeakMB: Math.round(rssPeak / MB),
        heapPeakMB: Math.round(heapPeak / MB),
      },
      raw: ref.raw,
      ratio: Math.round((perSecond / (ref.raw[0] as RawResult).perSecond) * 100) / 100,
    };
  } finally {
    tc.journal.close();
    await broker.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runUplinkBench(arg('entries', 200_000), arg('window', 100)).then(
    (result) => {
      console.log(JSON.stringify(result));
      const dir = join(import.meta.dirname, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'uplink-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
