/**
 * The data path on top of the core: the login guard, the broker with its
 * hooks, the outbound sink, the ingest pipeline, the clock guard and the
 * alert catch-up, plus the connection handler every MQTT listener uses
 * (MQTT 5 bridge, per-connection limits). Nothing here listens on a port.
 */
import type { Duplex } from 'node:stream';
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { LoginGuard, throttleOptionsFrom } from '../auth/guard.js';
import { createBroker } from '../broker/broker.js';
import { attachAlertCatchUp } from '../broker/catch-up.js';
import { type ConnLimits, DEFAULT_LIMITS, decoupleDeliveries, limitReporter } from '../broker/conn-guard.js';
import { withMqtt5 } from '../broker/mqtt5.js';
import { parseDuration } from '../config/schema.js';
import type { Site } from '../config/site.js';
import { makeQueries } from '../engines/index.js';
import { DeviceLimits } from '../ingest/limits.js';
import { Pipeline } from '../ingest/pipeline.js';
import type { IngestLimitOptions } from '../ingest/room.js';
import type { GatewayQueries, IngestPort } from '../ports.js';
import { ClockGuard } from './clock-guard.js';
import type { Core } from './core.js';
import type { HealthPart } from './health.js';
import { Outbound } from './outbound.js';

export interface DataPathOptions {
  site: Site;
  logger: Logger;
  journalRetentionMs: number;
  /** MQTT packet size and outbound buffer limits (gateway.limits; defaults in conn-guard.ts). */
  connLimits?: Partial<ConnLimits>;
  /** Per-device rate and journal quota (the journal's reserve and ballast are the core's). */
  ingestLimits?: IngestLimitOptions;
}

export interface DataPath {
  broker: Aedes;
  out: Outbound;
  pipeline: Pipeline;
  clockGuard: ClockGuard;
  logins: LoginGuard;
  queries: GatewayQueries;
  connLimits: ConnLimits;
  /** Hands one accepted connection (TCP, TLS, WebSocket) to the broker. */
  handle: (stream: Duplex) => unknown;
  /** /healthz `ingest` and `clock` (the broker's section needs the listeners' addresses). */
  parts: HealthPart[];
  /** Close the broker: what is still published after this is dropped at debug. */
  close(): Promise<void>;
}

export async function startDataPath(core: Core, opts: DataPathOptions): Promise<DataPath> {
  const { site, logger } = opts;
  const { journal, runner, metrics, now } = core;
  const il = opts.ingestLimits ?? {};
  // one login check and back-off for MQTT and HTTP Basic (the API, the console, /bulletin, Node-RED's count)
  const logins = await LoginGuard.create({
    site,
    failures: metrics.authFailures,
    throttle: throttleOptionsFrom(site.config.gateway?.auth?.throttle),
  });
  // The broker's hooks call the pipeline only once a client is connected (the listeners come
  // later); the pipeline is built on the broker's outbound sink, so nothing it publishes can
  // go out before there is a broker to carry it.
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
      ...(il.accountRate ? { accountRate: il.accountRate } : {}),
      ...(il.journalBytesPerDay ? { journalBytesPerDay: il.journalBytesPerDay } : {}),
    }),
    room: core.room,
  });
  pipeline.warmUp();
  const clockCfg = site.config.gateway?.clock;
  const clockGuard = new ClockGuard({
    clock: core.clock,
    journal,
    logger: logger.child({ component: 'clock' }),
    registry: metrics.registry,
    operate: (input) => pipeline.operate(input),
    rearm: () => pipeline.startTimers(),
    now,
    retentionMs: opts.journalRetentionMs,
    // patrol, alarm and roll-call records: 90 days by default, never below retentionMs (journal/retention.ts)
    recordRetentionMs: parseDuration(site.config.gateway?.journal?.recordRetention ?? '90d'),
    thresholdMs: core.stepThresholdMs,
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

  return {
    broker,
    out,
    pipeline,
    clockGuard,
    logins,
    queries,
    connLimits,
    handle,
    parts: [
      { name: 'ingest', health: () => record(pipeline.health().waiting) },
      { name: 'clock', health: () => ({ ...clockGuard.health() }) },
    ],
    close: async () => {
      out.closingBroker();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

/** The pipeline's inputs waiting per lane ({priority, bulk}) as a /healthz section. */
function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? { ...v } : {};
}
