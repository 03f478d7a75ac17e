/**
 * The district scenario end to end: a real gateway (child process) on the
 * short-timed scenario site, every device simulated over MQTT; every alert
 * the plan expects must be raised by the gateway and seen on gp/v1/#.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoSitePath,
  formatSummary,
  loadScenarioSite,
  matchAlerts,
  planScenario,
  QUICK,
  runScenario,
} from '../../simulators/scenario/index.js';
import { ROOT, type RunningGateway, startGateway } from '../support/gateway.js';

const CONFIG = join(ROOT, 'test', 'fixtures', 'scenario-site.yaml');
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway({ configPath: CONFIG });
});
afterAll(async () => {
  await gw?.stop();
});

describe('district scenario against the gateway', () => {
  it('every planned alert is raised: panics, late and skipped rounds, roll-call absentees, the silent device', async () => {
    const site = loadScenarioSite(CONFIG);
    const plan = planScenario(site, { ...QUICK, seed: 11 });
    const kinds = new Set(plan.expected.map((e) => e.kind));
    expect([...kinds].sort()).toEqual([
      'device_offline',
      'panic',
      'patrol_late',
      'patrol_missed',
      'rollcall_absent',
    ]);

    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const result = await runScenario(site, plan, { url, password: 'secret', resolve: true });
    const summary = formatSummary(plan, result);
    expect(result.errors, summary).toEqual([]);
    expect(result.missing, `${summary}\n${gw.logs().slice(-3000)}`).toEqual([]);
    // planned ⊆ seen, by kind + unit
    const seen = result.seen.map((a) => `${a.kind}@${a.unit}`);
    for (const e of plan.expected) expect(seen).toContain(`${e.kind}@${e.unit}`);
    const taps = plan.actions.filter((a) => a.type === 'tap').length;
    expect(result.sent.tap).toBe(taps);
    expect(result.sent.panic).toBe(plan.actions.filter((a) => a.type === 'panic').length);
    expect(result.sent.rollcall).toBeGreaterThan(0);
    expect(result.sent.ops).toBe(1);
    expect(summary).toMatch(/missing: none/);
    // resolve: the alerts it caused are resolved, so the same night plays again (new seqs, no duplicates)
    const caused = matchAlerts(plan.expected, result.seen).matched.map((m) => m.seen);
    expect(caused.map((a) => a.state)).toEqual(caused.map(() => 'resolved'));
    const again = await runScenario(site, plan, { url, password: 'secret' });
    expect(again.missing, formatSummary(plan, again)).toEqual([]);
  }, 120_000);
});

describe("district scenario at the demo site's full scale", () => {
  it('116 devices connect; panics and the roll call of 207 guards raise every planned alert', async () => {
    const demo = await startGateway({ configPath: demoSitePath() });
    try {
      const site = loadScenarioSite(demoSitePath());
      // no routes (the demo's tours last 40–60 real minutes), a 20 s budget: panics and the roll call
      const plan = planScenario(site, { seed: 3, speed: 3600, routes: 0, durationMs: 20_000 });
      expect(plan.devices).toHaveLength(site.config.devices.length);
      expect(plan.expected.some((e) => e.kind === 'rollcall_absent')).toBe(true);
      expect(plan.expected.some((e) => e.kind === 'panic')).toBe(true);
      const result = await runScenario(site, plan, {
        url: `mqtt://127.0.0.1:${demo.mqttPort}`,
        password: 'guardpost-demo',
      });
      const summary = formatSummary(plan, result);
      expect(result.errors, summary).toEqual([]);
      expect(result.missing, summary).toEqual([]);
      expect(result.sent.status).toBe(site.config.devices.length);
      const answers = plan.actions.flatMap((a) =>
        a.type === 'rollcall' ? Object.values(a.answers).flat() : [],
      );
      expect(result.sent.rollcall).toBe(answers.length);
    } finally {
      await demo.stop();
    }
  }, 120_000);
});
