/**
 * Connecting to InfluxDB: the node-influx client (setup statements) and the
 * poster of prepared lines (post.ts; our own retries, none of the client's),
 * and the one-time setup of the database and retention policy.
 */
import { InfluxDB, type IPoolOptions } from 'influx';
import type { Logger } from 'pino';
import { parseDuration } from '../../config/schema.js';
import { classifyWriteError, isTransport } from './errors.js';
import { influxSchemas } from './points.js';
import { LinePoster } from './post.js';

export interface ClientOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs: number;
}

/** The admin client, and the poster and credentials the exporter posts prepared line protocol with. */
export interface Connection {
  client: InfluxDB;
  pool: LinePoster;
  /** `user:password` for the pool's requests, as node-influx sends it. */
  auth: string | undefined;
}

export function connect(options: ClientOptions): Connection {
  const url = new URL(options.url);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  const path = url.pathname.replace(/\/+$/, '');
  const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  // retries and backoff are ours (from the journal cursor); the pool must never park the host
  const pool: IPoolOptions = {
    maxRetries: 0,
    requestTimeout: options.requestTimeoutMs,
    backoff: {
      getDelay: () => 0,
      next() {
        return this;
      },
      reset() {
        return this;
      },
    },
  };
  const client = new InfluxDB({
    host: url.hostname,
    port,
    protocol,
    path,
    database: options.database,
    username,
    password,
    schema: influxSchemas(options.database),
    pool,
  });
  const writePool = new LinePoster({
    protocol,
    hostname: url.hostname,
    port,
    path,
    timeoutMs: options.requestTimeoutMs,
  });
  const auth = typeof username === 'string' ? `${username}:${password || ''}` : undefined;
  return { client, pool: writePool, auth };
}

/**
 * Create the database and retention policy. Unreachable server: throws
 * (retried). Refused: logged, not fatal.
 */
export async function setupDatabase(
  client: InfluxDB,
  log: Logger,
  database: string,
  rpName: string | undefined,
  retention: string | undefined,
): Promise<void> {
  try {
    await client.createDatabase(database);
  } catch (err) {
    const c = classifyWriteError(err);
    if (isTransport(c.kind)) throw err;
    log.warn(
      { database, error: c.message },
      'could not create the InfluxDB database (normal on InfluxDB 2.x/3.x: create the bucket and DBRP mapping yourself)',
    );
  }
  if (rpName && retention) await setupRetentionPolicy(client, log, database, rpName, retention);
}

async function setupRetentionPolicy(
  client: InfluxDB,
  log: Logger,
  database: string,
  rpName: string,
  retention: string,
): Promise<void> {
  const duration = influxDuration(retention);
  const rp = { database, duration, replication: 1 };
  try {
    await client.createRetentionPolicy(rpName, { ...rp, isDefault: true });
  } catch (err) {
    const c = classifyWriteError(err);
    if (isTransport(c.kind)) throw err;
    if (!/already exists/i.test(c.message)) {
      log.warn({ rp: rpName, error: c.message }, 'could not create the InfluxDB retention policy');
      return;
    }
    try {
      await client.alterRetentionPolicy(rpName, rp);
      log.info({ rp: rpName, duration }, 'InfluxDB retention policy updated');
    } catch (err2) {
      const c2 = classifyWriteError(err2);
      if (isTransport(c2.kind)) throw err2;
      log.warn({ rp: rpName, error: c2.message }, 'could not alter the InfluxDB retention policy');
    }
  }
}

/** InfluxQL durations are integers with a unit (no decimals, no ms below 1h anyway). */
export function influxDuration(value: string): string {
  if (/^\d+(s|m|h|d|w)$/.test(value)) return value;
  return `${Math.max(1, Math.round(parseDuration(value) / 1000))}s`;
}

/** The URL for logs, without its password. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
