/**
 * MQTT 3.1.1 conformance of the gateway's broker: one test per requirement
 * the Eclipse Paho interoperability suite (client_test.py) checks, plus the
 * gateway's own rules next to them (session ownership, packet size), against
 * the real gateway with mqtt.js (protocolVersion 4) and raw packets.
 */
import type { MqttClient } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../support/gateway.js';
import { closed, connectAs, end, subscribe } from '../../support/mqtt.js';
import { connect5 } from '../../support/mqtt5.js';
import { connectRaw, emptyIdUncleanConnect, openRaw } from '../../support/raw-mqtt.js';
import { until } from '../../support/wait.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await end(...clients);
  await gw?.stop();
});

const ADMIN = 'police-east';
let n = 0;
const fresh = (): string => `conf4/${++n}-${Math.random().toString(16).slice(2, 8)}`;
const ports = (): { mqtt: number; ws: number } => ({ mqtt: gw.mqttPort, ws: gw.wsPort });

/** A 3.1.1 client collecting PUBLISH packets. */
async function v4(opts: Parameters<typeof connectAs>[3] = {}, user = ADMIN) {
  const got: IPublishPacket[] = [];
  const client = await connectAs(gw.mqttPort, user, 'secret', { protocolVersion: 4, ...opts }, (c) =>
    c.on('message', (_t, _p, packet) => got.push(packet)),
  );
  clients.push(client);
  const waitFor = (k: number) => until(`${k} messages`, () => got.length >= k && got, 10_000, 10);
  return { client, got, waitFor };
}
const pub = (c: MqttClient, topic: string, payload: string, qos: 0 | 1 | 2 = 1, retain = false) =>
  new Promise<void>((resolve, reject) =>
    c.publish(topic, payload, { qos, retain }, (err) => (err ? reject(err) : resolve())),
  );
const sub = (c: MqttClient, filter: string | string[], qos: 0 | 1 | 2 = 2) =>
  new Promise<number[]>((resolve, reject) =>
    c.subscribe(filter, { qos }, (err, granted) =>
      err ? reject(err) : resolve((granted ?? []).map((g) => g.qos)),
    ),
  );

