/**
 * The engines the gateway runs, made fresh by createEngineSet() (at start and
 * to rebuild after a failed commit), and the read-only queries over them.
 */
import type { Site } from '../config/site.js';
import type { GatewayQueries } from '../ports.js';
import { AlertEngine } from './alerts/index.js';
import { ClockDriftEngine, PatrolEngine } from './patrol/index.js';
import { RollcallEngine } from './rollcall/index.js';
import type { EngineRunner, EngineSet } from './runner.js';
import { SupervisionEngine } from './supervision/index.js';

export function createEngineSet(site: Site, startedAt: number): EngineSet {
  const alerts = new AlertEngine(site);
  return {
    // Order matters only for readability of logs: every engine sees every entry.
    engines: [
      alerts,
      new SupervisionEngine(site, { startedAt }),
      new PatrolEngine(site),
      new ClockDriftEngine(site),
      new RollcallEngine(site),
    ],
    raiser: alerts,
  };
}

export function makeQueries(runner: EngineRunner): GatewayQueries {
  return {
    alerts: (filter) => runner.engine<AlertEngine>('alerts')?.list(filter) ?? [],
    alert: (id, unit) => runner.engine<AlertEngine>('alerts')?.detail(id, unit) ?? null,
    rollcall: (call) => runner.engine<RollcallEngine>('rollcall')?.get(call) ?? null,
    rollcalls: () => runner.engine<RollcallEngine>('rollcall')?.list() ?? [],
    tours: (filter) => runner.engine<PatrolEngine>('patrol')?.tours(filter) ?? [],
    devices: (filter) => runner.engine<SupervisionEngine>('supervision')?.devices(filter) ?? [],
  };
}
