/**
 * Broker throughput: the gateway (auth, ACL, decode, journal, engines on)
 * against a bare aedes and mosquitto, QoS 0 and 1, 1 / 10 / 200 publishing
 * devices, closed-loop load from a separate process. Messages/s, PUBACK
 * latency, broker CPU; ratios against aedes and mosquitto.
 */
import {
  type BrokerName,
  type BrokerUnderTest,
  startAedes,
  startBenchGateway,
  startMosquitto,
} from './lib/brokers.js';
import type { LoadResult } from './lib/load.js';
import { loadWithCpu } from './lib/run-load.js';
import { BENCH_CARD, readerIds, SMALL_SITE_PASSWORD, siteWithReaders } from './lib/sites.js';
import { type BenchContext, type BenchReport, type Cell, ratio } from './lib/types.js';

export interface BrokerBenchOptions {
  brokers?: BrokerName[];
  qos?: (0 | 1)[];
  devices?: number[];
  warmupMs?: number;
  durationMs?: number;
}

export interface BrokerRun {
  broker: BrokerName;
  qos: 0 | 1;
  devices: number;
  window: number;
  load: LoadResult;
  /** Broker process CPU during the run, share of one core. */
  cpu: number;
}

export const windowFor = (qos: 0 | 1, devices: number): number =>
  qos === 1 ? Math.max(2, Math.ceil(200 / devices)) : Math.max(10, Math.ceil(1000 / devices));

async function start(name: BrokerName, maxDevices: number): Promise<BrokerUnderTest> {
  if (name === 'aedes') return startAedes();
  if (name === 'mosquitto') return startMosquitto();
  return startBenchGateway({
    siteYaml: siteWithReaders(Math.max(200, maxDevices)),
    password: SMALL_SITE_PASSWORD,
  });
}

export async function measureBrokers(ctx: BenchContext, o: BrokerBenchOptions = {}): Promise<BrokerRun[]> {
  const brokers = o.brokers ?? ['aedes', 'mosquitto', 'gateway'];
  const qosList = o.qos ?? [0, 1];
  const counts = o.devices ?? (ctx.quick ? [1, 200] : [1, 10, 200]);
  const warmupMs = o.warmupMs ?? (ctx.quick ? 400 : 1000);
  const durationMs = o.durationMs ?? (ctx.quick ? 1200 : 5000);
  const runs: BrokerRun[] = [];
  let seqBase = 1;
  for (const name of brokers) {
    const broker = await start(name, Math.max(...counts));
    try {
      for (const qos of qosList) {
        for (const n of counts) {
          const window = windowFor(qos, n);
          const { load, cpu } = await loadWithCpu(broker.pid, {
            url: broker.url,
            devices: readerIds(n),
            password: broker.password,
            qos,
            mode: { kind: 'window', window },
            warmupMs,
            durationMs,
            tapUid: BENCH_CARD,
            seqBase,
          });
          seqBase += 5_000_000;
          runs.push({ broker: name, qos, devices: n, window, load, cpu });
          ctx.log(
            `broker ${name} qos${qos} ${n} dev: ${load.rate.toFixed(0)} msg/s` +
              (load.latency ? `, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms` : '') +
              `, cpu ${cpu}`,
          );
        }
      }
    } finally {
      await broker.stop();
    }
  }
  return runs;
}

export async function brokerBench(ctx: BenchContext, o: BrokerBenchOptions = {}): Promise<BenchReport> {
  const runs = await measureBrokers(ctx, o);
  const find = (b: BrokerName, qos: number, n: number): BrokerRun | undefined =>
    runs.find((r) => r.broker === b && r.qos === qos && r.devices === n);
  const rows: Record<string, Cell>[] = runs.map((r) => {
    const aedes = find('aedes', r.qos, r.devices);
    const mosq = find('mosquitto', r.qos, r.devices);
    return {
      broker: r.broker,
      qos: r.qos,
      devices: r.devices,
      'msg/s': Math.round(r.load.rate),
      'p50 ms': r.load.latency?.p50 ?? null,
      'p99 ms': r.load.latency?.p99 ?? null,
      'cpu (cores)': r.cpu,
      'vs aedes': aedes ? ratio(r.load.rate, aedes.load.rate) : null,
      'vs mosquitto': mosq ? ratio(r.load.rate, mosq.load.rate) : null,
    };
  });
  return {
    name: 'broker',
    title: 'Broker throughput (closed loop; QoS 1 window per device, QoS 0 batches closed by a QoS 1 marker)',
    rows,
    notes: [
      'ratios are msg/s of this broker / msg/s of the reference at the same QoS and device count, same run',
      'window per device: QoS 1 max(2, ceil(200/devices)) unacknowledged; QoS 0 max(10, ceil(1000/devices)) per batch',
    ],
    data: runs,
  };
}
