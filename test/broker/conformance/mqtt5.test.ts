/**
 * MQTT 5 conformance of the gateway's broker: one test per requirement the
 * Eclipse Paho interoperability suite (client_test5.py) checks, against the
 * real gateway, with mqtt.js (protocolVersion 5) and raw packets where
 * mqtt.js cannot express the step. docs/operators.md ("MQTT conformance")
 * lists the Paho tests and the ones excluded.
 */
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../support/gateway.js';
import { connect5, type V5Client } from '../../support/mqtt5.js';
import { connectRaw, emptyIdUncleanConnect, openRaw } from '../../support/raw-mqtt.js';
import { until } from '../../support/wait.js';

let gw: RunningGateway;
const open: V5Client[] = [];
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.end()));
  await gw?.stop();
});

const ADMIN = 'police-east';
let n = 0;
/** A topic prefix of its own for each test. */
const fresh = (): string => `conf5/${++n}-${Math.random().toString(16).slice(2, 8)}`;
const v5 = async (opts: Parameters<typeof connect5>[2] = {}, user = ADMIN): Promise<V5Client> => {
  const c = await connect5(gw.mqttPort, user, opts);
  open.push(c);
  return c;
};
const subscribe = (c: V5Client, topic: string | string[], opts: object = { qos: 2 }, props?: object) =>
  new Promise<number[]>((resolve, reject) =>
    c.client.subscribe(topic, { ...opts, ...(props ? { properties: props } : {}) }, (err, granted) => {
      if (err && !(err as { packet?: unknown }).packet) return reject(err);
      const packet = (err as { packet?: { granted?: number[] } } | null)?.packet;
      resolve(packet?.granted ?? (granted ?? []).map((g) => g.qos));
    }),
  );
const publish = (c: V5Client, topic: string, payload: string, opts: object = {}) =>
  new Promise<void>((resolve, reject) =>
    c.client.publish(topic, payload, { qos: 1, ...opts }, (err) => (err ? reject(err) : resolve())),
  );
/** Waits until `ms` have passed: for protocol timers (expiry, will delay) only. */
const elapse = (ms: number) => {
  const t = Date.now() + ms;
  return until(`${ms} ms`, () => Date.now() >= t, ms + 5_000, 20);
};

describe('CONNACK', () => {
  it('announces what is supported: receive maximum, no topic aliases, no shared subscriptions, subscription ids', async () => {
    const c = await v5();
    expect(c.connack.reasonCode).toBe(0);
    expect(c.connack.properties).toMatchObject({
      receiveMaximum: 1000,
      topicAliasMaximum: 0,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: true,
      retainAvailable: true,
      maximumPacketSize: 64 * 1024,
    });
  });

  it('assigns a client id to an empty one, with cleanStart 0 too (test_zero_length_clientid, test_assigned_clientid)', async () => {
    const c = await v5({ clientId: '' });
    expect(c.connack.reasonCode).toBe(0);
    expect(c.connack.properties?.assignedClientIdentifier).toMatch(/^v5-/);
    // mqtt.js refuses an empty id with cleanStart 0: raw packets
    const raw = await openRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, { protocolVersion: 5 });
    await raw.write(emptyIdUncleanConnect(ADMIN, 5));
    await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
    const ack = raw.packets.find((p) => p.cmd === 'connack');
    expect(ack).toMatchObject({
      reasonCode: 0,
      properties: { assignedClientIdentifier: expect.stringMatching(/^v5-/) },
    });
    raw.destroy();
  });
});

