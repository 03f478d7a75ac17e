/**
 * A device publishing beside its five data topics (`…/panic/`, `…//panic`,
 * `…/panic/x`, `…/foo`) or retaining what it may not, against the real
 * gateway over TCP, MQTT 3.1.1 and 5: never acknowledged and dropped unseen.
 * Either the publish is refused (the connection closed before any PUBACK) or
 * a reject appears on gp/v1/gateway/rejects; and an admin subscribed to `#`
 * is never delivered the raw publish (device data reaches subscribers only
 * as the gateway's event; a device's status is the one raw topic).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { closed, connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => (typeof m.json === 'object' && m.json ? (m.json as Json) : {});

let gw: RunningGateway;
/** An admin on `#`: sees every delivery the broker makes, rejects included. */
let admin: { client: MqttClient; inbox: Inbox };
let seq = 9000;

beforeAll(async () => {
  gw = await startGateway();
  admin = await connectWithInbox(gw.mqttPort, 'police-east');
  await subscribe(admin.client, '#');
});
afterAll(async () => {
  await end(admin?.client);
  await gw?.stop();
});

type Outcome = 'acked' | 'closed';
/** Publish and report whether the gateway acknowledged it or closed the connection first. */
function attempt(
  client: MqttClient,
  topic: string,
  body: string,
  qos: 0 | 1,
  retain = false,
): Promise<Outcome> {
  const gone = closed(client, 10_000).then((c): Outcome | 'timeout' => (c ? 'closed' : 'timeout'));
  const sent = new Promise<Outcome | 'failed'>((resolve) =>
    client.publish(topic, body, { qos, retain }, (err) => resolve(err ? 'failed' : 'acked')),
  );
  // QoS 0 has no acknowledgement: only a close (or its absence) says anything
  const outcome = qos === 0 ? gone : Promise.race([sent, gone]);
  return outcome.then((o) => {
    if (o === 'failed') return gone.then((g) => (g === 'closed' ? 'closed' : 'acked'));
    if (o === 'timeout') return 'acked'; // still connected: treat as taken
    return o;
  });
}

/** A later event the admin must see proves its inbox is current. */
async function marker(): Promise<void> {
  const reader = await connectAs(gw.mqttPort, 'G001-WAND');
  const n = ++seq;
  await publish(reader, 'gp/v1/dev/G001-WAND/heartbeat', { battery: 50, seq: n });
  await admin.inbox.waitFor((m) => m.topic.startsWith('gp/v1/events/heartbeat/') && json(m).seq === n);
  await end(reader);
}

/** The one rule: a refused publish closes the connection; an acknowledged one was reported. */
async function expectNeverSilentlyDropped(outcome: Outcome, topic: string): Promise<void> {
  if (outcome === 'acked') {
    await admin.inbox.waitFor(
      (m) => m.topic === 'gp/v1/gateway/rejects' && json(m).topic === topic,
      10_000,
      `a reject for ${topic}`,
    );
  } else {
    expect(outcome).toBe('closed');
  }
  await marker();
  expect(admin.inbox.messages.filter((m) => m.topic === topic)).toHaveLength(0);
}

const ODD = [
  'gp/v1/dev/U02-PANIC-1/panic/',
  'gp/v1/dev/U02-PANIC-1//panic',
  'gp/v1/dev/U02-PANIC-1/panic/x',
  'gp/v1/dev/U02-PANIC-1/foo',
];

describe('odd device sub-topics', () => {
  it.each(ODD)('QoS 1 to %s is never acknowledged and dropped, nor forwarded', async (topic) => {
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    d.on('error', () => undefined);
    const outcome = await attempt(d, topic, JSON.stringify({ state: 'pressed', seq: ++seq }), 1);
    await expectNeverSilentlyDropped(outcome, topic);
    await end(d);
  });

  it('QoS 0 to an odd topic is refused or reported, never forwarded', async () => {
    const topic = 'gp/v1/dev/U02-PANIC-1/foo';
    const rejectsFor = (): number =>
      admin.inbox.messages.filter((m) => m.topic === 'gp/v1/gateway/rejects' && json(m).topic === topic)
        .length;
    const before = rejectsFor();
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    d.on('error', () => undefined);
    const outcome = await attempt(d, topic, '{"seq":1}', 0);
    // this very publish must be reported when it was not refused (an earlier test reported the same topic)
    if (outcome === 'acked') await until('a reject for this QoS 0 publish', () => rejectsFor() > before);
    await expectNeverSilentlyDropped(outcome, topic);
    await end(d);
  });

  it('an MQTT 5 device gets DISCONNECT 0x87 (or a reject) for an odd topic', async () => {
    const topic = 'gp/v1/dev/U03-PANIC-1/panic/';
    const d = await new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
        protocolVersion: 5,
        username: 'U03-PANIC-1',
        password: 'secret',
        clientId: `U03-PANIC-1-v5-${seq}`,
        reconnectPeriod: 0,
      });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    d.on('error', () => undefined);
    const reason = new Promise<number | undefined>((r) => d.once('disconnect', (p) => r(p.reasonCode)));
    const outcome = await attempt(d, topic, JSON.stringify({ state: 'pressed', seq: ++seq }), 1);
    if (outcome === 'closed') expect(await reason).toBe(0x87);
    await expectNeverSilentlyDropped(outcome, topic);
    await end(d);
  });
});

