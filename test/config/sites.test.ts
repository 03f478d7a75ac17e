/** The committed site configs load cleanly; the demo mirrors the Yanghe report. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, generateDemoSite } from '../../gateway/demo/generate.js';
import { verifyPassword } from '../../gateway/src/auth/password.js';
import { loadSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';

const DEMO = 'gateway/demo/site.yaml';

function load(path: string): Site {
  const r = loadSite(path);
  if (!r.ok)
    throw new Error(`${path} has problems:\n${r.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return r.site;
}

describe('test/fixtures/small-site.yaml', () => {
  it('loads with no problems; its two hash-less devices are flagged as serial-only', () => {
    const r = loadSite('test/fixtures/small-site.yaml');
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual(['devices[8]', 'devices[9]']);
    const site = load('test/fixtures/small-site.yaml');
    expect(site.id).toBe('testsite');
    expect(site.units.size).toBe(6);
  });
});

describe('the demo site', () => {
  const r = loadSite(DEMO);

  it('loads with no problems and no warnings', () => {
    expect(r.ok ? [] : r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('has 5 zones, 37 units (14 organisations + 23 residential compounds) and 207 guards', () => {
    const site = load(DEMO);
    expect(site.id).toBe('yanghe');
    expect(site.config.site.name).toBe('洋河新区');
    expect(site.timezone).toBe('Asia/Shanghai');
    expect([...site.zones.keys()]).toEqual(['east', 'west', 'south', 'north', 'central']);
    expect([...site.zones.values()].map((z) => z.name)).toEqual([
      '东片区',
      '西片区',
      '南片区',
      '北片区',
      '中片区',
    ]);
    const units = site.config.units;
    expect(units.length).toBe(37);
    expect(units.filter((u) => u.kind === 'residential').length).toBe(23);
    expect(units.filter((u) => u.kind !== 'residential').length).toBe(14);
    expect(new Set(units.filter((u) => u.kind !== 'residential').map((u) => u.kind))).toEqual(
      new Set(['government', 'school', 'enterprise', 'commercial']),
    );
    expect(site.guards.size).toBe(207);
    expect(site.guardByCard.size).toBe(207);
    for (const g of site.config.guards) expect(g.card).toMatch(/^[0-9A-F]{14}$/);
    const licensed = site.config.guards.filter((g) => g.licensed).length / 207;
    expect(licensed).toBeGreaterThan(0.5);
    expect(licensed).toBeLessThan(0.7);
  });

  it('every zone: 30 s ack timeout, escalation to the police accounts, a lead unit of its own', () => {
    const site = load(DEMO);
    for (const z of site.zones.values()) {
      expect(z.ackTimeout).toBe('30s');
      expect(z.escalation).toEqual(['police-yanghe', 'patrol-brigade']);
      expect(z.lead && site.units.get(z.lead)?.zone).toBe(z.id);
      const wand = site.devices.get(`${z.lead}-WAND-1`);
      expect(wand?.kind).toBe('reader');
      expect(wand?.checkpoint).toBeUndefined();
      expect(wand?.guard && site.guards.get(wand.guard)?.unit).toBe(z.lead);
    }
    expect([...site.config.operators.map((o) => [o.id, o.role])]).toEqual([
      ['police-yanghe', 'admin'],
      ['patrol-brigade', 'admin'],
      ['tech1', 'technician'],
    ]);
  });

  it('every unit: 2-3 checkpoints, a panic button, a roll-call terminal, a fixed reader and a console', () => {
    const site = load(DEMO);
    for (const u of site.units.values()) {
      const cps = site.config.checkpoints.filter((c) => c.unit === u.id);
      expect(cps.length).toBeGreaterThanOrEqual(2);
      expect(cps.length).toBeLessThanOrEqual(3);
      expect(site.devices.get(`${u.id}-PANIC-1`)).toMatchObject({
        kind: 'panic',
        unit: u.id,
        heartbeat: '60s',
      });
      expect(site.devices.get(`${u.id}-RC-1`)).toMatchObject({ kind: 'rollcall', unit: u.id });
      const reader = site.devices.get(`${u.id}-READER-1`);
      expect(reader?.kind).toBe('reader');
      expect(cps.map((c) => c.id)).toContain(reader?.checkpoint);
      expect(site.accounts.get(`${u.id}-duty`)?.kind).toBe('console');
    }
    expect(site.checkpointByTag.size).toBe(site.checkpoints.size);
    expect(site.config.serial).toEqual([]);
    expect(site.config.rollcall).toEqual({ at: ['22:00'], window: '2m' });
  });

  it('per zone a joint patrol through one checkpoint of every unit and a night flag patrol', () => {
    const site = load(DEMO);
    for (const z of site.zones.values()) {
      const units = site.unitsOfZone(z.id).map((u) => u.id);
      const joint = site.routes.get(`${z.id}-joint`);
      expect(joint).toMatchObject({ zone: z.id, joint: true, maxDuration: '60m' });
      expect(joint?.schedule?.every).toBe('24h');
      expect(joint?.checkpoints.map((c) => site.checkpoints.get(c)?.unit)).toEqual(units);
      const night = site.routes.get(`${z.id}-night`);
      expect(night?.schedule).toEqual({ every: '2h', between: '20:00-06:00', grace: '10m' });
    }
  });

  it('every account logs in with the demo password', async () => {
    const site = load(DEMO);
    const hashes = new Set([...site.accounts.values()].map((a) => a.passwordHash));
    expect(site.accounts.size).toBe(116 + 37 + 3);
    expect(hashes.size).toBe(1);
    const [hash] = [...hashes];
    expect(await verifyPassword(DEMO_PASSWORD, hash ?? '')).toBe(true);
    expect(await verifyPassword('wrong', hash ?? '')).toBe(false);
  });

  it('is exactly what the generator produces (regenerate after editing generate.ts)', () => {
    const committed = readFileSync(DEMO, 'utf8');
    const hash = /&demo-password "([^"]+)"/.exec(committed)?.[1] ?? '';
    expect(generateDemoSite(hash)).toBe(committed);
  });
});
