/**
 * The living demo: `guardpost start --sim` (what `npm start` runs) on the
 * demo site, with the simulators sped up (GUARDPOST_DEMO_SPEED) so a
 * minute shows what the demo shows in five: every device heartbeating,
 * tours completing inside their limits, a panic acknowledged by a duty
 * room, and never a device_offline alert. The simulators run in a child
 * process: a panic pressed meanwhile still reaches a neighbour at once.
 * The demo site runs with 6 s heartbeat intervals instead of 60 s, so a
 * device that stopped beating would be offline (2 intervals) within the test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import { clockSeq } from '../../simulators/devices/base.js';
import { mqttDevices } from '../../simulators/scenario/plan.js';
import { ROOT, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const DEMO = join(ROOT, 'gateway', 'demo', 'site.yaml');
const PASSWORD = 'guardpost-demo';

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

describe('npm start: the demo with its simulated devices', () => {
  let gw: RunningGateway;
  let watcher: MqttClient;
  let inbox: Inbox;
  const loaded = loadSite(DEMO);
  if (!loaded.ok) throw new Error('demo site invalid');
  const devices = mqttDevices(loaded.site);

  beforeAll(async () => {
    gw = await startGateway({
      siteYaml: readFileSync(DEMO, 'utf8').replaceAll('heartbeat: 60s', 'heartbeat: 6s'),
      args: ['--sim'],
      env: { GUARDPOST_DEMO_SPEED: '120' },
    });
    watcher = await connectAs(gw.mqttPort, 'tech1', PASSWORD);
    inbox = new Inbox(watcher);
    await subscribe(watcher, 'gp/v1/#');
  }, 30_000);
  afterAll(async () => {
    await watcher?.endAsync();
    await gw?.stop();
  });

  it('runs the simulators in a child process, reported in /healthz', async () => {
    const sim = await until(
      'the simulators running',
      async () => {
        const h = rec(await (await fetch(gw.url('/healthz'))).json());
        const s = rec(h.sim);
        return s.state === 'running' ? s : null;
      },
      60_000, // ~7 s on a quiet machine: 116 logins, one scrypt each
    );
    expect(typeof sim.pid).toBe('number');
    expect(sim.pid).not.toBe(gw.pid());
  }, 90_000);

  it('every device heartbeats, tours complete, a panic is acknowledged, no device goes offline', async () => {
    const beating = (): Set<string> =>
      new Set(
        inbox.messages
          .filter((m) => m.topic.startsWith('gp/v1/events/heartbeat/'))
          .map((m) => String(rec(m.json).device)),
      );
    // every device beats at least every 30 s
    await until('a heartbeat from every simulated device', () => beating().size >= devices.size, 40_000, 250);
    expect([...devices].filter((d) => !beating().has(d))).toEqual([]);
    await inbox.waitFor(
      (m) =>
        m.topic.startsWith('gp/v1/patrol/') &&
        (rec(m.json).state === 'completed' || rec(m.json).status === 'completed'),
      30_000,
      'a completed tour',
    );
    await inbox.waitFor(
      (m) =>
        m.topic.endsWith('/alert') && rec(m.json).kind === 'panic' && rec(m.json).state === 'acknowledged',
      // the first simulated panic comes 10–30 s after the district is up (40 min ÷ speed 120, ± half)
      // and its duty room answers 10–18 s after the raise (real seconds): a bound, not a wait
      90_000,
      'a simulated panic acknowledged by a duty room',
    );
    const alerts = inbox.messages.filter((m) => m.topic.endsWith('/alert')).map((m) => rec(m.json));
    expect(alerts.filter((a) => a.kind === 'device_offline')).toEqual([]);
    expect(alerts.filter((a) => a.kind === 'patrol_missed' || a.kind === 'patrol_late')).toEqual([]);
  }, 180_000);

  it('a panic pressed while the district runs reaches a neighbour console within 1 s', async () => {
    const console2 = await connectAs(gw.mqttPort, 'U02-duty', PASSWORD);
    const box = new Inbox(console2);
    await subscribe(console2, 'gp/v1/unit/U02/alert');
    const button = await connectAs(gw.mqttPort, 'U01-PANIC-1', PASSWORD);
    // far from the simulator's own seq counter (clock ms at its start)
    const seq = (clockSeq() + 2_000_000_000) % 4_294_967_296;
    const sent = Date.now();
    await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq });
    await box.waitFor(
      (m) =>
        rec(m.json).device === 'U01-PANIC-1' &&
        rec(m.json).state === 'raised' &&
        Date.parse(String(rec(m.json).raisedAt)) >= sent - 1000,
      5_000,
      'the panic at the neighbour',
    );
    expect(Date.now() - sent).toBeLessThan(1000);
    await button.endAsync();
    await console2.endAsync();
  });
});

describe('npm start with GUARDPOST_DEMO_SIM=0', () => {
  it('runs no simulators', async () => {
    const gw = await startGateway({ configPath: DEMO, args: ['--sim'], env: { GUARDPOST_DEMO_SIM: '0' } });
    try {
      const h = rec(await (await fetch(gw.url('/healthz'))).json());
      expect(h.sim).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });
});
