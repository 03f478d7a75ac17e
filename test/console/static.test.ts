import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';
import { createConsoleExtension, defaultMqttBrowserPath } from '../../gateway/src/console/extension.js';
import { basic, type Harness, host, rawGet } from './harness.js';

const SITE = new URL('../fixtures/small-site.yaml', import.meta.url).pathname;

function site(): Site {
  const r = loadSite(SITE);
  if (!r.ok) throw new Error('fixture site does not load');
  return r.site;
}

describe('console extension: static page, mqtt.js, config.json', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await host(createConsoleExtension(), site(), { wsPort: 18083 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('redirects / and /console to /console/', async () => {
    const root = await rawGet(h.port, '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const bare = await rawGet(h.port, '/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');
  });

  it('serves the page files with their content types and a CSP', async () => {
    const index = await rawGet(h.port, '/console/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<script src="vendor/mqtt.min.js"></script>');
    expect(index.body).toContain('id="panic-overlay"');
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    for (const [file, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['i18n.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
    ] as const) {
      const r = await rawGet(h.port, `/console/${file}`);
      expect(r.status, file).toBe(200);
      expect(r.headers['content-type'], file).toBe(type);
      expect(r.body).toBe(
        readFileSync(new URL(`../../gateway/console-web/${file}`, import.meta.url), 'utf8'),
      );
    }
    expect((await rawGet(h.port, '/console/nope.js')).status).toBe(404);
  });

  it('serves the browser build of mqtt.js from node_modules', async () => {
    const path = defaultMqttBrowserPath();
    expect(path).toMatch(/mqtt\/dist\/mqtt\.min\.js$/);
    const r = await rawGet(h.port, '/console/vendor/mqtt.min.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(r.headers['content-length'])).toBe(statSync(path as string).size);
  });

  it('serves an icon at /favicon.ico', async () => {
    const r = await rawGet(h.port, '/favicon.ico');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/svg+xml');
    expect(r.body).toContain('<svg');
  });

  it('answers a malformed %-escape with 400, not 500', async () => {
    for (const path of ['/console/%E0%A4%A', '/console/%zz', '/console/%']) {
      const r = await rawGet(h.port, path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toContain('malformed URL');
    }
  });

  it('never leaves the page directory', async () => {
    for (const path of [
      '/console/..%2f..%2fpackage.json',
      '/console/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/console/..%5c..%5cpackage.json',
      '/console/vendor/..%2f..%2f..%2fpackage.json',
      '/console/%2fetc%2fpasswd',
      '/console/.%2e/src/console/extension.ts',
      '/console/.hidden',
      '/console/%00index.html',
    ]) {
      const r = await rawGet(h.port, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body, path).not.toContain('"name": "guardpost"');
      expect(r.body, path).not.toContain('root:');
    }
  });

  it('config.json needs a console or operator account and tells a console its unit, zone and topics', async () => {
    const none = await rawGet(h.port, '/console/config.json');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBeUndefined();
    expect((await rawGet(h.port, '/console/config.json', basic('U02-duty', 'wrong'))).status).toBe(401);
    expect((await rawGet(h.port, '/console/config.json', basic('U02-PANIC-1'))).status).toBe(401);

    const r = await rawGet(h.port, '/console/config.json', basic('U02-duty'));
    expect(r.status).toBe(200);
    const cfg = JSON.parse(r.body);
    expect(cfg.wsPort).toBe(18083);
    expect(cfg.wsPath).toBe('/');
    expect(cfg.account).toEqual({
      id: 'U02-duty',
      kind: 'console',
      role: 'console',
      unit: 'U02',
      zone: 'east',
      name: null,
      canAck: true,
    });
    expect(cfg.topics.subscribe).toEqual(['gp/v1/unit/U02/#', 'gp/v1/zone/east/#']);
    expect(cfg.topics.ack).toEqual({ U02: 'gp/v1/unit/U02/ack' });
    expect(cfg.topics.resolve).toEqual({ U02: 'gp/v1/unit/U02/resolve' });
    expect(cfg.topics.take).toEqual({ U02: 'gp/v1/unit/U02/take' });
    expect(cfg.topics.view).toEqual({ U02: 'gp/v1/unit/U02/view' });
    expect(cfg.topics.checklist).toEqual({ U02: 'gp/v1/unit/U02/checklist' });
    expect(cfg.consoles).toContainEqual({ id: 'U03-duty', unit: 'U03', name: null });
    expect(cfg.site.units).toContainEqual({
      id: 'U04',
      name: '天地名城',
      zone: 'east',
      kind: 'residential',
      neighbours: ['U01'],
      phone: null,
      address: null,
    });
    expect(cfg.site.devices).toContainEqual({
      id: 'U02-PANIC-1',
      kind: 'panic',
      unit: 'U02',
      checkpoint: null,
      heartbeat: '60s',
      location: null,
    });
    expect(cfg.site.guards).toContainEqual({ id: 'G001', name: '李大爷', unit: 'U02' });
    expect(cfg.site.zones.map((z: { id: string }) => z.id)).toEqual(['east', 'west']);
    expect(r.body).not.toContain('scrypt$');
  });

  it('an admin may act on every unit, a technician on none', async () => {
    const admin = JSON.parse((await rawGet(h.port, '/console/config.json', basic('police-east'))).body);
    expect(admin.account).toMatchObject({ kind: 'operator', role: 'admin', unit: null, canAck: true });
    expect(Object.keys(admin.topics.ack).sort()).toEqual(['U01', 'U02', 'U03', 'U04', 'U11', 'U12']);
    expect(admin.topics.subscribe).toContain('gp/v1/unit/+/alert');
    const tech = JSON.parse((await rawGet(h.port, '/console/config.json', basic('tech1'))).body);
    expect(tech.account).toMatchObject({ role: 'technician', canAck: false });
    expect(tech.topics.ack).toEqual({});
  });
});
