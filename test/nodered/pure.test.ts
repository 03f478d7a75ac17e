/**
 * The pure parts and the small pieces: generated settings (editor logins
 * against the site's scrypt hashes), backoff, the supervisor with real
 * child processes, shipped flows, options wiring, the package's topic
 * helpers and its translations.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import { createLogger } from '../../gateway/src/logger.js';
import {
  backoffDelay,
  findFlowsPackage,
  installShippedFlows,
  mergeShippedFlows,
  noderedOptions,
  operatorAccounts,
  ProcessSupervisor,
  renderSettings,
} from '../../gateway/src/nodered/index.js';
import { ROOT, SMALL_SITE } from '../support/gateway.js';
import { until } from '../support/wait.js';

const require = createRequire(import.meta.url);
const logger = createLogger('silent', false);

interface AdminAuth {
  type: string;
  users(u: string): Promise<{ username: string; permissions: string } | null>;
  authenticate(u: string, p: string): Promise<{ username: string; permissions: string } | null>;
}

describe('generated Node-RED settings', () => {
  const loaded = loadSite(SMALL_SITE);
  if (!loaded.ok) throw new Error('small site must load');
  const dir = mkdtempSync(join(tmpdir(), 'gp-nr-settings-'));
  const file = join(dir, 'settings.cjs');
  writeFileSync(
    file,
    renderSettings({
      host: '127.0.0.1',
      port: 18801,
      userDir: dir,
      flowFile: join(dir, 'flows.json'),
      nodesDir: [findFlowsPackage()],
      accounts: operatorAccounts(loaded.site),
    }),
  );
  const settings = require(file) as {
    uiPort: number;
    uiHost: string;
    flowFile: string;
    nodesDir: string[];
    adminAuth: AdminAuth;
  };

  it('listens where asked and loads our node package', () => {
    expect(settings.uiPort).toBe(18801);
    expect(settings.uiHost).toBe('127.0.0.1');
    expect(settings.flowFile).toBe(join(dir, 'flows.json'));
    expect(settings.nodesDir).toEqual([join(ROOT, 'flows')]);
  });

  it('knows the operators, and only them', async () => {
    expect(operatorAccounts(loaded.site).map((a) => a.id)).toEqual(['police-east', 'police-west', 'tech1']);
    expect(await settings.adminAuth.users('tech1')).toEqual({ username: 'tech1', permissions: '*' });
    expect(await settings.adminAuth.users('police-east')).toEqual({
      username: 'police-east',
      permissions: '*',
    });
    expect(await settings.adminAuth.users('U01-duty')).toBeNull();
    expect(await settings.adminAuth.users('U01-PANIC-1')).toBeNull();
    expect(await settings.adminAuth.users('__proto__')).toBeNull();
  });

  it('verifies passwords against the scrypt hashes', async () => {
    expect(await settings.adminAuth.authenticate('tech1', 'secret')).toEqual({
      username: 'tech1',
      permissions: '*',
    });
    expect(await settings.adminAuth.authenticate('tech1', 'Secret')).toBeNull();
    expect(await settings.adminAuth.authenticate('tech1', '')).toBeNull();
    expect(await settings.adminAuth.authenticate('U01-duty', 'secret')).toBeNull();
    expect(await settings.adminAuth.authenticate('nobody', 'secret')).toBeNull();
  });

  it('does not embed any plain password', () => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/['"]secret['"]/);
  });
});

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const p = { initialMs: 1000, maxMs: 60_000, stableMs: 60_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelay(n, p))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
  });
});

describe('process supervisor (real child processes)', () => {
  const node = process.execPath;

  it('restarts a child that dies, counting restarts, and stops during backoff', async () => {
    const sup = new ProcessSupervisor({
      command: node,
      args: ['-e', "console.log('ready'); setTimeout(() => process.exit(3), 150)"],
      env: process.env,
      readyLine: /^ready$/,
      logger,
      backoff: { initialMs: 50, maxMs: 100, stableMs: 60_000 },
    });
    sup.start();
    const states = new Set<string>();
    let scheduledSeen = false;
    await until(
      'three restarts',
      () => {
        states.add(sup.status().state);
        if (sup.status().state === 'backoff') scheduledSeen ||= sup.restartScheduled();
        return sup.status().restarts >= 3;
      },
      15_000,
      10,
    );
    expect(sup.status().restarts).toBeGreaterThanOrEqual(3);
    expect(states.has('running')).toBe(true);
    expect(states.has('backoff')).toBe(true);
    expect(scheduledSeen).toBe(true);
    await sup.stop();
    const n = sup.status().restarts;
    // no restart after stop(): nothing is waiting out a back-off, and no child runs
    expect(sup.restartScheduled()).toBe(false);
    expect(sup.status()).toEqual({ state: 'stopped', pid: null, restarts: n });
  });

  it('stops with SIGTERM, and SIGKILLs a child that ignores it', async () => {
    const polite = new ProcessSupervisor({
      command: node,
      args: ['-e', "console.log('ready'); setInterval(() => {}, 1000)"],
      env: process.env,
      readyLine: /^ready$/,
      logger,
      // far beyond the test timeout: only SIGTERM can make stop() resolve in time
      killAfterMs: 600_000,
    });
    polite.start();
    await until('the polite child running', () => polite.status().state === 'running', 15_000, 20);
    const politePid = polite.status().pid ?? 0;
    await polite.stop();
    expect(() => process.kill(politePid, 0)).toThrow();

    const stubborn = new ProcessSupervisor({
      command: node,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      env: process.env,
      readyLine: /^ready$/,
      logger,
      killAfterMs: 300,
    });
    stubborn.start();
    // it prints "ready" after installing its SIGTERM handler
    await until('the stubborn child running', () => stubborn.status().state === 'running', 15_000, 20);
    const pid = stubborn.status().pid ?? 0;
    await stubborn.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(stubborn.status().state).toBe('stopped');
  });

  it('a child that loses its gateway (IPC channel closed) exits by itself', async () => {
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'gp-nr-launch-'));
    const fake = join(dir, 'fake-red.js');
    writeFileSync(
      fake,
      "console.log('ready'); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));",
    );
    const { renderLauncher } = await import('../../gateway/src/nodered/settings.js');
    const launcher = join(dir, 'launch.cjs');
    writeFileSync(launcher, renderLauncher(fake));
    const child = spawn(node, [launcher], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    await new Promise<void>((r) => child.stdout?.once('data', () => r()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.disconnect();
    expect(await exited).toBe(0);
  });
});

describe('shipped flows', () => {
  const shipped = join(findFlowsPackage(), 'shipped');
  const flows = mergeShippedFlows(shipped) as {
    id: string;
    type: string;
    z?: string;
    wires?: string[][];
    gateway?: string;
  }[];

  it('share one gateway connection and wire only to existing nodes', () => {
    const ids = new Set(flows.map((n) => n.id));
    expect(ids.size).toBe(flows.length);
    const gateways = flows.filter((n) => n.type === 'guardpost-gateway');
    expect(gateways).toHaveLength(1);
    const tabs = new Set(flows.filter((n) => n.type === 'tab').map((n) => n.id));
    expect(tabs.size).toBe(3);
    for (const n of flows) {
      if (n.type === 'tab' || n.type === 'guardpost-gateway') continue;
      expect(tabs.has(n.z ?? ''), `${n.id} on a tab`).toBe(true);
      for (const out of n.wires ?? [])
        for (const target of out) expect(ids.has(target), `${n.id} → ${target}`).toBe(true);
      if (n.type.startsWith('guardpost-')) expect(n.gateway).toBe(gateways[0]?.id);
    }
    // no account or password in the shipped flows: they come from the environment
    const gw = gateways[0] as unknown as { user: string; url: string; credentials?: unknown };
    expect(gw.user).toBe('');
    expect(gw.url).toBe('');
    expect(gw.credentials).toBeUndefined();
  });

  it('are installed once and never overwrite the technicians’ flows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-nr-flows-'));
    const file = join(dir, 'sub', 'flows.json');
    expect(installShippedFlows(file, shipped)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(flows);
    writeFileSync(file, '[]');
    expect(installShippedFlows(file, shipped)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('[]');
  });
});

describe('wiring options', () => {
  const base = { config: undefined, dataDir: '/var/lib/guardpost', host: '0.0.0.0' };
  it('port from the environment wins; 0 or enabled: false turns Node-RED off', () => {
    expect(noderedOptions({ ...base, env: {} })).toMatchObject({
      port: 1880,
      userDir: '/var/lib/guardpost/nodered',
    });
    expect(noderedOptions({ ...base, env: { GUARDPOST_NODERED_PORT: '0' } })).toBeNull();
    expect(noderedOptions({ ...base, config: { port: 1999 }, env: {} })?.port).toBe(1999);
    expect(
      noderedOptions({ ...base, config: { port: 1999 }, env: { GUARDPOST_NODERED_PORT: '2000' } })?.port,
    ).toBe(2000);
    expect(noderedOptions({ ...base, config: { port: 0 }, env: {} })).toBeNull();
    expect(
      noderedOptions({ ...base, config: { enabled: false }, env: { GUARDPOST_NODERED_PORT: '2000' } }),
    ).toBeNull();
    expect(() => noderedOptions({ ...base, env: { GUARDPOST_NODERED_PORT: 'x' } })).toThrow(/not a port/);
  });
  it('reaches the broker on loopback when listening everywhere; flows path relative to the data dir', () => {
    expect(noderedOptions({ ...base, env: {} })).toMatchObject({ host: '0.0.0.0', mqttHost: '127.0.0.1' });
    expect(noderedOptions({ ...base, host: '10.1.2.3', env: {} })).toMatchObject({
      host: '10.1.2.3',
      mqttHost: '10.1.2.3',
    });
    expect(noderedOptions({ ...base, config: { flows: 'site-flows.json' }, env: {} })?.flowsFile).toBe(
      '/var/lib/guardpost/site-flows.json',
    );
    expect(noderedOptions({ ...base, config: { flows: '/etc/gp/flows.json' }, env: {} })?.flowsFile).toBe(
      '/etc/gp/flows.json',
    );
  });
});

describe('node package helpers', () => {
  const { matches, list, topics } = require(join(ROOT, 'flows/nodes/lib/topics.js')) as {
    matches(f: string, t: string): boolean;
    list(v: unknown): string[] | null;
    topics: { event(k?: string, z?: string, u?: string): string; unitAlert(u: string): string };
  };
  const { SeenKeys } = require(join(ROOT, 'flows/nodes/lib/dedupe.js')) as {
    SeenKeys: new (n: number) => { first(k: string): boolean };
  };

  it('builds filters with wildcards and matches topics', () => {
    expect(topics.event('tap', '', ' ')).toBe('gp/v1/events/tap/+/+');
    expect(topics.event(undefined, 'east', 'U02')).toBe('gp/v1/events/+/east/U02');
    expect(matches('gp/v1/events/tap/+/+', 'gp/v1/events/tap/east/U02')).toBe(true);
    expect(matches('gp/v1/events/tap/+/+', 'gp/v1/events/panic/east/U02')).toBe(false);
    expect(matches('gp/v1/unit/+/alert', 'gp/v1/unit/U01/alert/x')).toBe(false);
    expect(matches('gp/v1/#', 'gp/v1/zone/east/alert')).toBe(true);
    expect(list(' panic, tamper ,')).toEqual(['panic', 'tamper']);
    expect(list('')).toBeNull();
    expect(list('+')).toBeNull();
  });

  it('remembers keys up to its capacity', () => {
    const seen = new SeenKeys(2);
    expect(seen.first('a')).toBe(true);
    expect(seen.first('a')).toBe(false);
    expect(seen.first('b')).toBe(true);
    expect(seen.first('c')).toBe(true); // evicts a
    expect(seen.first('a')).toBe(true);
    expect(seen.first('c')).toBe(false);
  });

  it('has English and Chinese help and labels for every node', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'flows/package.json'), 'utf8')) as {
      name: string;
      keywords: string[];
      'node-red': { nodes: Record<string, string> };
    };
    expect(pkg.name).toBe('node-red-contrib-guardpost');
    expect(pkg.keywords).toContain('node-red');
    for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
      const html = readFileSync(join(ROOT, 'flows', file.replace(/\.js$/, '.html')), 'utf8');
      expect(html).toContain(`registerType('${type}'`);
      const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1] ?? '');
      for (const lang of ['en-US', 'zh-CN']) {
        const dir = join(ROOT, 'flows/nodes/locales', lang);
        expect(existsSync(join(dir, `${type}.html`)), `${lang}/${type}.html`).toBe(true);
        expect(readFileSync(join(dir, `${type}.html`), 'utf8')).toContain(`data-help-name="${type}"`);
        const messages = JSON.parse(readFileSync(join(dir, `${type}.json`), 'utf8')) as Record<
          string,
          unknown
        >;
        for (const key of keys) {
          const value = key
            .split('.')
            .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], messages);
          expect(typeof value, `${lang} ${key}`).toBe('string');
        }
      }
    }
    expect(readdirSync(join(ROOT, 'flows/nodes/locales/zh-CN')).length).toBe(8);
  });
});
