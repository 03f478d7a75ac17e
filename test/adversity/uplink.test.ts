/**
 * The city uplink under adversity (integrations.md §2; nothing may delay a
 * panic): a real district gateway forwarding to a real Mosquitto.
 *
 * - The city broker is black-holed (SIGSTOP: connections stay open, nothing
 *   is read or acknowledged) while 3,000 events are journaled: a local
 *   panic still reaches the unit's console within 1 s, the publishes
 *   awaiting PUBACK never exceed the window, the link gives up on the
 *   silent broker after `ackTimeout`, and once the broker is back the
 *   backlog drains to zero.
 * - A hostile city: a 1 MB command, malformed JSON, an unknown unit, unknown
 *   commands, a flood of 40 custom alerts: the big one never reaches the
 *   gateway (MQTT 5 Maximum Packet Size), the rest are refused or throttled
 *   (at most 10 applied), the link stays up, forwarding goes on and a panic
 *   still reaches the console promptly; a retained command replayed by the
 *   broker at the district's next subscribe is refused.
 * - A city broker whose ACL refuses the district's retained directory
 *   (`{prefix}/site`): logged once per connection, forwarding goes on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../gateway/src/topics.js';
import {
  CITY_USER,
  cityWall,
  districtUser,
  type RunningCity,
  startCity,
  uplinkHealth,
} from '../support/city.js';
import type { RunningGateway } from '../support/gateway.js';
import type { RunningMosquitto } from '../support/mosquitto.js';
import { connectAs, end, Inbox } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const D = 'dist-x';
const WINDOW = 20;

let cityTier: RunningCity;
let broker: RunningMosquitto;
let gw: RunningGateway;
let duty: MqttClient;
let dutyInbox: Inbox;

beforeAll(async () => {
  cityTier = await startCity([
    { id: D, uplink: { accept: ['rollcall', 'alert'], window: WINDOW, ackTimeout: '2s' } },
  ]);
  broker = cityTier.broker;
  gw = cityTier.gateways[0] as RunningGateway;
  duty = await connectAs(gw.mqttPort, 'U01-duty', 'secret', { clean: false, clientId: 'U01-duty-adv' });
  dutyInbox = new Inbox(duty);
  await duty.subscribeAsync(topics.unitFilter('U01'), { qos: 1 });
}, 60_000);

afterAll(async () => {
  await end(duty);
  await cityTier?.stop();
});

/** Press `unit`'s panic (east zone) and resolve with the ms until U01's console (its neighbour) has it. */
async function panicLatency(unit: 'U01' | 'U02' | 'U03'): Promise<number> {
  const device = `${unit}-PANIC-1`;
  const button = await connectAs(gw.mqttPort, device);
  try {
    const before = dutyInbox.messages.length;
    const t0 = Date.now();
    await button.publishAsync(topics.device(device, 'panic'), '{"state":"pressed","seq":1}', { qos: 1 });
    await dutyInbox.waitFor(
      (m) =>
        dutyInbox.messages.indexOf(m) >= before &&
        m.topic === topics.unitAlert('U01') &&
        (m.json as { kind?: string; unit?: string }).kind === 'panic' &&
        (m.json as { unit?: string }).unit === unit,
      5000,
      `panic of ${unit} at the console`,
    );
    return Date.now() - t0;
  } finally {
    await end(button);
  }
}

