/**
 * `guardpost check --config FILE`: validate a site config, print every
 * problem (and warning) with its line, exit 1 on any problem.
 */
import { formatProblem, loadSite } from '../config/load.js';
import type { Problem } from '../config/problem.js';
import type { Site } from '../config/site.js';

export function runCheck(configPath: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const result = loadSite(configPath);
  for (const w of result.warnings) err.write(`warning: ${formatProblem(w, { withLine: true })}\n`);
  if (!result.ok) {
    printProblems(result.problems, configPath, 'the gateway would refuse to start', err);
    return 1;
  }
  const w = result.warnings.length;
  out.write(
    `${configPath}: ok — ${summariseSite(result.site)}${w > 0 ? ` (${w} warning${w === 1 ? '' : 's'})` : ''}\n`,
  );
  return 0;
}

/** Every problem with its line, then `FILE: N problems; <outcome>` (shared by check and start). */
export function printProblems(
  problems: readonly Problem[],
  configPath: string,
  outcome: string,
  err: NodeJS.WritableStream,
): void {
  for (const p of problems) err.write(`${formatProblem(p, { withLine: true })}\n`);
  const n = problems.length;
  err.write(`${configPath}: ${n} problem${n === 1 ? '' : 's'}; ${outcome}\n`);
}

/** `site yanghe (洋河新区): 5 zones, 37 units, 207 guards, 116 devices, ...` */
export function summariseSite(site: Site): string {
  const c = site.config;
  const n = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return [
    `site ${c.site.id} (${c.site.name}): ${n(c.zones.length, 'zone')}`,
    n(c.units.length, 'unit'),
    n(c.guards.length, 'guard'),
    n(c.devices.length, 'device'),
    n(c.checkpoints.length, 'checkpoint'),
    n(c.routes.length, 'route'),
    n(c.consoles.length, 'console'),
    n(c.operators.length, 'operator'),
  ].join(', ');
}
