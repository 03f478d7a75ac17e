/**
 * CPU profile of the hot path: the gateway under QoS 1 load (200 readers,
 * closed loop) with `--cpu-prof`, stopped by SIGTERM; self time by part of
 * the path, in µs per message, and the top functions.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnScript } from './lib/children.js';
import { type CpuProfile, PARTS, summarizeProfile } from './lib/cpuprofile.js';
import { loadWithCpu } from './lib/run-load.js';
import { BENCH_CARD, readerIds, SMALL_SITE_PASSWORD, siteWithReaders } from './lib/sites.js';
import { round } from './lib/stats.js';
import type { BenchContext, BenchReport, Cell } from './lib/types.js';

export async function profileBench(ctx: BenchContext): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'gp-bench-prof-'));
  const durationMs = ctx.quick ? 4000 : 15_000;
  const gw = await startProfiledGateway(dir);
  let load: Awaited<ReturnType<typeof loadWithCpu>>;
  try {
    load = await loadWithCpu(gw.pid, {
      url: gw.url,
      devices: readerIds(200),
      password: SMALL_SITE_PASSWORD,
      qos: 1,
      mode: { kind: 'window', window: 2 },
      warmupMs: 0,
      durationMs,
      tapUid: BENCH_CARD,
      seqBase: 1,
    });
  } finally {
    await gw.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  // every message the gateway handled during the profiled life (including start-up and stop)
  const messages = load.load.sent;
  const busyMs = summary.totalMs - summary.parts.idle;
  const rows: Record<string, Cell>[] = PARTS.filter((p) => p !== 'idle').map((p) => ({
    part: p,
    'self ms': round(summary.parts[p], 0),
    'µs/msg': round((summary.parts[p] * 1000) / messages, 1),
    'share of busy': `${round((summary.parts[p] / busyMs) * 100, 1)}%`,
  }));
  rows.push({
    part: 'TOTAL busy',
    'self ms': round(busyMs, 0),
    'µs/msg': round((busyMs * 1000) / messages, 1),
    'share of busy': '100%',
  });
  ctx.log(`profile: ${messages} messages, ${round((busyMs * 1000) / messages, 1)} µs/msg busy`);
  return {
    name: 'profile',
    title: `CPU profile of the hot path (QoS 1, 200 readers, ${messages} messages, ${durationMs / 1000} s)`,
    rows,
    notes: [
      `profile: ${join(dir, file)} (whole process life: start-up, load, stop); load ${Math.round(load.load.rate)} msg/s, gateway CPU ${load.cpu} cores`,
      'top functions by self time:',
      ...summary.top.map((f) => `  ${round(f.selfMs, 0)} ms  ${f.function}  ${f.file}`),
    ],
    data: { messages, durationMs, profile: join(dir, file), summary, load },
  };
}

/** --cpu-prof is refused in NODE_OPTIONS, so this spawns the CLI itself (as test/support/gateway.ts does). */
export async function startProfiledGateway(
  dir: string,
  siteYaml = siteWithReaders(200),
): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-bench-data-'));
  const config = join(dataDir, 'site.yaml');
  writeFileSync(config, siteYaml);
  const child = spawnScript(
    'gateway/src/cli/main.ts',
    ['start', '--config', config, '--data-dir', dataDir],
    {
      GUARDPOST_HOST: '127.0.0.1',
      GUARDPOST_MQTT_PORT: '0',
      GUARDPOST_WS_PORT: '0',
      GUARDPOST_HTTP_PORT: '0',
      GUARDPOST_NODERED_PORT: '0',
      GUARDPOST_INFLUX_URL: '',
      GUARDPOST_LOG_LEVEL: 'warn',
      GUARDPOST_LOG_PRETTY: '0',
    },
    ['--cpu-prof', '--cpu-prof-dir', dir],
  );
  const runtime = join(dataDir, 'gateway.json');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(runtime)) {
      const info = JSON.parse(readFileSync(runtime, 'utf8')) as { pid: number; addresses: { mqtt: number } };
      if (info.pid === child.pid) {
        return {
          pid: child.pid,
          url: `mqtt://127.0.0.1:${info.addresses.mqtt}`,
          stop: () => child.stop('SIGTERM'),
        };
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await child.stop('SIGKILL');
  throw new Error(`profiled gateway did not start:\n${child.output().slice(-3000)}`);
}
