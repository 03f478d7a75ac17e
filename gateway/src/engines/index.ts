/**
 * The engines the gateway runs, made fresh by createEngineSet() (at start and
 * to rebuild after a failed commit), and the read-only queries over them.
 */
import type { Site } from '../config/site.js';
import type { GatewayQueries } from '../runtime/context.js';
import type { EngineRunner, EngineSet } from './runner.js';

export function createEngineSet(_site: Site, _startedAt: number): EngineSet {
  return { engines: [], raiser: null };
}

export function makeQueries(_runner: EngineRunner): GatewayQueries {
  return {
    alerts: () => [],
    rollcall: () => null,
    rollcalls: () => [],
    tours: () => [],
    devices: () => [],
  };
}
