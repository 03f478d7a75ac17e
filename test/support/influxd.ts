/**
 * A real InfluxDB 1.x server (Debian's /usr/bin/influxd) for tests: its own
 * temp dir, loopback-only listeners on free ports, no reporting, no UDP /
 * graphite / collectd / opentsdb, no _internal monitor store.
 *
 * stop() ends the process (SIGTERM, then SIGKILL) and keeps the data dir;
 * start() runs it again with the same dir and ports, so tests can simulate an
 * outage and a recovery. The port stays the same, so a client configured with
 * the URL reconnects without knowing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { until } from './wait.js';

export interface RunningInfluxd {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  /** Restart after stop(): same dir, same ports. */
  start(): Promise<void>;
  /** Run an InfluxQL query (POST /query), resolve with the parsed JSON body. */
  query(q: string, db?: string): Promise<unknown>;
  /** Write raw line protocol (ms precision); resolves with the HTTP status and body. */
  writeLines(lines: string, db: string): Promise<{ status: number; body: string }>;
  logs(): string;
}

export interface InfluxdOptions {
  dataDir?: string;
  port?: number;
}

const INFLUXD = '/usr/bin/influxd';

export async function startInfluxd(opts: InfluxdOptions = {}): Promise<RunningInfluxd> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gp-influxd-'));
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  const configPath = join(dataDir, 'influxd.toml');
  writeFileSync(configPath, configToml(dataDir, port, rpcPort));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  async function start(): Promise<void> {
    if (child) throw new Error('influxd already running');
    const proc = spawn(INFLUXD, ['-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const append = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    let exited: string | null = null;
    proc.once('exit', (code, signal) => {
      exited = `influxd exited (code ${code}, signal ${signal})`;
      if (child === proc) child = null;
    });
    // an exit ends the wait at once (with why), an answer to /ping too
    const outcome = await until(
      'influxd to answer /ping',
      async () => exited ?? ((await ping(url)) && 'up'),
      30_000,
      50,
    ).catch(() => null);
    if (outcome === 'up') return;
    proc.kill('SIGKILL');
    throw new Error(`${outcome ?? 'influxd did not answer /ping within 30 s'}\n${output.slice(-4000)}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    const gone = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    child = null;
  }

  async function query(q: string, db?: string): Promise<unknown> {
    const body = new URLSearchParams({ q, epoch: 'ms' });
    if (db) body.set('db', db);
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`query failed ${res.status}: ${text}`);
    return JSON.parse(text) as unknown;
  }

  async function writeLines(lines: string, db: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ms`, {
      method: 'POST',
      body: lines,
    });
    return { status: res.status, body: await res.text() };
  }

  await start();
  return { url, port, dataDir, stop, start, query, writeLines, logs: () => output };
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

/**
 * Keys checked against `influxd config` of Debian's 1.6.7: Debian's build
 * names the phone-home switch `reporting-enabled`; upstream 1.x calls it
 * `reporting-disabled`. influxd ignores the key it does not know, so both are set.
 */
function configToml(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-enabled = false
reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  wal-fsync-delay = "0s"
  cache-max-memory-size = 268435456

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false

[ifql]
  enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
  log-enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}
