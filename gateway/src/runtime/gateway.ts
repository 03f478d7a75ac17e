/**
 * The composition root, in start order: core (engine time, journal,
 * engines rebuilt) → data path (logins, broker, outbound sink, pipeline,
 * clock guard) → HTTP routes → listeners → extensions → timers; stopped in
 * reverse. Each part reports its own section of /healthz (health.ts).
 */
import type { Logger } from 'pino';
import type { ConnLimits } from '../broker/conn-guard.js';
import type { Site } from '../config/site.js';
import { registerApi } from '../http/api.js';
import { Router } from '../http/router.js';
import type { IngestLimitOptions } from '../ingest/room.js';
import type { Extension, GatewayContext } from '../ports.js';
import { openCore } from './core.js';
import { startDataPath } from './data-path.js';
import { HealthBoard, type HealthReport } from './health.js';
import { type Listeners, type ListenOptions, serve } from './serve.js';

export type { ListenOptions } from './serve.js';

export interface GatewayOptions {
  site: Site;
  dataDir: string;
  logger: Logger;
  listen: ListenOptions;
  journalRetentionMs: number;
  /** Journal size cap in bytes (default 2048 MB, lowered to what the disk can hold). */
  journalMaxBytes?: number;
  /** Per-device rate and quota, journal reserve and disk ballast (docs/operators.md "Limits"). */
  ingestLimits?: IngestLimitOptions;
  extensions: Extension[];
  now?: () => number;
  /** MQTT packet size and outbound buffer limits (gateway.limits; defaults in conn-guard.ts). */
  connLimits?: Partial<ConnLimits>;
}

export interface RunningGateway {
  addresses: GatewayContext['addresses'];
  health(): HealthReport;
  stop(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { site, logger } = opts;
  const core = openCore(opts);
  const { journal, runner, metrics } = core;
  const data = await startDataPath(core, opts);
  const { broker, pipeline, clockGuard, out } = data;

  const router = new Router();
  const board = new HealthBoard(site.id, core.vital, metrics.registry);
  board.routes(router);
  registerApi(router, data.queries, data.logins);
  let net: Listeners;
  try {
    net = await serve(
      opts.listen,
      { handle: data.handle, maxPacketBytes: data.connLimits.maxPacketBytes },
      router,
      logger,
    );
  } catch (err) {
    clockGuard.stop();
    pipeline.stop();
    await data.close();
    journal.close();
    throw err;
  }
  const { addresses } = net;
  board.add(
    {
      name: 'broker',
      health: () => ({ connections: broker.connectedClients, ...addresses }),
      collect: () => metrics.connections.set(broker.connectedClients),
    },
    core.journalPart,
    ...data.parts,
  );

  const ctx: GatewayContext = {
    site,
    journal,
    logger,
    metrics: metrics.registry,
    dataDir: opts.dataDir,
    ingest: pipeline,
    http: router,
    publish: (topic, payload, o) => out.publish(topic, payload, o),
    onCommitted: (l) => out.onCommitted(l),
    addCommandRoute: (r) => out.addCommandRoute(r),
    queries: data.queries,
    addresses,
    logins: data.logins,
  };
  const started = await startExtensions(opts.extensions, ctx, logger);
  board.add(...opts.extensions); // one that failed to start still says so, if it can
  pipeline.startTimers();

  const snapshotTimer = setInterval(() => runner.saveSnapshots(journal), 60_000);
  snapshotTimer.unref();
  // Retention, paused while the clock is unproven (clock-guard.ts, docs/operators.md "Clock faults")
  clockGuard.prune();
  const pruneTimer = setInterval(() => clockGuard.prune(), 3_600_000);
  pruneTimer.unref();
  logger.info({ ...addresses, host: opts.listen.host, site: site.id }, 'guardpost gateway started');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(snapshotTimer);
      clearInterval(pruneTimer);
      clockGuard.stop();
      const closing = net.close(); // stop taking connections
      for (const ext of [...started].reverse()) {
        try {
          await withTimeout(ext.stop(), 5_000, `extension ${ext.name} stop`);
        } catch (err) {
          logger.warn({ err, extension: ext.name }, 'extension did not stop cleanly');
        }
      }
      pipeline.stop(); // commits what is queued
      runner.saveSnapshots(journal);
      await data.close();
      await withTimeout(closing, 2_000, 'listeners close').catch(() => undefined);
      journal.close();
      logger.info('guardpost gateway stopped');
    })();
    return stopping;
  };
  return { addresses, health: () => board.report(), stop };
}

/** Starts each extension in order; one that fails to start is logged and left out. */
async function startExtensions(list: Extension[], ctx: GatewayContext, logger: Logger): Promise<Extension[]> {
  const started: Extension[] = [];
  for (const ext of list) {
    try {
      await ext.start(ctx);
      started.push(ext);
    } catch (err) {
      logger.error({ err, extension: ext.name }, 'extension failed to start; the gateway runs without it');
    }
  }
  return started;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
