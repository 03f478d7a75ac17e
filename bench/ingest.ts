/**
 * Ingest to InfluxDB (issue 5): taps published over MQTT (QoS 1, 10 readers,
 * closed loop) until queryable in a real influxd, against the raw rate of
 * that influxd in the same run (the same number of equivalent points posted
 * as line protocol, batches of 5,000, by plain fetch, one batch at a time).
 * bench/influx-ingest.ts measures the exporter alone (journal → InfluxDB).
 */
import { startInfluxd } from '../test/support/influxd.js';
import { type IngestResult, runInfluxIngestBench } from './influx-ingest.js';
import { startBenchGateway } from './lib/brokers.js';
import { startLoad } from './lib/run-load.js';
import { BENCH_CARD, readerIds, SMALL_SITE_PASSWORD, siteWithReaders } from './lib/sites.js';
import { cpuSeconds, round } from './lib/stats.js';
import { type BenchContext, type BenchReport, ratio } from './lib/types.js';

const TARGET_RATIO = 0.7;
const DB = 'guardpost';
const RAW_DB = 'raw_reference';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function countOf(body: unknown): number {
  const v = (body as { results?: { series?: { values?: unknown[][] }[] }[] }).results?.[0]?.series?.[0]
    ?.values?.[0]?.[1];
  return typeof v === 'number' ? v : 0;
}

export async function ingestBench(ctx: BenchContext): Promise<BenchReport> {
  const durationMs = ctx.quick ? 4000 : 20_000;
  const influx = await startInfluxd();
  try {
    const gw = await startBenchGateway({
      siteYaml: siteWithReaders(10),
      influxUrl: influx.url,
      env: { GUARDPOST_INFLUX_DB: DB },
      password: SMALL_SITE_PASSWORD,
    });
    let e2e: {
      points: number;
      sent: number;
      seconds: number;
      rate: number;
      publishRate: number;
      gatewayCpu: number;
    };
    try {
      const count = async (): Promise<number> => {
        try {
          return countOf(await influx.query('SELECT count(seq) FROM tap', DB));
        } catch {
          return 0; // database not created yet
        }
      };
      const lc = startLoad({
        url: gw.url,
        devices: readerIds(10),
        password: gw.password,
        qos: 1,
        mode: { kind: 'window', window: 20 },
        warmupMs: 0,
        durationMs,
        tapUid: BENCH_CARD,
        seqBase: 1,
      });
      await lc.connected;
      const t0 = performance.now();
      const c0 = cpuSeconds(gw.pid);
      const load = await lc.result;
      // until every acknowledged tap is a point, or the count has not moved for 3 s (bounded: 120 s)
      let last = await count();
      let lastChange = performance.now();
      let reached = lastChange;
      const deadline = performance.now() + 120_000;
      while (performance.now() < deadline) {
        const n = await count();
        if (n !== last) {
          last = n;
          lastChange = performance.now();
          reached = lastChange;
        }
        if (n >= load.sent - load.errors || performance.now() - lastChange > 3000) break;
        await sleep(100);
      }
      const seconds = (reached - t0) / 1000;
      const gatewayCpu = round((cpuSeconds(gw.pid) - c0) / seconds);
      e2e = {
        points: last,
        sent: load.sent,
        seconds: round(seconds),
        rate: last / seconds,
        publishRate: load.sent / (durationMs / 1000),
        gatewayCpu,
      };
    } finally {
      await gw.stop();
    }
    ctx.log(`ingest e2e: ${e2e.points} points in ${e2e.seconds} s = ${e2e.rate.toFixed(0)}/s`);

    // raw: the same number of points, the shape the exporter writes, straight to influxd
    await influx.query(`CREATE DATABASE ${RAW_DB}`);
    const n = Math.max(e2e.points, 5000);
    const base = Date.now() - 3_600_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const dev = readerIds(10)[i % 10];
      lines.push(
        `tap,checkpoint=CP-E-01,device=${dev},guard=G001,route=east-night,unit=U02,zone=east seq=${i + 1}i,uid="${BENCH_CARD}" ${base + Math.floor(i / 10)}`,
      );
    }
    const r0 = performance.now();
    for (let i = 0; i < n; i += 5000) {
      const res = await fetch(`${influx.url}/write?db=${RAW_DB}&precision=ms`, {
        method: 'POST',
        body: lines.slice(i, i + 5000).join('\n'),
      });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`raw write: HTTP ${res.status}`);
    }
    const rawSeconds = (performance.now() - r0) / 1000;
    const raw = { points: n, seconds: round(rawSeconds), rate: n / rawSeconds };
    const r = ratio(e2e.rate, raw.rate) ?? 0;
    // the exporter alone (bench/influx-ingest.ts: journal → InfluxDB, its own influxd)
    const exporter: IngestResult[] = await runInfluxIngestBench(ctx.quick ? 10_000 : 50_000, 5000);
    ctx.log(`ingest raw: ${n} points in ${raw.seconds} s = ${raw.rate.toFixed(0)}/s`);
    return {
      name: 'ingest',
      title: 'Ingest to InfluxDB: MQTT publish → queryable point, vs raw line-protocol writes',
      rows: [
        {
          path: 'raw: fetch POST /write, batches of 5,000',
          points: raw.points,
          seconds: raw.seconds,
          'points/s': Math.round(raw.rate),
          ratio: 1,
        },
        {
          path: 'gateway: MQTT QoS 1 → journal → exporter → InfluxDB',
          points: e2e.points,
          seconds: e2e.seconds,
          'points/s': Math.round(e2e.rate),
          ratio: r,
        },
        ...exporter.map((x) => ({
          path: `exporter alone (bench/influx-ingest.ts, ${x.scenario}): journal → InfluxDB`,
          points: x.events,
          seconds: x.seconds,
          'points/s': x.eventsPerSecond,
          ratio: ratio(x.eventsPerSecond, raw.rate),
        })),
      ],
      notes: [
        `published ${e2e.sent} taps at ${Math.round(e2e.publishRate)} msg/s for ${durationMs / 1000} s; gateway CPU ${e2e.gatewayCpu} cores until the last point was queryable`,
        `target ratio ≥ ${TARGET_RATIO}: ${r >= TARGET_RATIO ? 'MET' : 'NOT MET'} (${r})`,
      ],
      data: { target: TARGET_RATIO, met: r >= TARGET_RATIO, ratio: r, e2e, raw, exporter },
    };
  } finally {
    await influx.stop();
  }
}
