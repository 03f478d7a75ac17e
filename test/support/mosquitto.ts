/**
 * A real Mosquitto (Debian package, /usr/sbin/mosquitto) for tests of the
 * city uplink: its own temp dir, a password file made with mosquitto_passwd,
 * a free 127.0.0.1 port kept across stop/start (so clients reconnect to the
 * same address), optional persistence (the store is written on a clean stop
 * and read at start, so persistent sessions and their queued messages
 * survive), pause/resume (SIGSTOP/SIGCONT: a black-holed broker).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { until } from './wait.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const PASSWD = '/usr/bin/mosquitto_passwd';

export interface MosquittoOptions {
  /** username → password. */
  users: Record<string, string>;
  /** Keep sessions and queued messages across a clean stop/start (default true). */
  persistence?: boolean;
  /** Extra lines for mosquitto.conf. */
  extra?: string[];
}

export interface RunningMosquitto {
  readonly port: number;
  readonly dir: string;
  url: string;
  /** SIGTERM and wait for the exit (a persistent broker writes its store). */
  stop(): Promise<void>;
  /** Start again on the same port with the same config and store. */
  start(): Promise<void>;
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open, nothing is read or answered. */
  pause(): void;
  resume(): void;
  logs(): string;
}

export function mosquittoAvailable(): boolean {
  return existsSync(MOSQUITTO) && existsSync(PASSWD);
}

export async function startMosquitto(opts: MosquittoOptions): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'gp-mosq-'));
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const [user, password] of Object.entries(opts.users))
    execFileSync(PASSWD, ['-b', passwd, user, password]);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${passwd}`,
    // a city broker must not drop what a district sends while a subscriber catches up
    'max_queued_messages 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ];
  if (opts.persistence !== false) lines.push('persistence true', `persistence_location ${dir}/`);
  if (process.getuid?.() === 0) lines.push('user root');
  lines.push(...(opts.extra ?? []));
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let proc: ChildProcess | null = null;
  let out = '';
  const start = async (): Promise<void> => {
    const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until(
      `mosquitto listening on ${port}`,
      () => {
        if (child.exitCode !== null)
          throw new Error(`mosquitto exited ${child.exitCode}: ${out.slice(-2000)}`);
        return canConnect(port);
      },
      10_000,
      50,
    );
  };
  const waitExit = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      if (signal === 'SIGTERM') p.kill('SIGCONT');
      p.kill(signal);
    });
  await start();
  return {
    port,
    dir,
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => waitExit('SIGTERM'),
    start,
    kill: () => waitExit('SIGKILL'),
    pause: () => void (proc as ChildProcess | null)?.kill('SIGSTOP'),
    resume: () => void (proc as ChildProcess | null)?.kill('SIGCONT'),
    logs: () => out,
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
