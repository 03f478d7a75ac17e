/** Run bench/lib/load.ts in its own process and read its result. */
import { spawnScript } from './children.js';
import type { LoadResult, LoadSpec } from './load.js';
import { cpuSeconds, round } from './stats.js';

export interface LoadChild {
  connected: Promise<number>;
  result: Promise<LoadResult>;
  pid: number;
}

export function startLoad(spec: LoadSpec): LoadChild {
  const child = spawnScript('bench/lib/load.ts', [JSON.stringify(spec)]);
  const budget = spec.warmupMs + spec.durationMs + 120_000;
  const connected = child.line('CONNECTED', 120_000).then(Number);
  const result = child.line('RESULT', budget).then((s) => JSON.parse(s) as LoadResult);
  connected.catch(() => undefined);
  result.catch(() => child.stop('SIGKILL'));
  return { connected, result, pid: child.pid };
}

export function runLoadChild(spec: LoadSpec): Promise<LoadResult> {
  return startLoad(spec).result;
}

/** Run a load and read the CPU share of `pid` over the load's measured window only. */
export async function loadWithCpu(pid: number, spec: LoadSpec): Promise<{ load: LoadResult; cpu: number }> {
  const lc = startLoad(spec);
  await lc.connected;
  await sleep(spec.warmupMs);
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Promise.race([sleep(spec.durationMs), lc.result]);
  const cpu = (cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
  return { load: await lc.result, cpu: round(cpu) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
