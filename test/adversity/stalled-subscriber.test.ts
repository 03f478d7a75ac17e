/**
 * A console that stops reading its socket must not delay anyone else's
 * alert (conn-guard.ts). U02's console subscribes to its unit's topics,
 * stops reading, and a technician raises a fixed batch of long custom alerts
 * at U02 (~12 KB each as published) — more than the OS buffers (~4 MB on
 * loopback) and the outbound limit (1 MiB) hold. Meanwhile U01's button is
 * pressed 10 times; U01, U03 and U04's consoles must each get every panic
 * within 1 s of its press. The stalled console is disconnected (not waited
 * on), and when it comes back with its persistent session it gets the panic
 * alerts queued for it. Over TCP with MQTT 3.1.1 and 5, and over WebSocket.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { connectRaw, type RawClient, type Via } from '../support/raw-mqtt.js';
import { until } from '../support/wait.js';

/** Long custom alerts at the stalled console's unit: ~7 MB in all. */
const FLOOD = 600;
const LONG_MESSAGE = '值'.repeat(990);
const PRESSES = 10;

type Alert = { id: string; kind: string; state: string; unit: string };
const alertOf = (m: { json: unknown }): Alert => m.json as Alert;

let gw: RunningGateway;

function floodableSite(): string {
  return `${readFileSync(SMALL_SITE, 'utf8')}\ngateway: { limits: { accountRate: { perSecond: 10000, burst: 10000 } } }\n`;
}
let seq = 9000;
const neighbours: Record<string, { client: MqttClient; inbox: Inbox }> = {};

beforeAll(async () => {
  // the technician's fixed flood of 600 long alerts must pass the per-account input rate (10/s by default)
  gw = await startGateway({ siteYaml: floodableSite() });
  for (const unit of ['U01', 'U03', 'U04']) {
    const c = await connectWithInbox(gw.mqttPort, `${unit}-duty`);
    await subscribe(c.client, `gp/v1/unit/${unit}/#`);
    neighbours[unit] = c;
  }
});
afterAll(async () => {
  await end(...Object.values(neighbours).map((c) => c.client));
  await gw?.stop();
});

