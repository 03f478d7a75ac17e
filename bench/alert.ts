/**
 * Alert latency at fractions of the gateway's own capacity (issue 3, and the
 * umbrella issue "the neighbours know within a second"): U01-PANIC-1
 * presses, every console of the targets (U01…U04 duty rooms, zone east) must
 * have the alert; latency is the PUBLISH → the last console's delivery.
 *
 * The background is not a fixed rate but a share of what this gateway
 * sustains on this machine: first its QoS 1 capacity is measured (closed
 * loop from 200 readers, as bench/broker.ts does), then readers tap open
 * loop at 0.5, 0.8 and 1.2 (overload) of it. Reference: bare aedes routing
 * the press to four subscribers under the same absolute background rate.
 * Two adversity cases: one device flooding as fast as it can, and a stalled
 * consumer (subscribed to everything, never reading its socket) beside the
 * 0.5 load.
 */
import { topics } from '../gateway/src/topics.js';
import { windowFor } from './broker.js';
import { cheapHash } from './footprint.js';
import { BUTTON, type ProbeResult, probe } from './lib/alert-probe.js';
import { type BrokerUnderTest, type GatewayUnderTest, startAedes, startBenchGateway } from './lib/brokers.js';
import type { LoadResult, LoadSpec } from './lib/load.js';
import { loadWithCpu, startLoad } from './lib/run-load.js';
import { BENCH_CARD, readerIds, SMALL_SITE_PASSWORD, siteWithReaders } from './lib/sites.js';
import { type StalledConsumer, stalledConsumer } from './lib/stalled.js';
import { cpuSeconds, round, type Summary, summarize } from './lib/stats.js';
import { type BenchContext, type BenchReport, type Cell, ratio } from './lib/types.js';

const TARGET_P99_MS = 20;
const PROMISE_MS = 1000;
const FRACTIONS = [0.5, 0.8, 1.2];
/** Background readers: enough that no one device sends more than a real reader could under a per-device limit. */
const BG_READERS = 500;
const CAPACITY_READERS = 200;

