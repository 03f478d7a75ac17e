/**
 * Scale of the district: the demo site (gateway/demo/site.yaml: 207 guards,
 * 37 units, 116 devices) at 100× the real rate of a district, from a
 * separate load process. Real rate (estimate, see docs/performance.md):
 * every guard on duty taps 5 cards an hour (an hourly round of four
 * checkpoints plus signing in), every device sends a heartbeat a minute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startBenchGateway } from './lib/brokers.js';
import { ROOT } from './lib/children.js';
import { loadWithCpu } from './lib/run-load.js';
import type { BenchContext, BenchReport } from './lib/types.js';

export const DEMO_SITE = join(ROOT, 'gateway', 'demo', 'site.yaml');
const DEMO_PASSWORD = 'guardpost-demo';
const SPEED = 100;
const TAPS_PER_GUARD_HOUR = 5;
const HEARTBEATS_PER_DEVICE_MINUTE = 1;

interface DemoSite {
  guards: { id: string; card: string }[];
  units: { id: string }[];
  devices: { id: string; kind: string; checkpoint?: string; password_hash?: string }[];
}

export async function districtBench(ctx: BenchContext): Promise<BenchReport> {
  const site = parse(readFileSync(DEMO_SITE, 'utf8'), { merge: true, maxAliasCount: -1 }) as DemoSite;
  const mqttDevices = site.devices.filter((d) => d.password_hash);
  const readers = mqttDevices.filter((d) => d.kind === 'reader' && d.checkpoint).map((d) => d.id);
  const all = mqttDevices.map((d) => d.id);
  const realTaps = (site.guards.length * TAPS_PER_GUARD_HOUR) / 3600;
  const realHeartbeats = (all.length * HEARTBEATS_PER_DEVICE_MINUTE) / 60;
  const durationMs = ctx.quick ? 8000 : 60_000;
  const gw = await startBenchGateway({ configPath: DEMO_SITE, password: DEMO_PASSWORD });
  try {
    const { load, cpu } = await loadWithCpu(gw.pid, {
      url: gw.url,
      devices: all,
      password: DEMO_PASSWORD,
      qos: 1,
      mode: {
        kind: 'rate',
        streams: [
          { kind: 'tap', devices: readers, perSecond: realTaps * SPEED },
          { kind: 'heartbeat', devices: all, perSecond: realHeartbeats * SPEED },
        ],
      },
      warmupMs: 2000,
      durationMs,
      tapUid: site.guards[0]?.card ?? '04000000',
      seqBase: 1,
    });
    const target = (realTaps + realHeartbeats) * SPEED;
    ctx.log(
      `district: ${load.rate.toFixed(0)} msg/s of ${target.toFixed(0)}, p99 ${load.latency?.p99} ms, cpu ${cpu}`,
    );
    return {
      name: 'district',
      title: `Demo district (${site.guards.length} guards, ${site.units.length} units, ${all.length} MQTT devices) at ${SPEED}× the real rate`,
      rows: [
        {
          'real msg/s': Math.round((realTaps + realHeartbeats) * 100) / 100,
          'target msg/s': Math.round(target),
          'achieved msg/s': Math.round(load.rate),
          'ack p50 ms': load.latency?.p50 ?? null,
          'ack p99 ms': load.latency?.p99 ?? null,
          'ack max ms': load.latency?.max ?? null,
          'gateway cpu (cores)': cpu,
          errors: load.errors,
        },
      ],
      notes: [
        `real rate: ${site.guards.length} guards × ${TAPS_PER_GUARD_HOUR} taps/h = ${realTaps.toFixed(3)} taps/s (fixed readers), ${all.length} devices × ${HEARTBEATS_PER_DEVICE_MINUTE} heartbeat/min = ${realHeartbeats.toFixed(3)}/s`,
        `QoS 1, ${durationMs / 1000} s after 2 s warm-up; CPU over the measured window`,
      ],
      data: {
        speed: SPEED,
        realTapsPerSecond: realTaps,
        realHeartbeatsPerSecond: realHeartbeats,
        target,
        load,
        cpu,
      },
    };
  } finally {
    await gw.stop();
  }
}