async function limitCloses(): Promise<number> {
  const text = await (await fetch(gw.url('/metrics'))).text();
  return text
    .split('\n')
    .filter(
      (l) => l.startsWith('guardpost_mqtt_limit_closes_total{') && l.includes('limit="outbound_buffer"'),
    )
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

const cases: { via: Via; protocolVersion: 4 | 5 }[] = [
  { via: 'tcp', protocolVersion: 4 },
  { via: 'ws', protocolVersion: 4 },
  { via: 'tcp', protocolVersion: 5 },
];

describe('a console that stops reading', () => {
  it.each(cases)(
    'over $via, MQTT v$protocolVersion: the neighbours still get every panic within 1 s',
    async ({ via, protocolVersion }) => {
      const clientId = `U02-duty-stalled-${via}-${protocolVersion}`;
      const ports = { mqtt: gw.mqttPort, ws: gw.wsPort };
      const closesBefore = await limitCloses();

      // the stalled console: persistent session, QoS 1, then it stops reading
      const stalled: RawClient = await connectRaw(ports, 'U02-duty', {
        via,
        protocolVersion,
        clientId,
        clean: false,
      });
      await stalled.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: 'gp/v1/unit/U02/#', qos: 1 }],
      });
      await until('SUBACK', () => stalled.packets.find((p) => p.cmd === 'suback'), 10_000, 10);
      stalled.pause();

      // a fixed batch of long alerts at U02, not awaited: it runs while the button is pressed
      const tech = await connectAs(gw.mqttPort, 'tech1');
      const flood = Promise.all(
        Array.from({ length: FLOOD }, (_, i) =>
          publish(tech, 'gp/v1/ops/alert', {
            unit: 'U02',
            message: `${i} ${LONG_MESSAGE}`,
            severity: 'info',
          }),
        ),
      );

      const button = await connectAs(gw.mqttPort, 'U01-PANIC-1');
      const resolver = neighbours.U01?.client as MqttClient;
      const raisedIds: string[] = [];
      const delays: number[] = [];
      for (let round = 0; round < PRESSES; round++) {
        const isNew = (m: { topic: string; json: unknown }, unit: string): boolean =>
          m.topic === `gp/v1/unit/${unit}/alert` &&
          alertOf(m).kind === 'panic' &&
          alertOf(m).state === 'raised' &&
          !raisedIds.includes(alertOf(m).id);
        const t0 = Date.now();
        const arrivals = Object.entries(neighbours).map(([unit, c]) =>
          c.inbox
            .waitFor((m) => isNew(m, unit), 10_000, `panic ${round + 1} at ${unit}`)
            .then((m) => ({
              id: alertOf(m).id,
              ms: Date.now() - t0,
            })),
        );
        await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: ++seq });
        const got = await Promise.all(arrivals);
        const id = got[0]?.id as string;
        raisedIds.push(id);
        delays.push(...got.map((g) => g.ms));
        // resolved by the origin unit, so the next press raises a new alert
        await publish(resolver, 'gp/v1/unit/U01/resolve', { id });
        await neighbours.U01?.inbox.waitFor(
          (m) =>
            m.topic === 'gp/v1/unit/U01/alert' && alertOf(m).id === id && alertOf(m).state === 'resolved',
          10_000,
          `resolution of ${id}`,
        );
      }
      await flood;
      await end(button, tech);

      expect(Math.max(...delays), `delays ${delays.join(', ')} ms`).toBeLessThanOrEqual(1_000);
      // the stalled console was dropped, not waited on, and counted (it cannot see the
      // close itself while it does not read)
      await until(
        'the stalled console disconnected',
        async () => (await limitCloses()) > closesBefore,
        10_000,
      );
      expect(gw.logs()).toContain(`"clientId":"${clientId}","account":"U02-duty"`);
      stalled.destroy();

      // the flood's alerts resolved (else every reconnect catches them all up at once)
      const open = async (): Promise<Alert[]> => {
        const res = await fetch(gw.url('/api/alerts?state=open&unit=U02&kind=custom'), {
          headers: basicAuth('police-east'),
        });
        return ((await res.json()) as { alerts: Alert[] }).alerts;
      };
      const admin = await connectAs(gw.mqttPort, 'police-east');
      await Promise.all((await open()).map((a) => publish(admin, 'gp/v1/unit/U02/resolve', { id: a.id })));
      await until('every flood alert resolved', async () => (await open()).length === 0, 30_000);
      await end(admin);

      // back with its persistent session: the panic alerts queued for it arrive
      const back = await new Promise<{ client: MqttClient; inbox: Inbox }>((resolve, reject) => {
        const client = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
          username: 'U02-duty',
          password: 'secret',
          clientId,
          clean: false,
          protocolVersion,
          ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
          reconnectPeriod: 0,
        });
        const inbox = new Inbox(client);
        client.once('connect', () => resolve({ client, inbox }));
        client.once('error', reject);
      });
      setTimeout(() => {
        console.log(
          'raised',
          raisedIds,
          'got',
          back.inbox.messages.length,
          back.inbox.messages
            .filter((m) => alertOf(m).kind === 'panic')
            .map((m) => `${alertOf(m).id}:${alertOf(m).state}`)
            .join(' '),
        );
        console.log(
          gw
            .logs()
            .split('\n')
            .filter((l) => /not reading|level":50/.test(l))
            .join('\n')
            .slice(0, 4000),
        );
      }, 8000);
      for (const id of raisedIds) {
        await back.inbox.waitFor(
          (m) => m.topic === 'gp/v1/unit/U02/alert' && alertOf(m).id === id && alertOf(m).state === 'raised',
          30_000,
          `queued alert ${id}`,
        );
      }
      // a clean session next time, so the next case starts from nothing
      await end(back.client);
      const clean = await connectAs(gw.mqttPort, 'U02-duty', 'secret', { clientId, clean: true });
      await end(clean);
      for (const c of Object.values(neighbours)) c.inbox.messages.length = 0;
    },
  );
});