export interface AlertRun {
  case: string;
  broker: 'gateway' | 'aedes';
  /** Share of the gateway's capacity the background was set to (null: none or another load). */
  fraction: number | null;
  targetRate: number;
  latency: Summary;
  presses: number;
  undelivered: number;
  withinPromise: number;
  background: LoadResult | null;
  /** Messages the background offered per second over its whole run (warm-up included). */
  offeredRate: number;
  brokerCpu: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let seqBase = 1;
const nextSeqBase = (): number => {
  seqBase += 5_000_000;
  return seqBase;
};

interface Durations {
  loadMs: number;
  samples: number;
  idleSamples: number;
  capacityWarmupMs: number;
  capacityMs: number;
}

const durations = (quick: boolean): Durations =>
  quick
    ? { loadMs: 6000, samples: 30, idleSamples: 15, capacityWarmupMs: 400, capacityMs: 1500 }
    : { loadMs: 40_000, samples: 300, idleSamples: 100, capacityWarmupMs: 1000, capacityMs: 5000 };

/** The bench site: the small site plus BG_READERS readers with a cheap hash; limits raised unless `shipped`. */
const benchSite = (shipped = false): string =>
  siteWithReaders(BG_READERS, { hash: cheapHash(SMALL_SITE_PASSWORD), shippedLimits: shipped });

const gateway = (defaults = false): Promise<GatewayUnderTest> =>
  startBenchGateway({ siteYaml: benchSite(defaults), password: SMALL_SITE_PASSWORD });

function spec(broker: BrokerUnderTest, mode: LoadSpec['mode'], devices: string[], d: Durations): LoadSpec {
  return {
    url: broker.url,
    devices,
    password: broker.password,
    qos: 1,
    mode,
    warmupMs: 1000,
    durationMs: d.loadMs,
    tapUid: BENCH_CARD,
    seqBase: nextSeqBase(),
  };
}

/** QoS 1 msgs/s the gateway sustains from CAPACITY_READERS devices (closed loop). */
async function capacity(broker: BrokerUnderTest, d: Durations): Promise<{ rate: number; cpu: number }> {
  const { load, cpu } = await loadWithCpu(broker.pid, {
    ...spec(
      broker,
      { kind: 'window', window: windowFor(1, CAPACITY_READERS) },
      readerIds(CAPACITY_READERS),
      d,
    ),
    warmupMs: d.capacityWarmupMs,
    durationMs: d.capacityMs,
  });
  return { rate: load.rate, cpu };
}

interface Measured {
  result: ProbeResult;
  background: LoadResult | null;
  offeredRate: number;
  brokerCpu: number;
}

const probeOptions = (broker: BrokerUnderTest, samples: number, budgetMs: number, warmup: number) => ({
  samples,
  budgetMs,
  warmup,
  timeoutMs: 10_000,
  password: broker.name === 'gateway' ? SMALL_SITE_PASSWORD : null,
});

/** Presses on an unloaded broker, not counted: JIT and first alert out of the way before a case starts. */
async function warmUp(broker: BrokerUnderTest): Promise<void> {
  await probe(broker, probeOptions(broker, 5, 20_000, 0));
}

/**
 * Probes `broker` while `load` (if any) runs. Warm-up presses, if any, are
 * made before the load starts: under overload or adversity a cold first
 * press would eat the budget.
 */
async function measure(
  broker: BrokerUnderTest,
  load: LoadSpec | null,
  samples: number,
  budgetMs: number,
  warm: boolean,
): Promise<Measured> {
  if (warm) await warmUp(broker);
  const lc = load ? startLoad(load) : null;
  if (lc) {
    await lc.connected;
    await sleep(1000);
  }
  const c0 = cpuSeconds(broker.pid);
  const t0 = performance.now();
  const result = await probe(broker, probeOptions(broker, samples, budgetMs, 0));
  const brokerCpu = round((cpuSeconds(broker.pid) - c0) / ((performance.now() - t0) / 1000));
  const background = lc ? await lc.result : null;
  const offeredRate = background && load ? background.sent / ((load.warmupMs + load.durationMs) / 1000) : 0;
  return { result, background, offeredRate, brokerCpu };
}

function run(
  ctx: BenchContext,
  c: string,
  broker: 'gateway' | 'aedes',
  fraction: number | null,
  targetRate: number,
  m: Measured,
): AlertRun {
  const { latencies, undelivered } = m.result;
  const r: AlertRun = {
    case: c,
    broker,
    fraction,
    targetRate: Math.round(targetRate),
    latency: summarize(latencies),
    presses: latencies.length + undelivered,
    undelivered,
    withinPromise: latencies.filter((x) => x <= PROMISE_MS).length,
    background: m.background,
    offeredRate: round(m.offeredRate, 0),
    brokerCpu: m.brokerCpu,
  };
  ctx.log(
    `alert ${c}: p50 ${r.latency.p50} p99 ${r.latency.p99} max ${r.latency.max} ms, ` +
      `${r.withinPromise}/${r.presses} within ${PROMISE_MS} ms, background ${Math.round(m.background?.rate ?? 0)} msg/s acked`,
  );
  return r;
}

const rateMode = (perSecond: number): LoadSpec['mode'] => ({
  kind: 'rate',
  streams: [{ kind: 'tap', devices: readerIds(BG_READERS), perSecond: Math.round(perSecond) }],
});

/** Idle, capacity, then the fractions, on one gateway. */
async function gatewayRuns(ctx: BenchContext, d: Durations): Promise<{ runs: AlertRun[]; capacity: number }> {
  const broker = await gateway();
  try {
    const idle = run(
      ctx,
      'gateway idle',
      'gateway',
      null,
      0,
      await measure(broker, null, d.idleSamples, 20_000, true),
    );
    const cap = await capacity(broker, d);
    ctx.log(
      `alert: gateway QoS 1 capacity ${Math.round(cap.rate)} msg/s (${CAPACITY_READERS} readers, cpu ${cap.cpu})`,
    );
    const runs = [idle];
    for (const f of FRACTIONS) {
      const rate = f * cap.rate;
      const load = spec(broker, rateMode(rate), readerIds(BG_READERS), d);
      runs.push(
        run(
          ctx,
          `gateway ${f} × capacity`,
          'gateway',
          f,
          rate,
          await measure(broker, load, d.samples, d.loadMs - 2000, false),
        ),
      );
    }
    return { runs, capacity: cap.rate };
  } finally {
    await broker.stop();
  }
}

/** Bare aedes under the same absolute background rates. */
async function aedesRuns(ctx: BenchContext, d: Durations, cap: number): Promise<AlertRun[]> {
  const broker = await startAedes();
  try {
    const runs: AlertRun[] = [];
    for (const f of FRACTIONS) {
      const rate = f * cap;
      const load = spec(broker, rateMode(rate), readerIds(BG_READERS), d);
      runs.push(
        run(
          ctx,
          `aedes at gateway ${f} × capacity`,
          'aedes',
          f,
          rate,
          await measure(broker, load, d.samples, d.loadMs - 2000, f === FRACTIONS[0]),
        ),
      );
    }
    return runs;
  } finally {
    await broker.stop();
  }
}

/** One reader publishing QoS 0 as fast as it can (batches of 1000 closed by a QoS 1 marker), site limits as shipped. */
async function floodRun(ctx: BenchContext, d: Durations): Promise<AlertRun> {
  const broker = await gateway(true);
  try {
    const load = {
      ...spec(broker, { kind: 'window' as const, window: 1000 }, readerIds(1), d),
      qos: 0 as const,
    };
    return run(
      ctx,
      'gateway, one device flooding',
      'gateway',
      null,
      0,
      await measure(broker, load, d.samples, d.loadMs - 2000, true),
    );
  } finally {
    await broker.stop();
  }
}

/** 0.5 × capacity plus an admin subscribed to every gp/v1 topic that never reads its socket. */
async function stalledRun(ctx: BenchContext, d: Durations, cap: number): Promise<AlertRun> {
  const broker = await gateway();
  let stalled: StalledConsumer | null = null;
  try {
    await warmUp(broker);
    stalled = await stalledConsumer(broker.port, 'police-west', SMALL_SITE_PASSWORD, topics.all);
    const rate = 0.5 * cap;
    const load = spec(broker, rateMode(rate), readerIds(BG_READERS), d);
    return run(
      ctx,
      'gateway 0.5 × capacity + stalled consumer',
      'gateway',
      0.5,
      rate,
      await measure(broker, load, d.samples, d.loadMs - 2000, false),
    );
  } finally {
    stalled?.close();
    await broker.stop();
  }
}

export async function alertBench(ctx: BenchContext): Promise<BenchReport> {
  const d = durations(ctx.quick);
  const { runs: gw, capacity: cap } = await gatewayRuns(ctx, d);
  const ref = await aedesRuns(ctx, d, cap);
  const flood = await floodRun(ctx, d);
  const stalled = await stalledRun(ctx, d, cap);
  const idle = gw[0] as AlertRun;
  const aedesAt = (f: number | null): AlertRun | undefined => ref.find((r) => r.fraction === f);
  const row = (r: AlertRun): Record<string, Cell> => ({
    case: r.case,
    'bg target msg/s': r.targetRate,
    'bg offered msg/s': r.offeredRate,
    'bg acked msg/s': r.background ? Math.round(r.background.rate) : 0,
    'bg ack p99 ms': r.background?.latency?.p99 ?? null,
    presses: r.presses,
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'max ms': r.latency.max,
    [`within ${PROMISE_MS} ms`]: `${r.withinPromise}/${r.presses}`,
    'broker cpu': r.brokerCpu,
    'p99 vs idle': r.broker === 'gateway' ? ratio(r.latency.p99, idle.latency.p99) : null,
    'p99 vs aedes':
      r.broker === 'gateway' ? ratio(r.latency.p99, aedesAt(r.fraction)?.latency.p99 ?? 0) : null,
  });
  const under = gw.filter((r) => r.fraction !== null && r.fraction < 1);
  const met = under.every((r) => r.undelivered === 0 && r.latency.p99 < TARGET_P99_MS);
  const over = gw.find((r) => r.fraction === 1.2);
  return {
    name: 'alert',
    title: `Alert latency at fractions of the gateway's QoS 1 capacity (${Math.round(cap)} msg/s here), and under adversity`,
    rows: [...gw, ...ref, flood, stalled].map(row),
    notes: [
      `capacity: QoS 1 closed loop from ${CAPACITY_READERS} readers (window ${windowFor(1, CAPACITY_READERS)} each) = ${Math.round(cap)} msg/s; background: ${BG_READERS} readers tapping open loop at the fraction of it`,
      `target p99 < ${TARGET_P99_MS} ms below capacity (0.5, 0.8): ${met ? 'MET' : 'NOT MET'}`,
      `overload (1.2 × capacity): ${over?.withinPromise ?? 0}/${over?.presses ?? 0} presses at every console within ${PROMISE_MS} ms (${over?.undelivered ?? 0} not within 10 s)`,
      'latency = PUBLISH of the press → the last of the four consoles has the raised alert; each press is resolved before the next',
      'flooding: one reader, QoS 0 batches of 1000 + a QoS 1 marker, as fast as the gateway takes them, limits as shipped (every other case raises them); its "acked" counts messages handled (journaled or refused by a limit) before an acknowledged marker',
      'stalled consumer: police-west subscribed to gp/v1/# at QoS 1 on a raw socket that is never read, beside the 0.5 background',
    ],
    data: {
      capacity: cap,
      target: { p99Ms: TARGET_P99_MS, met },
      button: BUTTON,
      runs: [...gw, ...ref, flood, stalled],
    },
  };
}
