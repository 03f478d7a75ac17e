/**
 * The composition root: journal → engines → pipeline → broker → listeners →
 * extensions, started in that order and stopped in reverse.
 */

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { LoginGuard, throttleOptionsFrom } from '../auth/guard.js';
import { createBroker } from '../broker/broker.js';
import { attachAlertCatchUp } from '../broker/catch-up.js';
import { type ConnLimits, DEFAULT_LIMITS, decoupleDeliveries, limitReporter } from '../broker/conn-guard.js';
import { attachMqttWebSocket, listen, mqttTcpServer, mqttTlsServer } from '../broker/listeners.js';
import { withMqtt5 } from '../broker/mqtt5.js';
import { parseDuration } from '../config/schema.js';
import type { Site } from '../config/site.js';
import { createEngineSet, makeQueries } from '../engines/index.js';
import { EngineRunner } from '../engines/runner.js';
import { registerApi } from '../http/api.js';
import { Router, sendJson } from '../http/router.js';
import { DeviceLimits } from '../ingest/limits.js';
import { Pipeline } from '../ingest/pipeline.js';
import {
  capToDisk,
  DEFAULT_DISK_RESERVE_BYTES,
  DEFAULT_JOURNAL_MAX_MB,
  defaultReserve,
  type IngestLimitOptions,
  JournalRoom,
} from '../ingest/room.js';
import { Journal } from '../journal/journal.js';
import { createMetrics } from '../metrics.js';
import type { Extension, GatewayContext, IngestPort } from '../ports.js';
import { EngineClock, systemSources } from './clock.js';
import { ClockGuard } from './clock-guard.js';
import { Outbound } from './outbound.js';

