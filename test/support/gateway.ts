/**
 * Runs the real gateway as a child process for integration tests: its own
 * temp data dir, loopback only, ephemeral ports on the first start (read
 * back from <dataDir>/gateway.json) and the same ports on restart, so
 * clients can reconnect.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { until } from './wait.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SMALL_SITE = join(ROOT, 'test', 'fixtures', 'small-site.yaml');
const CLI = join(ROOT, 'gateway', 'src', 'cli', 'main.ts');

export interface RunningGateway {
  mqttPort: number;
  wsPort: number;
  httpPort: number;
  noderedPort: number | null;
  dataDir: string;
  configPath: string;
  url(path: string): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  logs(): string;
  /** Exit code of the last run (after stop/kill). */
  exitCode(): number | null;
  pid(): number | undefined;
}

export interface StartOptions {
  siteYaml?: string;
  configPath?: string;
  dataDir?: string;
  env?: Record<string, string>;
  influxUrl?: string;
  nodered?: boolean;
  /** Extra CLI args after `start`. */
  args?: string[];
}

export async function startGateway(opts: StartOptions = {}): Promise<RunningGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gp-data-'));
  let configPath = opts.configPath ?? SMALL_SITE;
  if (opts.siteYaml !== undefined) {
    configPath = join(dataDir, 'site.yaml');
    writeFileSync(configPath, opts.siteYaml);
  }
  const noderedPort = opts.nodered ? await freePort() : null;
  const ports = { mqtt: 0, ws: 0, http: 0 };
  let proc: ChildProcess | null = null;
  let out = '';
  let lastExit: number | null = null;

  const launch = async (): Promise<void> => {
    const runtimeFile = join(dataDir, 'gateway.json');
    rmSync(runtimeFile, { force: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GUARDPOST_HOST: '127.0.0.1',
      GUARDPOST_MQTT_PORT: String(ports.mqtt),
      GUARDPOST_WS_PORT: String(ports.ws),
      GUARDPOST_HTTP_PORT: String(ports.http),
      GUARDPOST_NODERED_PORT: String(noderedPort ?? 0),
      GUARDPOST_INFLUX_URL: opts.influxUrl ?? '',
      GUARDPOST_LOG_LEVEL: process.env.GUARDPOST_LOG_LEVEL ?? 'info',
      GUARDPOST_LOG_PRETTY: '0',
      ...opts.env,
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'start', '--config', configPath, '--data-dir', dataDir, ...(opts.args ?? [])],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc = child;
    lastExit = null;
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // <dataDir>/gateway.json written by this child: started; an exit ends the wait at once
    const info = await until(
      'the gateway to write gateway.json',
      () => {
        if (child.exitCode !== null) return 'exited';
        if (!existsSync(runtimeFile)) return null;
        const i = JSON.parse(readFileSync(runtimeFile, 'utf8')) as {
          pid: number;
          addresses: { mqtt: number; ws: number; http: number };
        };
        return i.pid === child.pid ? i : null;
      },
      30_000,
      50,
    ).catch(() => null);
    if (info !== null && info !== 'exited') {
      ports.mqtt = info.addresses.mqtt;
      ports.ws = info.addresses.ws;
      ports.http = info.addresses.http;
      return;
    }
    child.kill('SIGKILL');
    const code = await exited;
    throw new Error(`gateway did not start (exit ${code}):\n${out.slice(-4000)}`);
  };

  const waitExit = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((r) => {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) {
        lastExit = p?.exitCode ?? null;
        return r();
      }
      p.once('exit', (code) => {
        lastExit = code;
        r();
      });
      p.kill(signal);
    });

  await launch();
  const gw: RunningGateway = {
    get mqttPort() {
      return ports.mqtt;
    },
    get wsPort() {
      return ports.ws;
    },
    get httpPort() {
      return ports.http;
    },
    noderedPort,
    dataDir,
    configPath,
    url: (path: string) => `http://127.0.0.1:${ports.http}${path}`,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    restart: async () => {
      await waitExit('SIGTERM');
      await launch();
    },
    logs: () => out,
    exitCode: () => lastExit,
    pid: () => proc?.pid,
  };
  return gw;
}

/** Basic-auth header for the gateway's HTTP API. */
export function basicAuth(user: string, password = 'secret'): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
