/**
 * Alert latency under load (issue 3): U01-PANIC-1 presses, every console of
 * the targets (U01…U04 duty rooms, zone east) must have the alert. Measured
 * from the PUBLISH to the last console's delivery, while 200 readers send
 * taps at 5,000 msg/s (QoS 1) from another process. Each press is resolved
 * by U01's console before the next, so every press is a new alert.
 * Reference: the same four consoles subscribed to the button's topic on a
 * bare aedes, under the same background load.
 */
import type { MqttClient } from 'mqtt';
import { topics } from '../gateway/src/topics.js';
import { connectAs, end } from '../test/support/mqtt.js';
import { type BrokerUnderTest, startAedes, startBenchGateway } from './lib/brokers.js';
import type { LoadResult } from './lib/load.js';
import { startLoad } from './lib/run-load.js';
import { BENCH_CARD, readerIds, SMALL_SITE_PASSWORD, siteWithReaders } from './lib/sites.js';
import { cpuSeconds, round, type Summary, summarize } from './lib/stats.js';
import { type BenchContext, type BenchReport, ratio } from './lib/types.js';

const BUTTON = 'U01-PANIC-1';
const CONSOLES = ['U01-duty', 'U02-duty', 'U03-duty', 'U04-duty'];
const TARGET_P99_MS = 20;

