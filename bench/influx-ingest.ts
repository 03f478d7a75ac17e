/**
 * InfluxDB export throughput: how fast a journal backlog drains into a real
 * influxd (Debian 1.6, loopback, temp dir). Measures two things:
 *
 * - live: events appended in commits of 50 while the exporter runs;
 * - backlog: N events journaled while influxd is down, then influxd starts
 *   and the exporter flushes (the outage-recovery case; includes influxd's
 *   start-up and the exporter's first retry backoff, 250–500 ms with jitter);
 * - drain: N events journaled, influxd up and the database already created
 *   (by a first start of an exporter on it), timed from start to drained: the
 *   exporter's own throughput.
 *
 * Usage: node --import tsx bench/influx-ingest.ts [--events 50000] [--batch 5000]
 * Prints one JSON line per scenario. Not a test: nothing here asserts timings.
 */
import { performance } from 'node:perf_hooks';
import { createInfluxExtension } from '../gateway/src/export/influx/index.js';
import type { JournalBody } from '../gateway/src/journal/types.js';
import { makeContext } from '../test/export/context.js';
import { heartbeat, smallSite, tap } from '../test/export/helpers.js';
import { startInfluxd } from '../test/support/influxd.js';

export interface IngestResult {
  scenario: 'live' | 'backlog' | 'drain';
  events: number;
  batchSize: number;
  seconds: number;
  eventsPerSecond: number;
  written: number;
}

function body(i: number, at: number): JournalBody {
  // 9 taps of 5 wands for every heartbeat; bursts put several events in one ms
  if (i % 10 === 9) return heartbeat(at, 50 + (i % 50), -40 - (i % 30), i);
  return tap(at, i, { device: `G00${i % 5}-WAND` });
}

export async function runInfluxIngestBench(events = 50_000, batchSize = 5000): Promise<IngestResult[]> {
  const influx = await startInfluxd();
  const site = smallSite();
  const results: IngestResult[] = [];
  const t0 = Date.now() - 3600_000;
  try {
    for (const scenario of ['live', 'backlog', 'drain'] as const) {
      const tc = makeContext(site);
      const ext = createInfluxExtension({
        url: influx.url,
        database: `bench_${scenario}`,
        batchSize,
        lingerMs: 200,
      });
      const items = Array.from({ length: events }, (_, i) => {
        const at = t0 + Math.floor(i / 3);
        return { body: body(i + 1, at), at };
      });
      let started: number;
      if (scenario === 'drain') {
        // create the database first, so that only the export is timed
        const warm = makeContext(site);
        const setup = createInfluxExtension({ url: influx.url, database: 'bench_drain' });
        await setup.start(warm.ctx);
        await setup.drained(0, 30_000);
        while (setup.health().connected !== true) await new Promise((r) => setTimeout(r, 20));
        await setup.stop();
        warm.journal.close();
        for (let i = 0; i < items.length; i += 1000) tc.append(items.slice(i, i + 1000));
        started = performance.now();
        await ext.start(tc.ctx);
      } else if (scenario === 'backlog') {
        await influx.stop();
        for (let i = 0; i < items.length; i += 1000) tc.append(items.slice(i, i + 1000));
        await ext.start(tc.ctx);
        started = performance.now();
        await influx.start();
      } else {
        await ext.start(tc.ctx);
        started = performance.now();
        for (let i = 0; i < items.length; i += 50) {
          tc.append(items.slice(i, i + 50));
          if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
        }
      }
      const ok = await ext.drained(tc.journal.lastSeq(), 600_000);
      const seconds = (performance.now() - started) / 1000;
      const written = ext.health().written;
      await ext.stop();
      tc.journal.close();
      if (!ok) throw new Error(`${scenario}: backlog did not drain`);
      const result: IngestResult = {
        scenario,
        events,
        batchSize,
        seconds: Math.round(seconds * 1000) / 1000,
        eventsPerSecond: Math.round(events / seconds),
        written,
      };
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await influx.stop();
  }
  return results;
}

function arg(name: string, fallback: number): number {
  const idx = process.argv.indexOf(`--${name}`);
  const value = idx >= 0 ? Number(process.argv[idx + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runInfluxIngestBench(arg('events', 50_000), arg('batch', 5000)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