describe('retained device publishes', () => {
  it('a retained tap is refused or reported, not stored, not forwarded', async () => {
    const topic = 'gp/v1/dev/U02-READER-1/tap';
    const d = await connectAs(gw.mqttPort, 'U02-READER-1');
    d.on('error', () => undefined);
    const outcome = await attempt(d, topic, JSON.stringify({ uid: '04A1B2C3D4E5F6', seq: ++seq }), 1, true);
    await expectNeverSilentlyDropped(outcome, topic);
    await end(d);
    // a late subscriber gets no retained tap; the retained status it asks for next proves it looked
    const status = await connectAs(gw.mqttPort, 'U11-PANIC-1');
    await publish(status, 'gp/v1/dev/U11-PANIC-1/status', 'online', 1, true);
    await end(status);
    const late = await connectWithInbox(gw.mqttPort, 'police-west');
    await subscribe(late.client, topic);
    await subscribe(late.client, 'gp/v1/dev/U11-PANIC-1/status');
    await late.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U11-PANIC-1/status');
    expect(late.inbox.messages.filter((m) => m.topic === topic)).toHaveLength(0);
    await end(late.client);
  });

  it("a device's retained status (its will) is stored and delivered as published", async () => {
    const d = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    expect(await attempt(d, 'gp/v1/dev/U01-PANIC-1/status', 'online', 1, true)).toBe('acked');
    await admin.inbox.waitFor(
      (m) => m.topic === 'gp/v1/dev/U01-PANIC-1/status' && m.payload.toString() === 'online',
    );
    await end(d);
  });

  it('a status that is not online/offline is reported, not stored, not forwarded', async () => {
    const topic = 'gp/v1/dev/U03-PANIC-1/status';
    const d = await connectAs(gw.mqttPort, 'U03-PANIC-1');
    const outcome = await attempt(d, topic, 'pwned', 1, true);
    await expectNeverSilentlyDropped(outcome, topic);
    await end(d);
    const late = await connectWithInbox(gw.mqttPort, 'police-west');
    await subscribe(late.client, topic);
    await subscribe(late.client, 'gp/v1/dev/U01-PANIC-1/status');
    await late.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U01-PANIC-1/status');
    expect(late.inbox.messages.filter((m) => m.topic === topic)).toHaveLength(0);
    await end(late.client);
  });
});

describe('device data reaches subscribers as the gateway event only', () => {
  it('a valid tap and a bad panic are not delivered raw; the tap comes back as an event', async () => {
    const reader = await connectAs(gw.mqttPort, 'U02-READER-1');
    const n = ++seq;
    await publish(reader, 'gp/v1/dev/U02-READER-1/tap', { uid: '04A1B2C3D4E5F6', seq: n });
    await admin.inbox.waitFor((m) => m.topic.startsWith('gp/v1/events/tap/') && json(m).seq === n);
    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'exploded', seq: ++seq });
    await admin.inbox.waitFor(
      (m) => m.topic === 'gp/v1/gateway/rejects' && json(m).topic === 'gp/v1/dev/U02-PANIC-1/panic',
    );
    await marker();
    expect(admin.inbox.messages.filter((m) => m.topic === 'gp/v1/dev/U02-READER-1/tap')).toHaveLength(0);
    expect(admin.inbox.messages.filter((m) => m.topic === 'gp/v1/dev/U02-PANIC-1/panic')).toHaveLength(0);
    await end(reader, button);
  });
});
