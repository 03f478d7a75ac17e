/**
 * `guardpost start`: load and validate the site, apply environment
 * overrides, run the gateway until SIGTERM/SIGINT.
 *
 * Exit codes: 0 stopped cleanly; 1 the config has problems; 3 a port is taken
 * or cannot be bound; 4 the journal cannot be opened; 70 anything else.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListenError } from '../broker/listeners.js';
import { loadSite } from '../config/load.js';
import { formatProblem } from '../config/problem.js';
import { parseDuration } from '../config/schema.js';
import { JournalOpenError } from '../journal/journal.js';
import { createLogger } from '../logger.js';
import { buildExtensions } from '../runtime/extensions.js';
import { type ListenOptions, type RunningGateway, startGateway } from '../runtime/gateway.js';
import { createDemoSimExtension } from '../sim/extension.js';
import { printProblems } from './check.js';

export const EXIT = { ok: 0, config: 1, listen: 3, journal: 4, internal: 70 } as const;

export interface StartOptions {
  config: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Run the site's simulated devices alongside (the demo; GUARDPOST_DEMO_SIM=0 turns it off). */
  sim?: boolean;
}

/** The demo's simulators: asked for, not turned off by GUARDPOST_DEMO_SIM=0; speed from GUARDPOST_DEMO_SPEED. */
function simOptions(opts: StartOptions): { speed: number } | null {
  const off = opts.env.GUARDPOST_DEMO_SIM;
  if (!opts.sim || off === '0' || off === 'false' || off === 'no') return null;
  const raw = opts.env.GUARDPOST_DEMO_SPEED;
  const speed = raw !== undefined && raw !== '' ? Number(raw) : 8;
  if (!Number.isFinite(speed) || speed < 1)
    throw new Error(`GUARDPOST_DEMO_SPEED=${raw} is not a number ≥ 1`);
  return { speed };
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${v} is not a port number`);
  return n;
}

function journalMaxBytes(env: NodeJS.ProcessEnv, configMB: number | undefined): number | undefined {
  const raw = env.GUARDPOST_JOURNAL_MAX_MB;
  const mb = raw !== undefined && raw !== '' ? Number(raw) : configMB;
  return mb !== undefined && Number.isFinite(mb) && mb > 0 ? Math.round(mb * 1024 * 1024) : undefined;
}

const mb = (n: number): number => Math.round(n * 1024 * 1024);

export async function runStart(opts: StartOptions): Promise<number> {
  const env = opts.env;
  const logger = createLogger(
    env.GUARDPOST_LOG_LEVEL ?? 'info',
    env.GUARDPOST_LOG_PRETTY ? env.GUARDPOST_LOG_PRETTY === '1' : undefined,
  );
  const loaded = loadSite(opts.config);
  for (const w of loaded.warnings) logger.warn(`config: ${formatProblem(w)}`);
  if (!loaded.ok) {
    printProblems(loaded.problems, opts.config, 'nothing started', process.stderr);
    return EXIT.config;
  }
  const site = loaded.site;
  const g = site.config.gateway ?? {};
  const dataDir = resolve(opts.dataDir);
  let listenOpts: ListenOptions;
  let sim: { speed: number } | null;
  try {
    sim = simOptions(opts);
    listenOpts = {
      host: env.GUARDPOST_HOST ?? g.mqtt?.host ?? '0.0.0.0',
      mqtt: envPort(env, 'GUARDPOST_MQTT_PORT') ?? g.mqtt?.port ?? 1883,
      ws: envPort(env, 'GUARDPOST_WS_PORT') ?? g.ws?.port ?? 8083,
      http: envPort(env, 'GUARDPOST_HTTP_PORT') ?? g.http?.port ?? 8080,
      ...(g.mqtts
        ? { mqtts: { ...g.mqtts, port: envPort(env, 'GUARDPOST_MQTTS_PORT') ?? g.mqtts.port } }
        : {}),
      ...(g.http?.tls ? { httpTls: g.http.tls } : {}),
    };
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.config;
  }
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      site,
      dataDir,
      logger,
      listen: listenOpts,
      journalRetentionMs: parseDuration(g.journal?.retention ?? '30d'),
      journalMaxBytes: journalMaxBytes(env, g.journal?.maxMB),
      ingestLimits: {
        ...(g.limits?.deviceRate ? { rate: g.limits.deviceRate } : {}),
        ...(g.limits?.accountRate ? { accountRate: g.limits.accountRate } : {}),
        ...(g.limits?.deviceJournalMBPerDay
          ? { journalBytesPerDay: mb(g.limits.deviceJournalMBPerDay) }
          : {}),
        ...(g.journal?.reserveMB !== undefined ? { reserveBytes: mb(g.journal.reserveMB) } : {}),
        ...(g.journal?.diskReserveMB !== undefined ? { diskReserveBytes: mb(g.journal.diskReserveMB) } : {}),
      },
      connLimits: {
        ...(g.limits?.maxPacketKB ? { maxPacketBytes: g.limits.maxPacketKB * 1024 } : {}),
        ...(g.limits?.outboundBufferKB ? { outboundBufferBytes: g.limits.outboundBufferKB * 1024 } : {}),
      },
      extensions: [
        ...buildExtensions({ site, env, dataDir, host: listenOpts.host, logger }),
        ...(sim
          ? [createDemoSimExtension({ config: resolve(opts.config), host: listenOpts.host, ...sim })]
          : []),
      ],
    });
  } catch (err) {
    if (err instanceof ListenError) {
      logger.fatal(err.message);
      process.stderr.write(`${err.message}\n`);
      return EXIT.listen;
    }
    if (err instanceof JournalOpenError) {
      logger.fatal(err.message);
      process.stderr.write(`${err.message}\n`);
      return EXIT.journal;
    }
    logger.fatal({ err }, 'gateway failed to start');
    return EXIT.internal;
  }
  // Where it listens, for tools and tests that start it on ephemeral ports.
  // Written whole, then renamed into place: a reader never sees half a file.
  const runtimeFile = join(dataDir, 'gateway.json');
  writeFileSync(`${runtimeFile}.tmp`, JSON.stringify({ pid: process.pid, addresses: gateway.addresses }));
  renameSync(`${runtimeFile}.tmp`, runtimeFile);

  return new Promise<number>((resolveExit) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) return;
      signalled = true;
      logger.info({ signal }, 'stopping');
      const force = setTimeout(() => {
        logger.error('graceful stop took more than 10 s; exiting');
        resolveExit(EXIT.internal);
      }, 10_000);
      force.unref();
      gateway.stop().then(
        () => {
          clearTimeout(force);
          resolveExit(EXIT.ok);
        },
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          resolveExit(EXIT.internal);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
