/** Start and stop as an operator sees them: exit codes and messages that mean something. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, publish, subscribe } from '../support/mqtt.js';

const CLI = join(ROOT, 'gateway', 'src', 'cli', 'main.ts');

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        GUARDPOST_HOST: '127.0.0.1',
        GUARDPOST_NODERED_PORT: '0',
        GUARDPOST_LOG_PRETTY: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

describe('lifecycle', () => {
  it('SIGTERM stops the gateway cleanly with exit 0', async () => {
    const gw = await startGateway();
    expect((await fetch(gw.url('/healthz'))).status).toBe(200);
    await gw.stop();
    expect(gw.exitCode()).toBe(0);
    expect(gw.logs()).toMatch(/guardpost gateway stopped/);
  });

  it('a clean stop with devices and consoles connected logs no error', async () => {
    const gw = await startGateway();
    const device = await connectAs(gw.mqttPort, 'U01-PANIC-1', 'secret', {
      will: { topic: 'gp/v1/dev/U01-PANIC-1/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await publish(device, 'gp/v1/dev/U01-PANIC-1/status', 'online', 1, true);
    const consoleClient = await connectAs(gw.mqttPort, 'U02-duty');
    await subscribe(consoleClient, 'gp/v1/unit/U02/#');
    await publish(device, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 1 });
    await gw.stop();
    expect(gw.exitCode()).toBe(0);
    const levels = gw
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg?: string });
    expect(levels.length).toBeGreaterThan(0);
    // pino: 50 error, 60 fatal
    expect(levels.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    device.end(true);
    consoleClient.end(true);
  });

  it('a port that is taken is a clear error and exit 3', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'gp-port-'));
      const { code, out } = await run(['start', '--config', SMALL_SITE, '--data-dir', dir], {
        GUARDPOST_MQTT_PORT: String(port),
        GUARDPOST_WS_PORT: '0',
        GUARDPOST_HTTP_PORT: '0',
      });
      expect(code).toBe(3);
      expect(out).toContain(`cannot start MQTT listener: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('a broken config starts nothing: every problem listed, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bad-'));
    const bad = join(dir, 'site.yaml');
    writeFileSync(
      bad,
      'site: { id: x, name: X }\nzones:\n  - { id: east, name: E }\nunits:\n  - { id: U1, name: A, zone: eats, kind: school }\n',
    );
    const { code, out } = await run(['start', '--config', bad, '--data-dir', dir]);
    expect(code).toBe(1);
    expect(out).toContain('units[0].zone: no zone "eats" (did you mean "east"?)');
  });

  it('a journal that cannot be opened is exit 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-store-'));
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    const { code, out } = await run(['start', '--config', SMALL_SITE, '--data-dir', notADir], {
      GUARDPOST_MQTT_PORT: '0',
      GUARDPOST_WS_PORT: '0',
      GUARDPOST_HTTP_PORT: '0',
    });
    expect(code).toBe(4);
    expect(out).toMatch(/cannot open the journal .*file\/journal\.sqlite: E(EXIST|NOTDIR)/);
  });

  it('a bad command line is exit 2', async () => {
    const { code } = await run(['start']);
    expect(code).toBe(2);
  });
});
