/**
 * The serial transport as a gateway Extension: one SerialLine per
 * `serial:` entry of the site config, a command route for the devices bound
 * to them (RCSTART), health under /healthz `serial`, metrics on /metrics.
 */
import { lineDrivers } from '../../../devices/codecs/index.js';
import type { DeviceCommand } from '../model/event.js';
import type { Extension, GatewayContext } from '../ports.js';
import { serialMetrics } from './metrics.js';
import { type PortHealth, SerialLine } from './port.js';
import { SeqAllocator } from './seq.js';

export interface SerialExtensionOptions {
  /** First reopen delay after a port is lost (default 250 ms). */
  reopenBaseMs?: number;
  /** Longest reopen delay (default 10 s). */
  reopenMaxMs?: number;
  /** Liveness probe of open ports (default 1 s): notices a hang-up that reads do not report. */
  probeMs?: number;
}

export interface SerialHealth {
  [key: string]: unknown;
  ports: PortHealth[];
}

export interface SerialExtension extends Extension {
  health(): SerialHealth;
}

export function createSerialExtension(options: SerialExtensionOptions = {}): SerialExtension {
  const lines = new Map<string, SerialLine>();
  const byDevice = new Map<string, SerialLine>();
  return {
    name: 'serial',
    async start(ctx: GatewayContext): Promise<void> {
      const metrics = serialMetrics(ctx.metrics);
      const seq = new SeqAllocator();
      const logger = ctx.logger.child({ component: 'serial' });
      for (const config of ctx.site.config.serial) {
        const line = new SerialLine(config, lineDrivers[config.driver], {
          ingest: ctx.ingest,
          logger,
          metrics,
          nextSeq: (device) => seq.next(device),
          reopenBaseMs: options.reopenBaseMs ?? 250,
          reopenMaxMs: options.reopenMaxMs ?? 10_000,
          probeMs: options.probeMs ?? 1000,
        });
        lines.set(config.path, line);
        for (const device of config.devices) byDevice.set(device, line);
      }
      if (lines.size > 0) {
        ctx.addCommandRoute({
          send(device: string, command: DeviceCommand): boolean {
            const line = byDevice.get(device);
            return line ? line.send(device, command) : false;
          },
        });
      }
      // A port that is missing at start is not fatal: it is retried until it appears.
      for (const line of lines.values()) line.start();
    },
    async stop(): Promise<void> {
      await Promise.all([...lines.values()].map((l) => l.stop()));
    },
    health(): SerialHealth {
      return { ports: [...lines.values()].map((l) => l.health()) };
    },
  };
}
