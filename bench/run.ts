/**
 * `npm run bench [-- --only broker,alert] [--quick]`: runs the benchmarks in
 * order, prints a table per benchmark, writes
 * bench/results/<name>-<timestamp>.json per benchmark and
 * bench/results/latest.json (everything of this run). Nothing here asserts
 * a speed: targets are reported as met or not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { alertBench } from './alert.js';
import { brokerBench } from './broker.js';
import { dc09Bench } from './dc09.js';
import { districtBench } from './district.js';
import { footprintBench } from './footprint.js';
import { ingestBench } from './ingest.js';
import { ROOT } from './lib/children.js';
import { formatTable } from './lib/format.js';
import type { BenchContext, BenchReport } from './lib/types.js';
import { offlineUploadBench } from './offline-upload.js';
import { profileBench } from './profile.js';

const BENCHES: Record<string, (ctx: BenchContext) => Promise<BenchReport>> = {
  broker: (ctx) => brokerBench(ctx),
  alert: alertBench,
  ingest: ingestBench,
  footprint: footprintBench,
  district: districtBench,
  profile: profileBench,
  dc09: dc09Bench,
  'offline-upload': offlineUploadBench,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? (argv[onlyIdx + 1] ?? '').split(',').filter(Boolean) : Object.keys(BENCHES);
  const unknown = only.filter((n) => !BENCHES[n]);
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  const ctx: BenchContext = { quick, log: (l) => console.error(`  … ${l}`) };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const all: {
    startedAt: string;
    quick: boolean;
    machine: typeof machine;
    reports: (BenchReport & { seconds: number })[];
  } = {
    startedAt: new Date().toISOString(),
    quick,
    machine,
    reports: [],
  };
  console.log(
    `guardpost benchmarks (${quick ? 'quick' : 'full'}): ${only.join(', ')} — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
  );
  for (const name of only) {
    const bench = BENCHES[name];
    if (!bench) continue;
    const t0 = performance.now();
    const report = await bench(ctx);
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    all.reports.push({ ...report, seconds });
    console.log(`\n## ${report.title}  (${seconds} s)\n`);
    console.log(formatTable(report.rows));
    for (const n of report.notes) console.log(n.startsWith('  ') ? n : `\n${n}`);
    const json = `${JSON.stringify({ machine, quick, seconds, ...report }, null, 2)}\n`;
    writeFileSync(join(dir, `${name}-${stamp}.json`), json);
    if (!quick) writeFileSync(join(dir, `${name}-latest.json`), json);
  }
  writeFileSync(join(dir, quick ? 'latest-quick.json' : 'latest.json'), `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\nresults: bench/results/${quick ? 'latest-quick.json' : 'latest.json'}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