describe('properties pass through (test_user_properties, test_payload_format, test_request_response)', () => {
  it('user properties, payload format, content type, response topic and correlation data reach the subscriber at QoS 0, 1, 2', async () => {
    const t = fresh();
    const sub = await v5();
    await subscribe(sub, `${t}/#`);
    const pub = await v5();
    const properties = {
      userProperties: { a: '2', c: '3' },
      payloadFormatIndicator: true,
      contentType: 'My name',
      responseTopic: `${t}/reply`,
      correlationData: Buffer.from('334'),
    };
    for (const qos of [0, 1, 2]) await publish(pub, `${t}/x`, `q${qos}`, { qos, properties });
    const got = await sub.waitFor(3);
    expect(got.map((p) => p.qos).sort()).toEqual([0, 1, 2]);
    for (const p of got) {
      expect(p.properties).toMatchObject({
        userProperties: { a: '2', c: '3' },
        payloadFormatIndicator: true,
        contentType: 'My name',
        responseTopic: `${t}/reply`,
      });
      expect(Buffer.from(p.properties?.correlationData ?? '').toString()).toBe('334');
    }
  });

  it('a retained message keeps its properties for a later subscriber (test_retained_message)', async () => {
    const t = fresh();
    const pub = await v5();
    await publish(pub, `${t}/r`, 'kept', {
      qos: 1,
      retain: true,
      properties: { userProperties: { a: '2' } },
    });
    const sub = await v5();
    await subscribe(sub, `${t}/+`);
    const [m] = await sub.waitFor(1);
    expect(m?.retain).toBe(true);
    expect(m?.properties?.userProperties).toEqual({ a: '2' });
    await publish(pub, `${t}/r`, '', { qos: 1, retain: true }); // cleared
  });
});