export interface ListenOptions {
  host: string;
  mqtt: number;
  ws: number;
  http: number;
  mqtts?: { port: number; cert: string; key: string; ca?: string };
  httpTls?: { cert: string; key: string };
}

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
  health(): { status: number; body: Record<string, unknown> };
  stop(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { site, logger } = opts;
  // Engine time: monotonic, re-anchored to the wall clock only through a journaled step (clock-guard.ts)
  const clockCfg = site.config.gateway?.clock;
  const stepThresholdMs = parseDuration(clockCfg?.stepThreshold ?? '2s');
  const clock = new EngineClock(systemSources, stepThresholdMs);
  const now = opts.now ?? ((): number => clock.now());
  const metrics = createMetrics();
  const journalPath = join(opts.dataDir, 'journal.sqlite');
  const il = opts.ingestLimits ?? {};
  const capBytes = capToDisk(
    opts.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_MB * 1024 * 1024,
    opts.dataDir,
    journalPath,
    logger,
  );
  const journal = new Journal({ path: journalPath, maxBytes: capBytes });
  const room = new JournalRoom({
    capBytes,
    reserveBytes: il.reserveBytes ?? defaultReserve(capBytes),
    ballastPath: join(opts.dataDir, 'journal.reserve'),
    ballastBytes: il.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES,
    usedBytes: () => journal.usedBytes(),
    logger: logger.child({ component: 'journal' }),
  });
  const runner = new EngineRunner(() => createEngineSet(site, now()), logger.child({ component: 'engines' }));
  const t0 = Date.now();
  const { replayed } = runner.restore(journal);
  logger.info(
    { replayed, ms: Date.now() - t0, lastSeq: journal.lastSeq() },
    'engines rebuilt from the journal',
  );

  // one login check and back-off for MQTT and HTTP Basic (the API, the console, /bulletin, Node-RED's count)
  const logins = await LoginGuard.create({
    site,
    failures: metrics.authFailures,
    throttle: throttleOptionsFrom(site.config.gateway?.auth?.throttle),
  });
  // The broker's hooks call the pipeline only once a client is connected (after the listeners
  // below are up); the pipeline is built on the broker's outbound sink, so nothing it publishes
  // can go out before there is a broker to carry it.
  const ingest: IngestPort = {
    accept: (message, origin) => pipeline.accept(message, origin),
    reject: (topic, device, reason, transport) => pipeline.reject(topic, device, reason, transport),
    operate: (input) => pipeline.operate(input),
  };
  const { broker, accounts } = await createBroker({ site, ingest, logger, metrics, guard: logins });
  const out = new Outbound({ broker, metrics, logger });
  const pipeline = new Pipeline({
    site,
    journal,
    runner,
    logger: logger.child({ component: 'ingest' }),
    metrics,
    out,
    now,
    limits: new DeviceLimits({
      ...(il.rate ? { rate: il.rate } : {}),
      ...(il.journalBytesPerDay ? { journalBytesPerDay: il.journalBytesPerDay } : {}),
    }),
    room,
  });
  pipeline.warmUp();
  const clockGuard = new ClockGuard({
    clock,
    journal,
    logger: logger.child({ component: 'clock' }),
    registry: metrics.registry,
    operate: (input) => pipeline.operate(input),
    rearm: () => pipeline.startTimers(),
    now,
    retentionMs: opts.journalRetentionMs,
    thresholdMs: stepThresholdMs,
    stableMs: (clockCfg?.stableHours ?? 24) * 3_600_000,
    maxGapMs: parseDuration(clockCfg?.maxGap ?? '24h'),
  });
  clockGuard.start();
  out.onCommitted((entries) => clockGuard.onCommitted(entries));
  pipeline.warmUpQuotas();
  const queries = makeQueries(runner);
  attachAlertCatchUp(broker, accounts, (unit) => queries.alerts({ state: 'open', unit }), logger);
  // MQTT 5 clients are bridged to aedes (3.1.1 only); 3.1/3.1.1 clients pass through untouched
  const mqtt5Log = logger.child({ component: 'mqtt5' });
  const connLimits: ConnLimits = { ...DEFAULT_LIMITS, ...opts.connLimits };
  // a live delivery never waits for one client's socket (conn-guard.ts)
  const handle = withMqtt5((stream: Duplex): unknown => decoupleDeliveries(broker.handle(stream)), {
    onError: (err) => mqtt5Log.debug({ err: err.message }, 'MQTT 5 connection closed'),
    limits: connLimits,
    onLimit: limitReporter({
      logger: logger.child({ component: 'broker' }),
      metrics,
      accounts,
      limits: connLimits,
    }),
  });

  const router = new Router();
  const servers: (NetServer | HttpServer)[] = [];
  const addresses: GatewayContext['addresses'] = { mqtt: 0, ws: 0, http: 0 };
  const extensions = opts.extensions;
  const health = (): { status: number; body: Record<string, unknown> } => {
    const writable = journal.probeWritable();
    const stats = journal.stats();
    room.bulkAllowed(); // refresh the state
    const roomState = room.state;
    const ext: Record<string, unknown> = {};
    for (const e of extensions) if (e.health) ext[e.name] = safeHealth(e);
    const body: Record<string, unknown> = {
      status: !writable ? 'journal-unwritable' : roomState === 'ok' ? 'ok' : `journal-${roomState}`,
      site: site.id,
      uptimeS: Math.round(process.uptime()),
      broker: { connections: broker.connectedClients ?? 0, ...addresses },
      journal: { ...stats, ...room.health() },
      ingest: pipeline.health().waiting,
      influx: ext.influx ?? {
        enabled: false,
        backlog: { events: stats.lastSeq - journal.getCursor('influx') },
      },
      serial: ext.serial ?? { ports: [] },
      clock: clockGuard.health(),
      ...Object.fromEntries(Object.entries(ext).filter(([k]) => k !== 'influx' && k !== 'serial')),
    };
    return { status: writable && roomState === 'ok' ? 200 : 503, body };
  };
  router.add('GET', '/healthz', (_req, res) => {
    const h = health();
    sendJson(res, h.status, h.body);
  });
  router.add('GET', '/metrics', async (_req, res) => {
    const stats = journal.stats();
    metrics.journalBytes.set(stats.bytes);
    metrics.journalEntries.set(stats.entries);
    metrics.journalWritable.set(stats.writable ? 1 : 0);
    metrics.connections.set(broker.connectedClients ?? 0);
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
  });
  registerApi(router, queries, logins);

  const host = opts.listen.host;
  try {
    const tcp = mqttTcpServer(handle);
    servers.push(tcp);
    addresses.mqtt = await listen(tcp, 'MQTT listener', host, opts.listen.mqtt);
    if (opts.listen.mqtts) {
      const tls = mqttTlsServer(handle, opts.listen.mqtts);
      servers.push(tls);
      addresses.mqtts = await listen(tls, 'MQTT TLS listener', host, opts.listen.mqtts.port);
    }
    const wsHttp = createHttpServer((_req, res) => sendJson(res, 426, { error: 'MQTT over WebSocket only' }));
    attachMqttWebSocket(wsHttp, handle, connLimits.maxPacketBytes);
    servers.push(wsHttp);
    addresses.ws = await listen(wsHttp, 'MQTT WebSocket listener', host, opts.listen.ws);
    const onRequest = (
      req: Parameters<Router['dispatch']>[0],
      res: Parameters<Router['dispatch']>[1],
    ): void => {
      router.dispatch(req, res).catch((err: unknown) => {
        logger.error({ err, url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    };
    const http = opts.listen.httpTls
      ? createHttpsServer(
          { cert: readFileSync(opts.listen.httpTls.cert), key: readFileSync(opts.listen.httpTls.key) },
          onRequest,
        )
      : createHttpServer(onRequest);
    servers.push(http);
    addresses.http = await listen(http, 'HTTP listener', host, opts.listen.http);
  } catch (err) {
    await closeAll(servers);
    await new Promise<void>((r) => broker.close(() => r()));
    journal.close();
    throw err;
  }

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
    queries,
    addresses,
    logins,
  };
  const started: Extension[] = [];
  for (const ext of extensions) {
    try {
      await ext.start(ctx);
      started.push(ext);
    } catch (err) {
      logger.error({ err, extension: ext.name }, 'extension failed to start; the gateway runs without it');
    }
  }
  pipeline.startTimers();

  const snapshotTimer = setInterval(() => runner.saveSnapshots(journal), 60_000);
  snapshotTimer.unref();
  // Retention, paused while the clock is unproven (clock-guard.ts, docs/operators.md "Clock faults")
  const prune = (): void => clockGuard.prune();
  prune();
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  logger.info({ ...addresses, host, site: site.id }, 'guardpost gateway started');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(snapshotTimer);
      clearInterval(pruneTimer);
      clockGuard.stop();
      const closing = closeAll(servers); // stop taking connections
      for (const ext of [...started].reverse()) {
        try {
          await withTimeout(ext.stop(), 5_000, `extension ${ext.name} stop`);
        } catch (err) {
          logger.warn({ err, extension: ext.name }, 'extension did not stop cleanly');
        }
      }
      pipeline.stop();
      runner.saveSnapshots(journal);
      out.closingBroker();
      await new Promise<void>((r) => broker.close(() => r()));
      await withTimeout(closing, 2_000, 'listeners close').catch(() => undefined);
      journal.close();
      logger.info('guardpost gateway stopped');
    })();
    return stopping;
  };
  return { addresses, health, stop };
}

function safeHealth(e: Extension): Record<string, unknown> {
  try {
    return e.health?.() ?? {};
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function closeAll(servers: (NetServer | HttpServer)[]): Promise<void> {
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          if ('closeAllConnections' in s) s.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
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
