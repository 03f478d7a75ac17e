/**
 * The brokers under test, each in its own process on a free loopback port:
 * the gateway (everything on), a bare aedes and Debian's mosquitto.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartOptions, startGateway } from '../../test/support/gateway.js';
import { freePort } from '../../test/support/ports.js';
import { spawnChild, spawnScript, track, untrack } from './children.js';

export type BrokerName = 'gateway' | 'aedes' | 'mosquitto';

export interface BrokerUnderTest {
  name: BrokerName;
  url: string;
  port: number;
  pid: number;
  /** Devices log in with their id and this password (gateway), or anonymously. */
  password: string | null;
  /** Milliseconds from spawn to ready (MQTT port open; gateway: /healthz 200). */
  startupMs: number;
  stop(): Promise<void>;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

export async function startAedes(): Promise<BrokerUnderTest> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnScript('bench/lib/aedes-server.ts', [String(port)]);
  await child.line('LISTENING', 30_000);
  const startupMs = performance.now() - t0;
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    password: null,
    startupMs,
    stop: () => child.stop(),
  };
}

export async function startMosquitto(): Promise<BrokerUnderTest> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gp-bench-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_type error',
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  const child = spawnChild('/usr/sbin/mosquitto', ['-c', conf]);
  await waitFor(() => portOpen(port), 10_000, 'mosquitto');
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    password: null,
    startupMs: performance.now() - t0,
    stop: () => child.stop(),
  };
}

export interface GatewayUnderTest extends BrokerUnderTest {
  httpUrl(path: string): string;
  logs(): string;
}

/** The whole gateway (auth, ACL, decode, journal, engines) via test/support/gateway.ts. */
export async function startBenchGateway(
  opts: StartOptions & { password?: string },
): Promise<GatewayUnderTest> {
  const t0 = performance.now();
  const gw = await startGateway({
    ...opts,
    env: { GUARDPOST_LOG_LEVEL: 'warn', ...opts.env },
  });
  const pid = gw.pid();
  track(pid);
  await waitFor(
    async () => {
      try {
        const res = await fetch(gw.url('/healthz'));
        await res.arrayBuffer();
        return res.status === 200;
      } catch {
        return false;
      }
    },
    30_000,
    'gateway /healthz',
  );
  const startupMs = performance.now() - t0;
  return {
    name: 'gateway',
    url: `mqtt://127.0.0.1:${gw.mqttPort}`,
    port: gw.mqttPort,
    pid: pid ?? 0,
    password: opts.password ?? 'secret',
    startupMs,
    httpUrl: (p) => gw.url(p),
    logs: () => gw.logs(),
    stop: async () => {
      await gw.stop();
      untrack(pid);
    },
  };
}
