/**
 * The InfluxDB slot when no InfluxDB is configured: /healthz `influx` says
 * it is off and how many journal entries a later export would send (the
 * journal keeps them all; the exporter starts from its cursor).
 */
import type { Journal } from '../../journal/journal.js';
import type { Extension, GatewayContext } from '../../ports.js';
import { INFLUX_CURSOR } from './exporter.js';

export function createInfluxOff(): Extension {
  let journal: Journal | null = null;
  return {
    name: 'influx',
    async start(ctx: GatewayContext): Promise<void> {
      journal = ctx.journal;
      ctx.logger.info(
        'no InfluxDB configured: the journal keeps every event; adding InfluxDB later exports the backlog',
      );
    },
    async stop(): Promise<void> {
      journal = null;
    },
    health(): Record<string, unknown> {
      const events = journal ? journal.lastSeq() - journal.getCursor(INFLUX_CURSOR) : 0;
      return { enabled: false, backlog: { events } };
    },
  };
}
