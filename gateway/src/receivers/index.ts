/**
 * The `receivers` extension (integrations.md §1, docs/receivers.md): alert
 * state changes to alarm receiving centres over SIA DC-09, one worker (TCP
 * link + journal cursor) per configured receiver. Everything runs off the
 * commit notifications, asynchronously: a slow or hostile receiver delays
 * its own reports, never a panic's way through the gateway.
 */
import type { Logger } from 'pino';
import type { Site } from '../config/site.js';
import type { Extension, GatewayContext } from '../ports.js';
import type { ReceiverConfig } from './config.js';
import { createReceiverMetrics } from './metrics.js';
import { ReceiverWorker } from './worker.js';

export { cursorName } from './worker.js';

export interface ReceiversExtension extends Extension {
  /** `ok` and one entry per receiver id (/healthz `receivers.<id>`). */
  health(): Record<string, unknown> & { ok: boolean };
  /** Resolves when receiver `id` has reported (or skipped) every entry up to `seq`. For tests and benches. */
  drained(id: string, seq?: number, timeoutMs?: number): Promise<boolean>;
}

/** The warning's text: shown on the unit's card as the notice. */
export function warningMessage(id: string, intervals: number): string {
  return `报警中心 ${id} 连续 ${intervals} 个监督周期无应答 / alarm receiving centre ${id} has not answered for ${intervals} supervision intervals`;
}

/** One unit per zone carries the warning (the zone's lead unit, else its first); the zone's escalation accounts are told with it. */
export function warningUnits(site: Site): string[] {
  const out: string[] = [];
  for (const z of site.config.zones) {
    const lead = z.lead && site.units.has(z.lead) ? z.lead : site.unitsOfZone(z.id)[0]?.id;
    if (lead) out.push(lead);
  }
  return out;
}

export function createReceiversExtension(configs: readonly ReceiverConfig[]): ReceiversExtension {
  let workers: ReceiverWorker[] = [];
  let log: Logger | null = null;
  return {
    name: 'receivers',
    async start(ctx: GatewayContext): Promise<void> {
      log = ctx.logger.child({ ext: 'receivers' });
      const counters = createReceiverMetrics(ctx.metrics, () => workers.map((w) => w.health()));
      const raiseWarning = async (id: string, intervals: number): Promise<void> => {
        for (const unit of warningUnits(ctx.site)) {
          await ctx.ingest.operate({
            op: 'alert',
            by: '@gateway',
            unit,
            message: warningMessage(id, intervals),
            severity: 'warning',
            escalation: true,
          });
        }
      };
      workers = configs.map(
        (c) =>
          new ReceiverWorker(
            c,
            {
              journal: ctx.journal,
              site: () => ctx.site,
              onCommitted: (listener) => ctx.onCommitted(() => listener()),
              logger: log as Logger,
              raiseWarning,
            },
            counters,
          ),
      );
      for (const w of workers) w.start();
      log.info({ receivers: workers.map((w) => w.id) }, 'alarm receiving centre reporting started');
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.stop()));
    },
    health() {
      const list = workers.map((w) => w.health());
      const out: Record<string, unknown> & { ok: boolean } = { ok: list.every((h) => h.state !== 'down') };
      for (const h of list) out[h.id] = h;
      return out;
    },
    drained(id, seq, timeoutMs) {
      const w = workers.find((x) => x.id === id);
      return w ? w.drained(seq, timeoutMs) : Promise.resolve(false);
    },
  };
}
