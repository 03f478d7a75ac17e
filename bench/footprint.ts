/**
 * Footprint: RSS and CPU of the gateway holding 10,000 idle devices that
 * send one heartbeat a minute (connected from 3 load processes, 32 connects
 * in flight per process), and start-up time to /healthz 200. Reference: a
 * bare aedes with the same devices, and its start-up to an open port.
 *
 * The generated site gives every device one scrypt hash of cost N=1024
 * (the real cost, 16384, takes ~40 ms of CPU per first CONNECT: 10,000
 * devices would spend minutes in key derivation, which is connect cost,
 * not footprint; the verifier then caches, so steady state is the same).
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { type BrokerUnderTest, startAedes, startBenchGateway } from './lib/brokers.js';
import { type LoadChild, startLoad } from './lib/run-load.js';
import { readerIds, siteWithReaders } from './lib/sites.js';
import { cpuSeconds, round, rssMiB } from './lib/stats.js';
import { type BenchContext, type BenchReport, ratio } from './lib/types.js';

const PASSWORD = 'bench-footprint';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface FootprintRun {
  broker: 'gateway' | 'aedes';
  devices: number;
  startupMs: number;
  idleRssMiB: number;
  connectSeconds: number;
  rssMiB: number;
  rssMaxMiB: number;
  cpu: number;
  windowSeconds: number;
  kibPerDevice: number;
}

async function hold(
  ctx: BenchContext,
  broker: BrokerUnderTest,
  devices: number,
  windowMs: number,
  procs: number,
): Promise<FootprintRun> {
  await sleep(500);
  const idle = rssMiB(broker.pid);
  const ids = readerIds(devices);
  const per = Math.ceil(devices / procs);
  const t0 = performance.now();
  const loads: LoadChild[] = [];
  for (let p = 0; p < procs; p++) {
    const mine = ids.slice(p * per, (p + 1) * per);
    loads.push(
      startLoad({
        url: broker.url,
        devices: mine,
        password: broker.password,
        qos: 1,
        mode: { kind: 'rate', streams: [{ kind: 'heartbeat', devices: mine, perSecond: mine.length / 60 }] },
        warmupMs: 0,
        durationMs: windowMs + 120_000,
        tapUid: '00',
        seqBase: 1,
        connectConcurrency: 32,
      }),
    );
  }
  try {
    await Promise.all(loads.map((l) => l.connected));
    const connectSeconds = (performance.now() - t0) / 1000;
    ctx.log(`footprint ${broker.name}: ${devices} connected in ${connectSeconds.toFixed(1)} s`);
    await sleep(2000);
    const c0 = cpuSeconds(broker.pid);
    const w0 = performance.now();
    const rss: number[] = [];
    while (performance.now() - w0 < windowMs) {
      rss.push(rssMiB(broker.pid));
      await sleep(1000);
    }
    const windowSeconds = (performance.now() - w0) / 1000;
    const cpu = round((cpuSeconds(broker.pid) - c0) / windowSeconds, 3);
    const mean = rss.reduce((a, b) => a + b, 0) / rss.length;
    return {
      broker: broker.name === 'gateway' ? 'gateway' : 'aedes',
      devices,
      startupMs: round(broker.startupMs, 0),
      idleRssMiB: round(idle, 1),
      connectSeconds: round(connectSeconds, 1),
      rssMiB: round(mean, 1),
      rssMaxMiB: round(Math.max(...rss), 1),
      cpu,
      windowSeconds: round(windowSeconds, 1),
      kibPerDevice: round(((mean - idle) * 1024) / devices, 1),
    };
  } finally {
    for (const l of loads) {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {}
    }
  }
}

export async function footprintBench(ctx: BenchContext): Promise<BenchReport> {
  const devices = ctx.quick ? 1000 : 10_000;
  const windowMs = ctx.quick ? 8000 : 60_000;
  const procs = ctx.quick ? 2 : 3;
  const aedes = await startAedes();
  let ref: FootprintRun;
  try {
    ref = await hold(ctx, aedes, devices, ctx.quick ? windowMs : 30_000, procs);
  } finally {
    await aedes.stop();
  }
  const gw = await startBenchGateway({
    siteYaml: siteWithReaders(devices, { hash: cheapHash(PASSWORD), heartbeat: '60s' }),
    password: PASSWORD,
  });
  let run: FootprintRun;
  try {
    run = await hold(ctx, gw, devices, windowMs, procs);
  } finally {
    await gw.stop();
  }
  const row = (r: FootprintRun) => ({
    broker: r.broker,
    devices: r.devices,
    'startup ms': r.startupMs,
    'idle RSS MiB': r.idleRssMiB,
    'connect s': r.connectSeconds,
    'RSS MiB': r.rssMiB,
    'RSS max MiB': r.rssMaxMiB,
    'KiB/device': r.kibPerDevice,
    'cpu (cores)': r.cpu,
    'RSS vs aedes': ratio(r.rssMiB, ref.rssMiB),
    'startup vs aedes': ratio(r.startupMs, ref.startupMs),
  });
  return {
    name: 'footprint',
    title: `Footprint: ${devices} idle devices, one heartbeat each per minute (QoS 1)`,
    rows: [row(ref), row(run)],
    notes: [
      `RSS sampled every second over ${run.windowSeconds} s (aedes ${ref.windowSeconds} s) after all connected; CPU = (utime+stime) / wall over the window`,
      'start-up: gateway spawn → /healthz 200 (site with all devices); aedes spawn → listening (both node --import tsx)',
    ],
    data: { runs: [ref, run] },
  };
}
