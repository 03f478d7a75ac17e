/**
 * Offline wand uploads (issue 15), in process: the real pipeline, engines
 * and an on-disk SQLite journal, no broker. 100,000 records in 100 `records`
 * messages of 1,000 against the same number of online taps (one message
 * each) in the same run: records/s to the journal (every input committed)
 * and to tours (every tour record written), and their ratio. Then the
 * re-evaluation cost: tours judged missed with only their first checkpoint,
 * and 10,000 late records arriving for them (each completes or changes a
 * judged tour), in batches of 1,000.
 *
 * `npx tsx bench/offline-upload.ts [--quick]` prints the figures; `npm run bench -- --only offline-upload` runs it from bench/run.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createEngineSet } from '../gateway/src/engines/index.js';
import { EngineRunner } from '../gateway/src/engines/runner.js';
import { Pipeline } from '../gateway/src/ingest/pipeline.js';
import { Journal } from '../gateway/src/journal/journal.js';
import { createMetrics } from '../gateway/src/metrics.js';
import type { DeviceMessage, OfflineRecord } from '../gateway/src/model/event.js';
import { smallSite } from '../test/support/site.js';
import { type BenchContext, type BenchReport, ratio } from './lib/types.js';

const TAGS = ['04D1E2F3', '04D1E2F4', '04D1E2F5'];
const log = pino({ level: 'silent' });

interface Rig {
  pipeline: Pipeline;
  journal: Journal;
  tours: () => number;
  clock: { now: number };
  close(): void;
}

function rig(dir: string, name: string, startAt: number, maxDuration = '40m'): Rig {
  const site = smallSite((raw) => {
    for (const r of raw.routes ?? []) if (r.id === 'east-night') r.maxDuration = maxDuration;
  });
  const journal = new Journal({ path: join(dir, `${name}.sqlite`) });
  const runner = new EngineRunner(() => createEngineSet(site, startAt), log);
  const clock = { now: startAt };
  let tours = 0;
  const pipeline = new Pipeline({
    site,
    journal,
    runner,
    logger: log,
    metrics: createMetrics(),
    out: {
      committed: (entries) => {
        for (const e of entries) if (e.body.type === 'tour') tours++;
      },
      publish: async () => {},
    },
    now: () => clock.now,
  });
  const close = (): void => {
    pipeline.stop(); // its engine timer would retry on the closed journal and keep the process alive
    journal.close();
  };
  return { pipeline, journal, tours: () => tours, clock, close };
}

const origin = { transport: 'mqtt' as const, topic: 'bench', qos: 1 as const };

/** Records of a wand: 3 checkpoints of east-night in turn, `gapMs` apart, from `start`. */
function records(n: number, start: number, gapMs: number, seq0: number): OfflineRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    uid: TAGS[i % 3] as string,
    ts: start + i * gapMs,
    seq: seq0 + i,
  }));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function offlineUploadBench(ctx: BenchContext): Promise<BenchReport> {
  const total = ctx.quick ? 10_000 : 100_000;
  const batch = 1000;
  const late = ctx.quick ? 2000 : 10_000;
  const gapMs = 5000;
  const dir = mkdtempSync(join(tmpdir(), 'gp-bench-offline-'));
  try {
    const now = Date.now();
    const start = now - 3_600_000 - total * gapMs;

    // online taps: one message each, device time = receive time
    const online = rig(dir, 'online', start);
    const onlineS = await timed(async () => {
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        // the device's ts is its read time; the gateway clock follows (within the 5 min skew of a commit)
        online.clock.now = start + i * gapMs;
        const msg: DeviceMessage = {
          kind: 'tap',
          device: 'G001-WAND',
          uid: TAGS[i % 3] as string,
          seq: i + 1,
          ts: new Date(start + i * gapMs).toISOString(),
        };
        pending.push(online.pipeline.accept(msg, origin));
        if (pending.length >= 50) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    });
    const onlineTours = online.tours();
    online.close();
    ctx.log(`online: ${total} taps in ${onlineS.toFixed(2)} s, ${onlineTours} tours`);

    // the same reads from a wand's memory: 100 messages of 1,000, uploaded an hour after the last
    const offline = rig(dir, 'offline', now);
    const all = records(total, start, gapMs, 1);
    // panics pressed every 20 ms meanwhile: press → committed and fanned out (the PUBACK point)
    const panicMs: number[] = [];
    let uploading = true;
    let press = 0;
    const presses = (async () => {
      while (uploading) {
        await new Promise((r) => setTimeout(r, 20));
        const t = performance.now();
        const msg: DeviceMessage = {
          kind: 'panic',
          device: 'U01-PANIC-1',
          state: press % 2 === 0 ? 'pressed' : 'released',
          seq: ++press,
          ts: null,
        };
        await offline.pipeline.accept(msg, origin);
        panicMs.push(performance.now() - t);
      }
    })();
    const offlineS = await timed(async () => {
      const acks: Promise<unknown>[] = [];
      for (let b = 0; b < total / batch; b++) {
        const msg: DeviceMessage = {
          kind: 'records',
          device: 'G001-WAND',
          records: all.slice(b * batch, (b + 1) * batch),
          invalid: [],
        };
        acks.push(offline.pipeline.accept(msg, origin));
      }
      await Promise.all(acks);
    });
    uploading = false;
    await presses;
    panicMs.sort((a, b) => a - b);
    const pct = (q: number): number =>
      round(panicMs[Math.min(panicMs.length - 1, Math.floor(q * panicMs.length))] ?? 0);
    const panic = {
      n: panicMs.length,
      p50: pct(0.5),
      p99: pct(0.99),
      max: round(panicMs[panicMs.length - 1] ?? 0),
    };
    ctx.log(
      `panics during the upload: ${panic.n}, p50 ${panic.p50} ms, p99 ${panic.p99} ms, max ${panic.max} ms`,
    );
    const offlineTours = offline.tours();
    offline.close();
    ctx.log(`offline: ${total} records in ${offlineS.toFixed(2)} s, ${offlineTours} tours`);

    // re-evaluation: `late` tours started online (first checkpoint), judged missed; then their other taps arrive late
    // a 30 s tour limit: each tour is judged before the next starts, all within the 2 days judged tours are kept
    const judge = rig(dir, 'revise', start, '30s');
    const tourGap = 31_000;
    const tours = late / 2;
    for (let t = 0; t < tours; t++) {
      judge.clock.now = start + t * tourGap;
      const msg: DeviceMessage = {
        kind: 'tap',
        device: 'G001-WAND',
        uid: TAGS[0] as string,
        seq: t + 1,
        ts: null,
      };
      await judge.pipeline.accept(msg, origin);
    }
    judge.clock.now = start + tours * tourGap + 60_000;

    // a tick closes the last open tour; wait for the timers to settle
    await new Promise((r) => setTimeout(r, 50));
    const judgedBefore = judge.tours();
    const lateRecords: OfflineRecord[] = [];
    for (let t = 0; t < tours; t++) {
      const s = start + t * tourGap;
      lateRecords.push({ uid: TAGS[1] as string, ts: s + 10_000, seq: 1_000_000 + 2 * t });
      lateRecords.push({ uid: TAGS[2] as string, ts: s + 20_000, seq: 1_000_001 + 2 * t });
    }
    const reviseS = await timed(async () => {
      const acks: Promise<unknown>[] = [];
      for (let b = 0; b < lateRecords.length; b += batch) {
        const msg: DeviceMessage = {
          kind: 'records',
          device: 'G001-WAND',
          records: lateRecords.slice(b, b + batch),
          invalid: [],
        };
        acks.push(judge.pipeline.accept(msg, origin));
      }
      await Promise.all(acks);
    });
    const revised = judge.tours() - judgedBefore;
    judge.close();
    ctx.log(
      `revise: ${lateRecords.length} late records in ${reviseS.toFixed(2)} s, ${revised} tours revised`,
    );

    const onlineRate = total / onlineS;
    const offlineRate = total / offlineS;
    return {
      name: 'offline-upload',
      title: `Offline wand upload: ${total.toLocaleString('en')} records in ${total / batch} messages vs as many online taps (in process, SQLite on disk)`,
      rows: [
        {
          input: 'online taps (1 per message)',
          count: total,
          seconds: round(onlineS),
          'per s to journal': Math.round(onlineRate),
          tours: onlineTours,
          'tours per s': Math.round(onlineTours / onlineS),
          ratio: 1,
        },
        {
          input: `offline records (${batch} per message)`,
          count: total,
          seconds: round(offlineS),
          'per s to journal': Math.round(offlineRate),
          tours: offlineTours,
          'tours per s': Math.round(offlineTours / offlineS),
          ratio: ratio(offlineRate, onlineRate),
        },
        {
          input: 'late records for judged tours',
          count: lateRecords.length,
          seconds: round(reviseS),
          'per s to journal': Math.round(lateRecords.length / reviseS),
          tours: revised,
          'tours per s': Math.round(revised / reviseS),
          ratio: ratio(lateRecords.length / reviseS, onlineRate),
        },
      ],
      notes: [
        'ratio: records (or late records) per second over online taps per second, same run, same machine.',
        `panic press → committed during the offline upload (one every 20 ms, in process): p50 ${panic.p50} ms, p99 ${panic.p99} ms, max ${panic.max} ms (n ${panic.n}).`,
        `re-evaluation: ${tours} tours judged missed (first checkpoint only), each completed by 2 late records; per-batch cost ${round((reviseS / (lateRecords.length / batch)) * 1000)} ms.`,
      ],
      data: {
        total,
        batch,
        onlineS,
        offlineS,
        onlineTours,
        offlineTours,
        late: lateRecords.length,
        reviseS,
        revised,
        judgedBefore,
        panic,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  offlineUploadBench({ quick, log: (l) => console.error(`  … ${l}`) }).then((r) => {
    console.log(r.title);
    console.table(r.rows);
    for (const n of r.notes) console.log(n);
  });
}
