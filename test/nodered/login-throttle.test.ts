/**
 * The Node-RED editor login back-off, in the generated settings (it runs in
 * Node-RED's child process): by username in adminAuth.authenticate, by source
 * address in httpAdminMiddleware around POST /auth/token.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import { findFlowsPackage, operatorAccounts, renderSettings } from '../../gateway/src/nodered/index.js';
import { SMALL_SITE } from '../support/gateway.js';

const require = createRequire(import.meta.url);
type User = { username: string; permissions: string } | null;

interface Settings {
  adminAuth: { authenticate(u: string, p: string): Promise<User> };
  httpAdminMiddleware(req: unknown, res: FakeRes, next: () => void): void;
}

class FakeRes extends EventEmitter {
  statusCode = 200;
  writableFinished = false;
  body: string | null = null;
  setHeader(): void {}
  end(body: string): void {
    this.body = body;
    this.writableFinished = true;
  }
  /** Node-RED answered: the attempt is settled. */
  answer(status: number): void {
    this.statusCode = status;
    this.writableFinished = true;
    this.emit('close');
  }
}

function load(): Settings {
  const loaded = loadSite(SMALL_SITE);
  if (!loaded.ok) throw new Error('small site must load');
  const dir = mkdtempSync(join(tmpdir(), 'gp-nr-throttle-'));
  const file = join(dir, 'settings.cjs');
  writeFileSync(
    file,
    renderSettings({
      host: '127.0.0.1',
      port: 18802,
      userDir: dir,
      flowFile: join(dir, 'flows.json'),
      nodesDir: [findFlowsPackage()],
      accounts: operatorAccounts(loaded.site),
      throttle: { free: 2, addressFree: 3, baseMs: 100, maxMs: 400, windowMs: 60_000, maxKeys: 100 },
    }),
  );
  return require(file) as Settings;
}

async function timed<T>(p: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await p();
  return { ms: performance.now() - t0, value };
}

describe('Node-RED editor login back-off', () => {
  it('wrong passwords for one user wait base · 2^n after the free ones; the right one still logs in', async () => {
    const s = load();
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push(await timed(() => s.adminAuth.authenticate('tech1', 'wrong')));
    expect(tries.map((t) => t.value)).toEqual([null, null, null, null, null]);
    const promised = [0, 0, 100, 200, 400];
    tries.forEach((t, i) => {
      expect(t.ms).toBeGreaterThanOrEqual((promised[i] ?? 0) - 2);
    });
    const right = await timed(() => s.adminAuth.authenticate('tech1', 'secret'));
    expect(right.value).toEqual({ username: 'tech1', permissions: '*' });
    expect(right.ms).toBeGreaterThanOrEqual(398);
  });

  it('an unknown user is refused and backs off the same way', async () => {
    const s = load();
    expect(await s.adminAuth.authenticate('nobody', 'x')).toBeNull();
    expect(await s.adminAuth.authenticate('nobody', 'x')).toBeNull();
    const third = await timed(() => s.adminAuth.authenticate('nobody', 'x'));
    expect(third.value).toBeNull();
    expect(third.ms).toBeGreaterThanOrEqual(98);
  });

  it('POST /auth/token backs off by source address; a full queue is refused unchecked', async () => {
    const s = load();
    const req = { method: 'POST', url: '/auth/token', socket: { remoteAddress: '::ffff:10.0.0.9' } };
    for (let i = 0; i < 3; i++) {
      const res = new FakeRes();
      await new Promise<void>((next) => s.httpAdminMiddleware(req, res, next));
      res.answer(401);
    }
    const res = new FakeRes();
    const t = await timed(() => new Promise<void>((next) => s.httpAdminMiddleware(req, res, next)));
    expect(t.ms).toBeGreaterThanOrEqual(98);
    // several at once: serialised, and the ones past maxMs are refused without reaching Node-RED
    const burst = Array.from({ length: 4 }, () => new FakeRes());
    for (const r of burst) s.httpAdminMiddleware(req, r, () => {});
    expect(burst.filter((r) => r.body?.includes('too many failed logins')).length).toBeGreaterThan(0);
    // GETs and other routes are never delayed
    await new Promise<void>((next) => s.httpAdminMiddleware({ ...req, method: 'GET' }, new FakeRes(), next));
  });
});