describe('city uplink adversity', () => {
  it('a black-holed city broker: panics stay prompt, in-flight stays within the window, the backlog drains after', async () => {
    broker.pause();
    try {
      const wand = await connectAs(gw.mqttPort, 'G001-WAND');
      const acks: Promise<unknown>[] = [];
      for (let seq = 1; seq <= 3000; seq++)
        acks.push(
          wand.publishAsync(topics.device('G001-WAND', 'tap'), JSON.stringify({ uid: '04D1E2F3', seq }), {
            qos: 1,
          }),
        );
      await Promise.all(acks);
      await end(wand);
      const stuck = await until('backlog behind the silent broker', async () => {
        const h = await uplinkHealth(gw);
        return (h.backlog?.entries ?? 0) >= 2900 && h;
      });
      expect(stuck.inFlight ?? 0).toBeLessThanOrEqual(WINDOW);
      expect(await panicLatency('U01')).toBeLessThan(1000);
      const gaveUp = await until('the link gives up on the silent broker', async () => {
        const h = await uplinkHealth(gw);
        return /no PUBACK/.test(h.lastError ?? '') && h;
      });
      expect(gaveUp.inFlight ?? 0).toBeLessThanOrEqual(WINDOW);
    } finally {
      broker.resume();
    }
    const drained = await until(
      'backlog drained',
      async () => {
        const h = await uplinkHealth(gw);
        return h.backlog?.entries === 0 && h;
      },
      60_000,
    );
    expect(drained).toMatchObject({ connected: true, inFlight: 0 });
  }, 120_000);

  it('a hostile city cannot hurt the gateway: huge, malformed, retained, unknown and flooded commands', async () => {
    const { client: city, inbox } = await cityWall(broker.port, 'city-hostile');
    try {
      const prefix = `city/v1/site/${D}`;
      const zero = { applied: 0, refused: 0, throttled: 0 };
      const before = (await uplinkHealth(gw)).downstream ?? zero;
      await city.publishAsync(`${prefix}/ops/rollcall`, Buffer.alloc(1024 * 1024, 0x7b), { qos: 1 });
      await city.publishAsync(`${prefix}/ops/rollcall`, '{"unit": "U02", "window_s": ', { qos: 1 });
      await city.publishAsync(`${prefix}/ops/rollcall`, '{"unit":"NOPE"}', { qos: 1 });
      await city.publishAsync(`${prefix}/ops/alert`, '{"unit":"U02","message":"retained"}', {
        qos: 1,
        retain: true,
      });
      await city.publishAsync(`${prefix}/ops/clock`, '{"confirm":true}', { qos: 1 });
      await city.publishAsync(`${prefix}/ops/a/b/c`, '[]', { qos: 1 });
      const flood: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++)
        flood.push(
          city.publishAsync(`${prefix}/ops/alert`, JSON.stringify({ unit: 'U11', message: `flood ${i}` }), {
            qos: 1,
          }),
        );
      await Promise.all(flood);
      // 4 refused, 41 alerts (the retained one arrives live): at most 10 applied, the rest throttled; the 1 MB
      // one is never delivered
      const h = await until('every command judged', async () => {
        const v = await uplinkHealth(gw);
        const d = v.downstream ?? zero;
        const n = d.applied + d.refused + d.throttled - before.applied - before.refused - before.throttled;
        return n >= 45 && v;
      });
      const d = h.downstream ?? zero;
      expect(d.refused - before.refused).toBe(4);
      expect(d.applied - before.applied).toBeGreaterThanOrEqual(1);
      expect(d.applied - before.applied).toBeLessThanOrEqual(10);
      expect(d.throttled - before.throttled).toBeGreaterThanOrEqual(31);
      expect(h.connected).toBe(true);
      expect(gw.logs()).toContain('unknown command');
      // the district still works and still forwards
      expect(await panicLatency('U02')).toBeLessThan(1000);
      await inbox.waitFor(
        (m) => m.topic === `${prefix}/alert/east/U02` && (m.json as { kind?: string }).kind === 'panic',
        5000,
        'forwarding goes on',
      );
      expect((await fetch(gw.url('/healthz'))).status).toBe(200);
      // a live publish with the retain flag reaches subscribers as a live command; the broker then replays it on
      // every subscribe (every reconnect of the district): that replay is refused
      const judged = (await uplinkHealth(gw)).downstream ?? zero;
      await broker.stop();
      await broker.start();
      const replayed = await until(
        'the retained replay refused',
        async () => {
          const v = (await uplinkHealth(gw)).downstream;
          return v !== undefined && v.refused > judged.refused && v;
        },
        20_000,
      );
      expect(replayed.applied).toBe(judged.applied);
      await city.publishAsync(`${prefix}/ops/alert`, '', { qos: 1, retain: true });
    } finally {
      await end(city);
    }
  }, 60_000);
});

describe('city uplink adversity: a city broker that refuses the directory', () => {
  it('an ACL without the {prefix}/site line: the refusal is logged, alerts and events still go up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-acl-'));
    const acl = join(dir, 'acl');
    const d = 'dist-noacl';
    // the district may write its alerts and events, not its directory; the wall reads everything
    writeFileSync(
      acl,
      [
        `user ${districtUser(d)}`,
        `topic write city/v1/site/${d}/alert/#`,
        `topic write city/v1/site/${d}/events/#`,
        `user ${CITY_USER}`,
        'topic read city/v1/site/#',
        '',
      ].join('\n'),
    );
    const tier = await startCity([d], { mosquitto: { extra: [`acl_file ${acl}`] } });
    const { client: wall, inbox: walled } = await cityWall(tier.broker.port, 'city-wall-acl');
    try {
      const g = tier.gateways[0] as RunningGateway;
      await until('the refusal logged', () => g.logs().includes('refused the district directory'), 10_000);
      const button = await connectAs(g.mqttPort, 'U01-PANIC-1');
      await button.publishAsync(topics.device('U01-PANIC-1', 'panic'), '{"state":"pressed","seq":1}', {
        qos: 1,
      });
      await end(button);
      await walled.waitFor(
        (m) =>
          m.topic === `city/v1/site/${d}/alert/east/U01` && (m.json as { kind?: string }).kind === 'panic',
        5000,
        'the panic at the city',
      );
      expect(walled.messages.some((m) => m.topic.endsWith('/site'))).toBe(false);
      const h = await until('drained', async () => {
        const v = await uplinkHealth(g);
        return v.backlog?.entries === 0 && v;
      });
      expect(h).toMatchObject({ connected: true, inFlight: 0 });
    } finally {
      await end(wall);
      await tier.stop();
    }
  });
});
