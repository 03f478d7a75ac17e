/**
 * The demo's simulated devices (`guardpost start --sim`, which `npm start`
 * passes): `guardpost-sim live` in a child process against this gateway's
 * own MQTT listener, so the simulators never share the gateway's event
 * loop (a panic is never queued behind them). Restarted with back-off if
 * it dies; stopped with the gateway; its figures are in /healthz `sim`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProcessSupervisor } from '../nodered/supervisor.js';
import type { Extension, GatewayContext } from '../ports.js';

export interface DemoSimOptions {
  /** The site config the gateway runs (the simulators read the same). */
  config: string;
  /** Routes walked this many times faster than a guard; panics as much more often (default 8). */
  speed?: number;
  /** The address the listeners bind; the simulators connect to it (loopback for 0.0.0.0 / ::). */
  host: string;
}

export function createDemoSimExtension(options: DemoSimOptions): Extension {
  let supervisor: ProcessSupervisor | null = null;
  let stats: Record<string, unknown> | null = null;
  return {
    name: 'sim',
    async start(ctx: GatewayContext): Promise<void> {
      const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
      const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${ctx.addresses.mqtt}`;
      const logger = ctx.logger.child({ component: 'sim' });
      supervisor = new ProcessSupervisor({
        command: process.execPath,
        args: [
          ...simEntry(),
          'live',
          '--url',
          url,
          '--config',
          options.config,
          '--speed',
          String(options.speed ?? 8),
        ],
        env: process.env,
        readyLine: /demo district live/,
        logger,
        onMessage: (m) => {
          if (isStats(m)) stats = m.stats;
        },
      });
      supervisor.start();
      logger.info(
        { speed: options.speed ?? 8 },
        'demo: simulated devices starting (guardpost start --no-sim to run without)',
      );
    },
    async stop(): Promise<void> {
      await supervisor?.stop();
      supervisor = null;
    },
    health(): Record<string, unknown> {
      return { ...(supervisor?.status() ?? { state: 'stopped' }), ...(stats ?? {}) };
    },
  };
}

/** node arguments that run simulators/cli: the compiled file next to this one, else the sources through tsx. */
function simEntry(): string[] {
  const built = fileURLToPath(new URL('../../../simulators/cli.js', import.meta.url));
  if (import.meta.url.endsWith('.js') && existsSync(built)) return [built];
  const source = fileURLToPath(new URL('../../../simulators/cli.ts', import.meta.url));
  return ['--import', import.meta.resolve('tsx'), source];
}

function isStats(m: unknown): m is { guardpost: 'sim-stats'; stats: Record<string, unknown> } {
  return (
    typeof m === 'object' &&
    m !== null &&
    (m as { guardpost?: unknown }).guardpost === 'sim-stats' &&
    typeof (m as { stats?: unknown }).stats === 'object'
  );
}
