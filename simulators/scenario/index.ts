/** The district scenario: load a site, plan a night, play it against a gateway. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, loadSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';
import { type PlanOptions, planScenario } from './plan.js';
import { type RunOptions, runScenario } from './run.js';
import type { ScenarioPlan, ScenarioResult } from './types.js';

export { asAlert, countBy, matchAlerts } from './match.js';
export { expectedGuards, mqttDevices, type PlanOptions, planScenario, QUICK } from './plan.js';
export { formatPlan, formatSummary } from './report.js';
export { DEMO_PASSWORD, type RunOptions, runScenario } from './run.js';
export type * from './types.js';

/** gateway/demo/site.yaml of this checkout (works from the sources and from dist/). */
export function demoSitePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'gateway', 'demo', 'site.yaml');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  return resolve('gateway', 'demo', 'site.yaml');
}

/** Loads and validates a site config; throws with every problem listed. */
export function loadScenarioSite(path: string = demoSitePath()): Site {
  const loaded = loadSite(path);
  if (!loaded.ok)
    throw new Error(
      `${path}: invalid site config\n${loaded.problems.map((p) => formatProblem(p, { withLine: true })).join('\n')}`,
    );
  return loaded.site;
}

/** Plan from the options, then run: the whole scenario in one call. */
export async function playScenario(
  opts: RunOptions & PlanOptions & { site?: Site; config?: string },
): Promise<ScenarioResult & { plan: ScenarioPlan }> {
  const site = opts.site ?? loadScenarioSite(opts.config);
  const plan = planScenario(site, opts);
  const result = await runScenario(site, plan, opts);
  return { ...result, plan };
}
