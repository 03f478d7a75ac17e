/**
 * What the broker delivers, against the real gateway over TCP: a rejected
 * ack or ops payload is seen by no other console or operator; a retained
 * message never carries a console's input or a forged alert to a console; a
 * console that resumes a session another account made is not handed that
 * account's queued alerts (refused at CONNECT, or dropped on delivery).
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { closed, connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => (typeof m.json === 'object' && m.json ? (m.json as Json) : {});

let gw: RunningGateway;
let admin: MqttClient;
let n = 0;

beforeAll(async () => {
  gw = await startGateway();
  admin = await connectAs(gw.mqttPort, 'police-east');
});
afterAll(async () => {
  await end(admin);
  await gw?.stop();
});

/** A custom alert to `unit` that `inbox` must see: proves the inbox is current. */
async function marker(unit: string, ...inboxes: Inbox[]): Promise<string> {
  const text = `marker-${++n}-${Date.now()}`;
  await publish(admin, 'gp/v1/ops/alert', { unit, message: text, severity: 'info' });
  for (const inbox of inboxes)
    await inbox.waitFor((m) => m.topic.endsWith('/alert') && String(json(m).message).includes(text));
  return text;
}

/** Publish and say whether the gateway acknowledged it ('acked') or closed the connection first. */
function attempt(
  client: MqttClient,
  topic: string,
  body: string,
  retain: boolean,
): Promise<'acked' | 'closed'> {
  client.on('error', () => undefined);
  return Promise.race([
    new Promise<'acked' | 'closed'>((r) =>
      client.publish(topic, body, { qos: 1, retain }, (err) => r(err ? 'closed' : 'acked')),
    ),
    closed(client, 10_000).then((c) => (c ? ('closed' as const) : ('acked' as const))),
  ]);
}

describe('rejected inputs are delivered to no one', () => {
  it('a bad ack reaches neither the other consoles of the unit nor operators', async () => {
    const sender = await connectWithInbox(gw.mqttPort, 'U02-duty');
    const screen = await connectWithInbox(gw.mqttPort, 'U02-duty');
    const tech = await connectWithInbox(gw.mqttPort, 'tech1');
    await subscribe(sender.client, 'gp/v1/unit/U02/#');
    await subscribe(screen.client, 'gp/v1/unit/U02/#');
    await subscribe(tech.client, 'gp/v1/#');
    const bad = JSON.stringify({ nope: 'not an ack', tag: `bad-${Date.now()}` });
    await publish(sender.client, 'gp/v1/unit/U02/ack', bad);
    await tech.inbox.waitFor(
      (m) => m.topic === 'gp/v1/gateway/rejects' && json(m).topic === 'gp/v1/unit/U02/ack',
      10_000,
      'the reject',
    );
    await marker('U02', screen.inbox, tech.inbox, sender.inbox);
    for (const inbox of [screen.inbox, tech.inbox, sender.inbox])
      expect(inbox.messages.filter((m) => m.topic === 'gp/v1/unit/U02/ack')).toHaveLength(0);
    await end(sender.client, screen.client, tech.client);
  });

  it('a bad ops request from a technician is not seen by other operators', async () => {
    const tech = await connectAs(gw.mqttPort, 'tech1');
    const watcher = await connectWithInbox(gw.mqttPort, 'police-west');
    await subscribe(watcher.client, 'gp/v1/#');
    await publish(tech, 'gp/v1/ops/rollcall', { window_s: -5 });
    await publish(tech, 'gp/v1/ops/no-such-op', { x: 1 });
    await watcher.inbox.waitFor(
      (m) => m.topic === 'gp/v1/gateway/rejects' && json(m).topic === 'gp/v1/ops/no-such-op',
      10_000,
      'the unknown-operation reject',
    );
    await marker('U11', watcher.inbox);
    expect(watcher.inbox.messages.filter((m) => m.topic.startsWith('gp/v1/ops/'))).toHaveLength(0);
    await end(tech, watcher.client);
  });
});

describe('retained messages', () => {
  it("a console's retained ack is not stored for the unit's next console", async () => {
    const sender = await connectAs(gw.mqttPort, 'U03-duty');
    await attempt(sender, 'gp/v1/unit/U03/ack', JSON.stringify({ id: 'A-none' }), true);
    await end(sender);
    const next = await connectWithInbox(gw.mqttPort, 'U03-duty');
    await subscribe(next.client, 'gp/v1/unit/U03/#');
    await marker('U03', next.inbox); // retained messages come right after the SUBACK, long before this
    expect(next.inbox.messages.filter((m) => m.topic === 'gp/v1/unit/U03/ack')).toHaveLength(0);
    await end(next.client);
  });

  it('a retained alert not raised by the gateway never reaches a console', async () => {
    const forger = await connectAs(gw.mqttPort, 'police-west');
    const fake = {
      id: 'A-FORGED',
      kind: 'panic',
      state: 'raised',
      severity: 'critical',
      unit: 'U04',
      zone: 'east',
    };
    await attempt(forger, 'gp/v1/unit/U04/alert', JSON.stringify(fake), true);
    await end(forger);
    const console4 = await connectWithInbox(gw.mqttPort, 'U04-duty');
    await subscribe(console4.client, 'gp/v1/unit/U04/#');
    await marker('U04', console4.inbox);
    expect(console4.inbox.messages.filter((m) => json(m).id === 'A-FORGED')).toHaveLength(0);
    await end(console4.client);
  });
});

describe("another account's session", () => {
  it("a console resuming a session made by another unit's console gets none of its alerts", async () => {
    const clientId = `shared-screen-${Date.now()}`;
    const first = await connectAs(gw.mqttPort, 'U01-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U01/#');
    await end(first);
    const observer = await connectWithInbox(gw.mqttPort, 'U01-duty');
    await subscribe(observer.client, 'gp/v1/unit/U01/#');
    const queued = await marker('U01', observer.inbox); // queued for the U01 session while it is away
    await end(observer.client);
    let other: { client: MqttClient; inbox: Inbox } | null = null;
    try {
      other = await connectWithInbox(gw.mqttPort, 'U02-duty', 'secret', { clientId, clean: false });
    } catch {
      return; // refused at CONNECT (the client id belongs to U01-duty): nothing to leak
    }
    await subscribe(other.client, 'gp/v1/unit/U02/#');
    await marker('U02', other.inbox);
    expect(other.inbox.messages.filter((m) => String(json(m).message).includes(queued))).toHaveLength(0);
    expect(other.inbox.messages.filter((m) => !m.topic.startsWith('gp/v1/unit/U02/'))).toHaveLength(0);
    await end(other.client);
  });
});