describe('sessions [MQTT-3.1.2-4/5], session expiry (test_offline_message_queueing, test_session_expiry)', () => {
  it('cleanStart 0 with an expiry resumes the session and its queued QoS 1/2 messages', async () => {
    const t = fresh();
    const clientId = `conf5-q-${n}`;
    const a = await v5({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
    expect(a.connack.sessionPresent).toBe(false);
    await subscribe(a, `${t}/#`);
    await a.end();
    const b = await v5();
    for (const qos of [0, 1, 2]) await publish(b, `${t}/m`, `q${qos}`, { qos });
    const back = await v5({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(back.connack.sessionPresent).toBe(true);
    const got = await back.waitFor(2);
    expect(got.map((p) => p.payload.toString())).toEqual(expect.arrayContaining(['q1', 'q2']));
  });

  it('cleanStart 1 discards a stored session, even with an expiry', async () => {
    const clientId = `conf5-c-${n}`;
    const a = await v5({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
    await subscribe(a, `${fresh()}/#`);
    await a.end();
    const b = await v5({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
    expect(b.connack.sessionPresent).toBe(false);
    await b.end();
    const c = await v5({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(c.connack.sessionPresent).toBe(false); // b subscribed to nothing: an empty session
  });

  it('expiry 0 ends the session with the connection; cleanStart 0 then finds none', async () => {
    const clientId = `conf5-z-${n}`;
    const a = await v5({ clientId, clean: true });
    await subscribe(a, `${fresh()}/#`);
    await a.end();
    const b = await v5({ clientId, clean: false });
    expect(b.connack.sessionPresent).toBe(false);
  });

  it('the expiry is enforced, and a DISCONNECT can change it (to 0: the session ends at once)', async () => {
    const clientId = `conf5-e-${n}`;
    const a = await v5({ clientId, clean: true, properties: { sessionExpiryInterval: 1 } });
    await subscribe(a, `${fresh()}/#`);
    await a.end();
    await elapse(1_300);
    const b = await v5({ clientId, clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(b.connack.sessionPresent).toBe(false); // expired
    await subscribe(b, `${fresh()}/#`);
    await new Promise<void>((r) =>
      b.client.end(false, { properties: { sessionExpiryInterval: 30 } }, () => r()),
    );
    await elapse(1_300);
    const c = await v5({ clientId, clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(c.connack.sessionPresent).toBe(true); // kept by DISCONNECT's 30 s
    await new Promise<void>((r) =>
      c.client.end(false, { properties: { sessionExpiryInterval: 0 } }, () => r()),
    );
    const d = await v5({ clientId, clean: false });
    expect(d.connack.sessionPresent).toBe(false);
  });

  it('DISCONNECT may not give a session an expiry when CONNECT said 0 [MQTT-3.14.2-2]: protocol error', async () => {
    const raw = await connectRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, ADMIN, { protocolVersion: 5 });
    await raw.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 10 } });
    const bye = await until('DISCONNECT', () => raw.packets.find((p) => p.cmd === 'disconnect'));
    expect(bye).toMatchObject({ reasonCode: 0x82 });
    raw.destroy();
  });
});

describe('message expiry (test_publication_expiry)', () => {
  it('an expired queued message is not delivered; the others carry the time they have left', async () => {
    const t = fresh();
    const clientId = `conf5-x-${n}`;
    const a = await v5({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
    await subscribe(a, t);
    await a.end();
    const b = await v5();
    await publish(b, t, 'expires', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await publish(b, t, 'stays', { qos: 2, properties: { messageExpiryInterval: 60 } });
    await elapse(1_300);
    const back = await v5({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    const [m] = await back.waitFor(1);
    expect(m?.payload.toString()).toBe('stays');
    expect(m?.properties?.messageExpiryInterval).toBeLessThan(60);
    await publish(b, t, 'live', { qos: 1 });
    const got = await back.waitFor(2);
    expect(got.map((p) => p.payload.toString())).toEqual(['stays', 'live']);
  });
});

describe('subscription options (test_subscribe_options)', () => {
  it('noLocal: a client does not get its own messages; others do', async () => {
    const t = fresh();
    const a = await v5();
    const b = await v5();
    await subscribe(a, t, { qos: 2, nl: true });
    await subscribe(b, t, { qos: 2, nl: true });
    await publish(a, t, 'noLocal test');
    await b.waitFor(1);
    await publish(b, t, 'from b');
    await a.waitFor(1);
    expect(a.received.map((p) => p.payload.toString())).toEqual(['from b']);
  });

  it('retainAsPublished keeps the retain flag of live messages', async () => {
    const t = fresh();
    const a = await v5();
    await subscribe(a, t, { qos: 2, rap: true });
    await publish(a, t, 'not retained');
    await publish(a, t, 'retained', { retain: true });
    const got = await a.waitFor(2);
    expect(got.map((p) => p.retain)).toEqual([false, true]);
    await publish(a, t, '', { retain: true });
  });

  it('retainHandling 1 sends retained messages for a new subscription only; 2 never; 0 always', async () => {
    const t = fresh();
    const a = await v5();
    for (const q of [0, 1, 2]) await publish(a, `${t}/q${q}`, `r${q}`, { qos: q, retain: true });
    const rh1 = await v5();
    await subscribe(rh1, `${t}/+`, { qos: 2, rh: 1 });
    await rh1.waitFor(3);
    await subscribe(rh1, `${t}/+`, { qos: 2, rh: 1 });
    const rh2 = await v5();
    await subscribe(rh2, `${t}/+`, { qos: 2, rh: 2 });
    const rh0 = await v5();
    await subscribe(rh0, `${t}/+`, { qos: 2, rh: 0 });
    await rh0.waitFor(3);
    await subscribe(rh0, `${t}/+`, { qos: 2, rh: 0 });
    await rh0.waitFor(6);
    // a marker through every subscription: anything retained would have come before it
    await publish(a, `${t}/end`, 'end');
    for (const c of [rh1, rh2]) await c.waitFor(1, (p) => p.topic === `${t}/end`);
    expect(rh1.received).toHaveLength(4);
    expect(rh2.received).toHaveLength(1);
    for (const q of [0, 1, 2]) await publish(a, `${t}/q${q}`, '', { retain: true });
  });
});

describe('subscription identifiers (test_subscribe_identifiers)', () => {
  it('a message carries the identifier of every matching subscription', async () => {
    const t = fresh();
    const a = await v5();
    await subscribe(a, t, { qos: 2 }, { subscriptionIdentifier: 456789 });
    const b = await v5();
    await subscribe(b, t, { qos: 2 }, { subscriptionIdentifier: 2 });
    await subscribe(b, `${t}/#`, { qos: 2 }, { subscriptionIdentifier: 3 });
    await publish(b, t, 'sub identifier test');
    const [ma] = await a.waitFor(1);
    expect(ma?.properties?.subscriptionIdentifier).toBe(456789);
    const [mb] = await b.waitFor(1);
    expect([mb?.properties?.subscriptionIdentifier].flat().sort()).toEqual([2, 3]);
  });
});

describe('will (test_will_message, test_will_delay)', () => {
  it('the will is published with its user properties when the client vanishes', async () => {
    const t = fresh();
    const sub = await v5();
    await subscribe(sub, t);
    const raw = await openRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, { protocolVersion: 5 });
    await raw.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: `conf5-w-${n}`,
      clean: true,
      keepalive: 0,
      username: ADMIN,
      password: Buffer.from('secret'),
      will: {
        topic: t,
        payload: Buffer.from('will message'),
        qos: 1,
        retain: false,
        properties: { userProperties: { a: '2' } },
      },
    });
    await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
    raw.destroy();
    const [m] = await sub.waitFor(1);
    expect(m?.payload.toString()).toBe('will message');
    expect(m?.properties?.userProperties).toEqual({ a: '2' });
  });

  it('a will delay holds the will back; a reconnect in time cancels it; session end publishes it', async () => {
    const t = fresh();
    const sub = await v5();
    await subscribe(sub, t);
    const connect = (clientId: string, delay: number, expiry: number) =>
      openRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, { protocolVersion: 5 }).then(async (raw) => {
        await raw.send({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 5,
          clientId,
          clean: false,
          keepalive: 0,
          username: ADMIN,
          password: Buffer.from('secret'),
          properties: { sessionExpiryInterval: expiry },
          will: {
            topic: t,
            payload: Buffer.from(clientId),
            qos: 1,
            retain: false,
            properties: { willDelayInterval: delay },
          },
        });
        await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
        return raw;
      });
    // delay 1 s: not at once, but after it
    const a = await connect(`conf5-wd1-${n}`, 1, 30);
    const cut = Date.now();
    a.destroy();
    const [m] = await sub.waitFor(1);
    expect(m?.payload.toString()).toBe(`conf5-wd1-${n}`);
    expect(Date.now() - cut).toBeGreaterThanOrEqual(900);
    // delay 30 s but expiry 1 s: published when the session ends
    const b = await connect(`conf5-wd2-${n}`, 30, 1);
    b.destroy();
    await sub.waitFor(2);
    // delay 1 s, back after the cut: never published
    const c = await connect(`conf5-wd3-${n}`, 1, 30);
    c.destroy();
    const again = await connect(`conf5-wd3-${n}`, 1, 30);
    await elapse(1_300);
    await publish(sub, t, 'marker');
    await sub.waitFor(1, (p) => p.payload.toString() === 'marker');
    expect(sub.received.map((p) => p.payload.toString())).not.toContain(`conf5-wd3-${n}`);
    await again.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    again.destroy();
  });
});

describe('refused with a reason code', () => {
  it('a topic alias gets DISCONNECT 0x94 (test_client_topic_alias)', async () => {
    const raw = await connectRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, ADMIN, { protocolVersion: 5 });
    await raw.send({
      cmd: 'publish',
      topic: fresh(),
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 1 },
    });
    const bye = await until('DISCONNECT', () => raw.packets.find((p) => p.cmd === 'disconnect'));
    expect(bye).toMatchObject({ reasonCode: 0x94 });
    await raw.closed;
  });

  it('$share/… is refused with 0x9E, next to a granted filter in the same SUBSCRIBE (test_shared_subscriptions)', async () => {
    const t = fresh();
    const c = await v5();
    expect(await subscribe(c, [`$share/g/${t}`, t], { qos: 1 })).toEqual([0x9e, 1]);
    expect(await subscribe(c, `$share/g/${t}`, { qos: 1 })).toEqual([0x9e]);
  });

  it('a filter outside the account ACL gets 0x87 (test_subscribe_failure)', async () => {
    const c = await v5({}, 'U02-duty');
    expect(await subscribe(c, 'test/nosubscribe', { qos: 2 })).toEqual([0x87]);
  });

  it('a packet over the announced maximum size gets DISCONNECT 0x95 (test_maximum_packet_size)', async () => {
    const c = await v5();
    const max = c.connack.properties?.maximumPacketSize ?? 0;
    c.client.publish(fresh(), Buffer.alloc(max), { qos: 0 });
    await until('DISCONNECT', () => c.disconnect());
    expect(c.disconnect()?.reasonCode).toBe(0x95);
  });
});

describe('flow control towards the client (test_maximum_packet_size, test_flow_control1)', () => {
  it("a message bigger than the client's Maximum Packet Size is not sent; smaller ones are", async () => {
    const t = fresh();
    const c = await v5({ properties: { maximumPacketSize: 64 } });
    await subscribe(c, t);
    await publish(c, t, '.'.repeat(64), { qos: 1 });
    await publish(c, t, 'small', { qos: 1 });
    const got = await c.waitFor(1);
    expect(got.map((p) => p.payload.toString())).toEqual(['small']);
  });

  it("at most the client's Receive Maximum QoS 1 messages are in flight; the next one follows an ack", async () => {
    const t = fresh();
    const rc = await openRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, { protocolVersion: 5 });
    await rc.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: `conf5-rm-${n}`,
      clean: true,
      keepalive: 0,
      username: ADMIN,
      password: Buffer.from('secret'),
      properties: { receiveMaximum: 2 },
    });
    await until('CONNACK', () => rc.packets.find((p) => p.cmd === 'connack'));
    await rc.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 1 }] });
    await until('SUBACK', () => rc.packets.find((p) => p.cmd === 'suback'));
    const pub = await v5();
    for (const i of [1, 2, 3]) await publish(pub, t, `m${i}`, { qos: 1 });
    const publishes = () => rc.packets.filter((p) => p.cmd === 'publish');
    await until('2 PUBLISHes', () => publishes().length >= 2);
    // the third is held until one is acknowledged: a QoS 0 marker from the same publisher comes first
    await publish(pub, t, 'marker', { qos: 0 });
    await until('marker', () => publishes().some((p) => p.payload.toString() === 'marker'));
    expect(publishes().filter((p) => p.qos === 1)).toHaveLength(2);
    const first = publishes()[0];
    await rc.send({ cmd: 'puback', messageId: first?.messageId ?? 0 });
    await until('3rd QoS 1 PUBLISH', () => publishes().filter((p) => p.qos === 1).length === 3);
    rc.destroy();
  });
});

describe('flow control from the client (test_flow_control2)', () => {
  it('more QoS 2 messages in flight than the announced Receive Maximum: DISCONNECT 0x93', async () => {
    const raw = await connectRaw({ mqtt: gw.mqttPort, ws: gw.wsPort }, ADMIN, { protocolVersion: 5 });
    const topic = fresh();
    const batch = Buffer.concat(
      Array.from({ length: 1001 }, (_, i) =>
        mqttPacket.generate(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from('x'),
            qos: 2,
            retain: false,
            dup: false,
            messageId: i + 1,
          },
          { protocolVersion: 5 },
        ),
      ),
    );
    await raw.write(batch);
    const bye = await until('DISCONNECT', () => raw.packets.find((p) => p.cmd === 'disconnect'), 15_000);
    expect(bye).toMatchObject({ reasonCode: 0x93 });
    expect(raw.packets.filter((p) => p.cmd === 'pubrec').length).toBeLessThanOrEqual(1000);
  });
});