describe('Paho client_test.py requirements', () => {
  it('basic: QoS 0, 1 and 2 round trip; a second CONNECT on a connection closes it [MQTT-3.1.0-2]', async () => {
    const t = fresh();
    const a = await v4();
    await sub(a.client, t);
    for (const q of [0, 1, 2] as const) await pub(a.client, t, `qos ${q}`, q);
    const got = await a.waitFor(3);
    expect(got.map((p) => p.qos).sort()).toEqual([0, 1, 2]);
    const raw = await connectRaw(ports(), ADMIN);
    await raw.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'again',
      clean: true,
      keepalive: 0,
    });
    await raw.closed;
  });

  it('retained messages: sent to a new subscriber with retain set; an empty one clears it', async () => {
    const t = fresh();
    const a = await v4();
    for (const q of [0, 1, 2] as const) await pub(a.client, `${t}/q${q}`, `r${q}`, q, true);
    const b = await v4();
    await sub(b.client, `${t}/+`);
    const got = await b.waitFor(3);
    expect(got.every((p) => p.retain)).toBe(true);
    for (const q of [0, 1, 2] as const) await pub(a.client, `${t}/q${q}`, '', 1, true);
    const c = await v4();
    await sub(c.client, `${t}/+`);
    await pub(a.client, `${t}/marker`, 'm');
    await c.waitFor(1);
    expect(c.got.map((p) => p.topic)).toEqual([`${t}/marker`]);
  });

  it('an empty client id: refused (rc 2) with cleanSession 0 [MQTT-3.1.3-8], accepted with 1', async () => {
    const raw = await openRaw(ports());
    await raw.write(emptyIdUncleanConnect(ADMIN));
    const ack = await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
    expect(ack).toMatchObject({ returnCode: 2 });
    const ok = await connectRaw(ports(), ADMIN, { clientId: '' });
    ok.destroy();
  });

  it('offline message queueing: a cleanSession 0 subscriber gets QoS 1/2 sent while it was away', async () => {
    const t = fresh();
    const clientId = `conf4-q-${n}`;
    const a = await v4({ clientId, clean: false });
    await sub(a.client, `${t}/+`);
    await end(a.client);
    const b = await v4();
    for (const q of [0, 1, 2] as const) await pub(b.client, `${t}/m`, `q${q}`, q);
    const back = await v4({ clientId, clean: false });
    const got = await back.waitFor(2);
    expect(got.map((p) => p.payload.toString())).toEqual(expect.arrayContaining(['q1', 'q2']));
    await end(back.client);
    await v4({ clientId, clean: true }); // ends the session
  });

  it('overlapping subscriptions: one message at the highest QoS, or one per subscription', async () => {
    const t = fresh();
    const a = await v4();
    await sub(a.client, `${t}/#`, 2);
    await sub(a.client, `${t}/+`, 1);
    await pub(a.client, `${t}/x`, 'overlap', 2);
    await a.waitFor(1);
    await pub(a.client, `${t}/end`, 'end', 0);
    await until('marker', () => a.got.some((p) => p.topic === `${t}/end`));
    const qos = a.got.filter((p) => p.topic === `${t}/x`).map((p) => p.qos);
    expect([[2], [1, 2], [2, 1]]).toContainEqual(qos);
  });

  it('keepalive: a silent client is disconnected and its will published', async () => {
    const t = fresh();
    const b = await v4();
    await sub(b.client, t);
    const raw = await openRaw(ports());
    await raw.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: `conf4-k-${n}`,
      clean: true,
      keepalive: 1,
      username: ADMIN,
      password: Buffer.from('secret'),
      will: { topic: t, payload: Buffer.from('keepalive expiry'), qos: 1, retain: false },
    });
    await raw.closed; // 1.5 × keepalive without a packet
    const [m] = await b.waitFor(1);
    expect(m?.payload.toString()).toBe('keepalive expiry');
  });

  it('redelivery on reconnect: an unacknowledged QoS 1 message is resent', async () => {
    const t = fresh();
    const clientId = `conf4-r-${n}`;
    const raw = await connectRaw(ports(), ADMIN, { clientId, clean: false });
    await raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 1 }] });
    await until('SUBACK', () => raw.packets.find((p) => p.cmd === 'suback'));
    const b = await v4();
    await pub(b.client, t, 'redeliver me', 1);
    await until('PUBLISH', () => raw.packets.find((p) => p.cmd === 'publish'));
    raw.destroy(); // never acknowledged
    const again = await connectRaw(ports(), ADMIN, { clientId, clean: false });
    const p = await until('resent PUBLISH', () => again.packets.find((x) => x.cmd === 'publish'));
    // aedes does not set DUP on a resend (its issue #601); the Paho test checks the resend only
    expect(p).toMatchObject({ topic: t, qos: 1 });
    again.destroy();
    (await connectRaw(ports(), ADMIN, { clientId, clean: true })).destroy();
  });

  it('subscribe failure: a filter outside the account ACL gets 0x80, the connection stays', async () => {
    const c = await v4({}, 'U02-duty');
    expect(await subscribe(c.client, 'test/nosubscribe')).toEqual([{ topic: 'test/nosubscribe', qos: 0x80 }]);
    expect(c.client.connected).toBe(true);
  });

  it('$ topics are not matched by a leading wildcard [MQTT-4.7.2-1]', async () => {
    const a = await v4();
    await sub(a.client, '#', 0);
    const t = fresh();
    await pub(a.client, t, 'plain', 0);
    await until('plain', () => a.got.some((p) => p.topic === t));
    expect(a.got.filter((p) => p.topic.startsWith('$'))).toHaveLength(0);
  });

  it('unsubscribe: no more messages on the filter, the others still flow', async () => {
    const t = fresh();
    const a = await v4();
    await sub(a.client, [`${t}/a`, `${t}/b`], 1);
    await new Promise<void>((r) => a.client.unsubscribe(`${t}/a`, () => r()));
    await pub(a.client, `${t}/a`, 'gone');
    await pub(a.client, `${t}/b`, 'here');
    await a.waitFor(1);
    expect(a.got.map((p) => p.topic)).toEqual([`${t}/b`]);
  });
});

describe("the gateway's own rules next to them", () => {
  it('a v5 session kept by its expiry stays its account’s: another account cannot take the client id', async () => {
    const clientId = `conf4-own-${n}`;
    const a = await connect5(gw.mqttPort, 'U01-duty', {
      clientId,
      clean: true,
      properties: { sessionExpiryInterval: 60 },
    });
    await a.end();
    await expect(
      connect5(gw.mqttPort, 'U02-duty', {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      }),
    ).rejects.toThrow();
    await expect(connectAs(gw.mqttPort, 'U02-duty', 'secret', { clientId, clean: false })).rejects.toThrow();
  });

  it('a packet over the maximum packet size closes a 3.1.1 connection', async () => {
    const a = await v4();
    a.client.publish(fresh(), Buffer.alloc(64 * 1024), { qos: 0 });
    expect(await closed(a.client)).toBe(true);
  });
});