export interface AlertRun {
  broker: 'gateway' | 'aedes';
  latency: Summary;
  /** null: no background load (the idle figure). */
  background: LoadResult | null;
  brokerCpu: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time the last of `clients` got a message matching `pred`. */
function allReceive(
  clients: MqttClient[],
  pred: (topic: string, json: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let left = clients.length;
    let last = 0;
    const handlers = clients.map((c) => {
      let done = false;
      const h = (topic: string, payload: Buffer): void => {
        if (done) return;
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(payload.toString()) as Record<string, unknown>;
        } catch {
          return;
        }
        if (!pred(topic, json)) return;
        done = true;
        last = performance.now();
        c.off('message', h);
        if (--left === 0) {
          clearTimeout(t);
          resolve(last);
        }
      };
      c.on('message', h);
      return h;
    });
    const t = setTimeout(() => {
      clients.forEach((c, i) => {
        c.off('message', handlers[i] as (t: string, p: Buffer) => void);
      });
      reject(new Error(`only ${clients.length - left}/${clients.length} consoles got it in ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

async function probe(broker: BrokerUnderTest, samples: number, budgetMs: number): Promise<number[]> {
  const gw = broker.name === 'gateway';
  const login = (id: string): Promise<MqttClient> =>
    gw
      ? connectAs(broker.port, id, SMALL_SITE_PASSWORD)
      : connectAs(broker.port, id, '', { username: undefined, password: undefined });
  const consoles = await Promise.all(CONSOLES.map(login));
  const button = await login(BUTTON);
  const latencies: number[] = [];
  try {
    await Promise.all(
      consoles.map((c, i) => {
        const unit = (CONSOLES[i] ?? '').slice(0, 3);
        const topic = gw ? topics.unitAlert(unit) : topics.device(BUTTON, 'panic');
        return c.subscribeAsync(topic, { qos: 1 });
      }),
    );
    const deadline = performance.now() + budgetMs;
    let seq = 1000;
    // the first presses warm the path up (JIT, first alert of the gateway) and are not counted
    let warmup = 5;
    while (latencies.length < samples && performance.now() < deadline) {
      seq++;
      const raised = allReceive(
        consoles,
        (_t, j) => (gw ? j.kind === 'panic' && j.device === BUTTON && j.state === 'raised' : j.seq === seq),
        10_000,
      );
      let id = '';
      const capture = (_t: string, p: Buffer): void => {
        try {
          const j = JSON.parse(p.toString()) as { id?: string; state?: string };
          if (j.state === 'raised' && j.id) id = j.id;
        } catch {}
      };
      consoles[0]?.on('message', capture);
      const t0 = performance.now();
      button.publish(
        topics.device(BUTTON, 'panic'),
        JSON.stringify({ state: 'pressed', seq, ts: new Date().toISOString() }),
        { qos: 1 },
      );
      const t1 = await raised;
      consoles[0]?.off('message', capture);
      if (warmup > 0) warmup--;
      else latencies.push(t1 - t0);
      if (gw) {
        const resolved = allReceive(consoles, (_t, j) => j.id === id && j.state === 'resolved', 10_000);
        consoles[0]?.publish(topics.unitResolve('U01'), JSON.stringify({ id }), { qos: 1 });
        await resolved;
      }
      await sleep(20 + (seq % 5) * 10);
    }
  } finally {
    await end(button, ...consoles);
  }
  return latencies;
}

async function measure(ctx: BenchContext, name: 'gateway' | 'aedes'): Promise<AlertRun> {
  const samples = ctx.quick ? 40 : 300;
  const loadMs = ctx.quick ? 8000 : 40_000;
  const broker =
    name === 'gateway'
      ? await startBenchGateway({ siteYaml: siteWithReaders(200), password: SMALL_SITE_PASSWORD })
      : await startAedes();
  try {
    const lc = startLoad({
      url: broker.url,
      devices: readerIds(200),
      password: broker.password,
      qos: 1,
      mode: { kind: 'rate', streams: [{ kind: 'tap', devices: readerIds(200), perSecond: 5000 }] },
      warmupMs: 1000,
      durationMs: loadMs,
      tapUid: BENCH_CARD,
      seqBase: 1,
    });
    await lc.connected;
    await sleep(1000);
    const c0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const latencies = await probe(broker, samples, loadMs - 2000);
    const brokerCpu = round((cpuSeconds(broker.pid) - c0) / ((performance.now() - t0) / 1000));
    const background = await lc.result;
    const run = { broker: name, latency: summarize(latencies), background, brokerCpu };
    ctx.log(
      `alert ${name}: p50 ${run.latency.p50} p99 ${run.latency.p99} max ${run.latency.max} ms (${run.latency.count}), background ${background.rate.toFixed(0)} msg/s`,
    );
    return run;
  } finally {
    await broker.stop();
  }
}

/** The same presses on an idle gateway: what the path costs without queueing behind the load. */
async function measureIdle(ctx: BenchContext): Promise<AlertRun> {
  const broker = await startBenchGateway({ siteYaml: siteWithReaders(200), password: SMALL_SITE_PASSWORD });
  try {
    const c0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const latencies = await probe(broker, ctx.quick ? 20 : 100, 20_000);
    const brokerCpu = round((cpuSeconds(broker.pid) - c0) / ((performance.now() - t0) / 1000));
    const run: AlertRun = { broker: 'gateway', latency: summarize(latencies), background: null, brokerCpu };
    ctx.log(`alert gateway idle: p50 ${run.latency.p50} p99 ${run.latency.p99} max ${run.latency.max} ms`);
    return run;
  } finally {
    await broker.stop();
  }
}

export async function alertBench(ctx: BenchContext): Promise<BenchReport> {
  const ref = await measure(ctx, 'aedes');
  const gw = await measure(ctx, 'gateway');
  const idle = await measureIdle(ctx);
  const row = (r: AlertRun) => ({
    path:
      r.broker === 'aedes'
        ? 'bare aedes: publish → 4 subscribers'
        : `gateway: panic → 4 duty consoles${r.background ? '' : ' (no background load)'}`,
    presses: r.latency.count,
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'max ms': r.latency.max,
    'background msg/s': r.background ? Math.round(r.background.rate) : 0,
    'bg ack p99 ms': r.background?.latency?.p99 ?? null,
    'broker cpu': r.brokerCpu,
    'p99 vs aedes': ratio(r.latency.p99, ref.latency.p99),
  });
  const met = gw.latency.p99 < TARGET_P99_MS;
  return {
    name: 'alert',
    title: 'Alert latency under load (200 readers tapping at 5,000 msg/s, QoS 1)',
    rows: [row(ref), row(gw), row(idle)],
    notes: [
      `target p99 < ${TARGET_P99_MS} ms under load: ${met ? 'MET' : 'NOT MET'} (gateway p99 ${gw.latency.p99} ms; idle ${idle.latency.p99} ms)`,
      'latency = PUBLISH of the press → the last of the four consoles has the raised alert; each press is resolved before the next',
    ],
    data: { target: { p99Ms: TARGET_P99_MS, met }, runs: [ref, gw, idle] },
  };
}
