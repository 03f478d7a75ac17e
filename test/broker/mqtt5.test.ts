/**
 * MQTT 5 clients (protocol.md §1: "MQTT 3.1.1 and 5, TCP and WebSocket")
 * against the real gateway, over TCP and WebSocket, next to 3.1.1 clients.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { closed, connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

let gw: RunningGateway;
beforeAll(async () => {
  // the 300-tap burst below is about the bridge, not the per-device rate limit (default burst 100)
  const siteYaml = `${readFileSync(SMALL_SITE, 'utf8')}
gateway:
  limits: { deviceRate: { perSecond: 20, burst: 1000 } }
`;
  gw = await startGateway({ siteYaml });
});
afterAll(async () => {
  await gw?.stop();
});

type Transport = 'tcp' | 'ws';
/** Connect with MQTT 5; resolves with the client and its CONNACK. */
function connect5(
  username: string,
  password = 'secret',
  opts: IClientOptions = {},
  via: Transport = 'tcp',
): Promise<{ client: MqttClient; inbox: Inbox; connack: { reasonCode?: number; properties?: object } }> {
  const url = via === 'tcp' ? `mqtt://127.0.0.1:${gw.mqttPort}` : `ws://127.0.0.1:${gw.wsPort}/`;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      username,
      password,
      clientId: `${username}-v5-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...opts,
    });
    const inbox = new Inbox(client);
    client.once('connect', (connack) => resolve({ client, inbox, connack }));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => m.json as Json;
let seq = 5000;

describe.each<Transport>(['tcp', 'ws'])('MQTT 5 over %s', (via) => {
  it('connects with reason 0 and the broker limits in CONNACK', async () => {
    const { client, connack } = await connect5('tech1', 'secret', {}, via);
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties).toMatchObject({ topicAliasMaximum: 0, sharedSubscriptionAvailable: false });
    await end(client);
  });
  it('refuses a wrong password with 0x86 and anonymous clients', async () => {
    await expect(connect5('U02-duty', 'wrong', {}, via)).rejects.toMatchObject({ code: 0x86 });
    const anon = connect5('', '', {}, via);
    await expect(anon).rejects.toThrow();
    await expect(anon).rejects.toMatchObject({ code: expect.any(Number) });
    expect(((await anon.catch((e: { code: number }) => e)) as { code: number }).code).toBeGreaterThanOrEqual(
      0x80,
    );
  });
  it('a device tap at QoS 1 is acknowledged and reaches a v5 operator on gp/v1/events/#', async () => {
    const op = await connect5('police-east', 'secret', {}, via);
    const granted = await subscribe(op.client, 'gp/v1/events/#');
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const wand = await connect5('G001-WAND', 'secret', {}, via);
    const n = ++seq;
    await publish(wand.client, 'gp/v1/dev/G001-WAND/tap', {
      uid: '04:d1:e2:f3',
      seq: n,
      ts: new Date().toISOString(),
    });
    const m = await op.inbox.waitFor((x) => x.topic === 'gp/v1/events/tap/east/U02' && json(x).seq === n);
    expect(json(m)).toMatchObject({
      kind: 'tap',
      device: 'G001-WAND',
      checkpoint: 'CP-E-01',
      uid: '04D1E2F3',
    });
    await end(wand.client, op.client);
  });
});

describe('MQTT 5 next to MQTT 3.1.1', () => {
  it('a v5 console gets a panic from a 3.1.1 device, acks it, a 3.1.1 neighbour console sees ackBy', async () => {
    const v5 = await connect5('U02-duty', 'secret', {}, 'ws');
    await subscribe(v5.client, 'gp/v1/unit/U02/#');
    const old = await connectAs(gw.mqttPort, 'U01-duty');
    const oldInbox = new Inbox(old);
    await subscribe(old, 'gp/v1/unit/U01/#');

    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', {
      state: 'pressed',
      seq: ++seq,
      ts: new Date().toISOString(),
    });
    const raised = await v5.inbox.waitFor(
      (m) => m.topic === 'gp/v1/unit/U02/alert' && json(m).kind === 'panic' && json(m).state === 'raised',
    );
    const id = json(raised).id;
    await publish(v5.client, 'gp/v1/unit/U02/ack', { id });
    const acked = await oldInbox.waitFor(
      (m) => m.topic === 'gp/v1/unit/U01/alert' && json(m).id === id && json(m).state === 'acknowledged',
    );
    expect(json(acked).ackBy).toBe('U02-duty');
    await end(button, old, v5.client);
  });

  it('SUBACK refuses a forbidden filter with a reason code >= 0x80 and grants the allowed one', async () => {
    const d = await connect5('U02-RC-1');
    const granted = await subscribe(d.client, ['gp/v1/dev/U02-RC-1/cmd/#', 'gp/v1/unit/U02/alert']);
    expect(granted[0]?.qos).toBe(1);
    expect(granted[1]?.qos).toBeGreaterThanOrEqual(0x80);
    // unsubscribe works (v5 UNSUBACK carries reason codes)
    await new Promise<void>((resolve, reject) =>
      d.client.unsubscribe('gp/v1/dev/U02-RC-1/cmd/#', (err) => (err ? reject(err) : resolve())),
    );
    await end(d.client);
  });

  it('a v5 device publishing as another device is disconnected (not authorized), nothing ingested', async () => {
    const tech = await connect5('tech1');
    await subscribe(tech.client, 'gp/v1/events/#');
    const d = await connect5('U02-PANIC-1');
    const disconnect = new Promise<number | undefined>((resolve) =>
      d.client.once('disconnect', (p) => resolve(p.reasonCode)),
    );
    d.client.publish('gp/v1/dev/U01-PANIC-1/panic', JSON.stringify({ state: 'pressed', seq: ++seq }), {
      qos: 1,
    });
    expect(await closed(d.client)).toBe(true);
    expect(await disconnect).toBe(0x87);
    // a legit event afterwards arrives; the forged one never did
    const ok = await connect5('U02-READER-1');
    const n = ++seq;
    await publish(ok.client, 'gp/v1/dev/U02-READER-1/tap', { uid: '04A1B2C3D4E5F6', seq: n });
    await tech.inbox.waitFor((m) => m.topic.startsWith('gp/v1/events/tap/') && json(m).seq === n);
    expect(tech.inbox.messages.some((m) => m.topic.startsWith('gp/v1/events/panic/'))).toBe(false);
    await end(tech.client, d.client, ok.client);
  });

  it('publishes the v5 will (retained offline) when the device socket is destroyed', async () => {
    const watcher = await connectAs(gw.mqttPort, 'tech1');
    const inbox = new Inbox(watcher);
    await subscribe(watcher, 'gp/v1/dev/U11-PANIC-1/status');
    const d = await connect5('U11-PANIC-1', 'secret', {
      will: {
        topic: 'gp/v1/dev/U11-PANIC-1/status',
        payload: Buffer.from('offline'),
        qos: 1,
        retain: true,
        properties: { willDelayInterval: 0 },
      },
    });
    await publish(d.client, 'gp/v1/dev/U11-PANIC-1/status', 'online', 1, true);
    await inbox.waitFor((m) => m.payload.toString() === 'online');
    d.client.stream.destroy();
    const will = await inbox.waitFor((m) => m.payload.toString() === 'offline', 10_000, 'will');
    expect(will.topic).toBe('gp/v1/dev/U11-PANIC-1/status');
    // retained: a late subscriber gets it too
    const late = await connect5('police-west');
    await subscribe(late.client, 'gp/v1/dev/U11-PANIC-1/status');
    const retained = await late.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U11-PANIC-1/status');
    expect(retained.payload.toString()).toBe('offline');
    await end(watcher, d.client, late.client);
  });

  it('a clean v5 DISCONNECT does not publish the will; DISCONNECT 0x04 does', async () => {
    const watcher = await connectAs(gw.mqttPort, 'tech1');
    const inbox = new Inbox(watcher);
    await subscribe(watcher, 'gp/v1/dev/U03-PANIC-1/status');
    const will = {
      topic: 'gp/v1/dev/U03-PANIC-1/status',
      payload: Buffer.from('offline'),
      qos: 1 as const,
      retain: false,
    };
    const a = await connect5('U03-PANIC-1', 'secret', { will });
    await new Promise<void>((r) => a.client.end(false, {}, () => r()));
    const b = await connect5('U03-PANIC-1', 'secret', { will });
    await new Promise<void>((r) => b.client.end(false, { reasonCode: 0x04 }, () => r()));
    await inbox.waitFor((m) => m.payload.toString() === 'offline', 10_000, 'will after 0x04');
    // the marker publish proves the inbox is current: only one will came
    const c = await connect5('U03-PANIC-1');
    await publish(c.client, 'gp/v1/dev/U03-PANIC-1/status', 'online');
    await inbox.waitFor((m) => m.payload.toString() === 'online');
    expect(inbox.messages.filter((m) => m.payload.toString() === 'offline')).toHaveLength(1);
    await end(watcher, c.client);
  });

  it('a topic alias is refused (topicAliasMaximum 0) and the connection closed', async () => {
    const d = await connect5('U02-READER-1');
    const disconnect = new Promise<number | undefined>((resolve) =>
      d.client.once('disconnect', (p) => resolve(p.reasonCode)),
    );
    d.client.on('error', () => undefined);
    d.client.stream.write(
      // a raw v5 PUBLISH QoS 0 with topicAlias 1 (mqtt.js itself will not send one past the limit)
      (await import('mqtt-packet')).default.generate(
        {
          cmd: 'publish',
          topic: 'gp/v1/dev/U02-READER-1/heartbeat',
          payload: Buffer.from('{}'),
          qos: 0,
          retain: false,
          dup: false,
          properties: { topicAlias: 1 },
        },
        { protocolVersion: 5 },
      ),
    );
    expect(await closed(d.client)).toBe(true);
    expect(await disconnect).toBe(0x94);
  });
});

describe('MQTT 5 sessions, QoS 2 and bad input', () => {
  it('QoS 2 from a v5 device completes (PUBREC/PUBREL/PUBCOMP translated) and is ingested once', async () => {
    const tech = await connect5('tech1');
    await subscribe(tech.client, 'gp/v1/events/#');
    const reader = await connect5('U02-READER-1');
    const n = ++seq;
    await new Promise<void>((resolve, reject) =>
      reader.client.publish(
        'gp/v1/dev/U02-READER-1/tap',
        JSON.stringify({ uid: '04A1B2C3D4E5F6', seq: n }),
        { qos: 2 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await tech.inbox.waitFor((m) => m.topic.startsWith('gp/v1/events/tap/') && json(m).seq === n);
    // a later marker proves the inbox is current: the event came once
    const m2 = ++seq;
    await publish(reader.client, 'gp/v1/dev/U02-READER-1/tap', { uid: '04A1B2C3D4E5F6', seq: m2 });
    await tech.inbox.waitFor((m) => json(m).seq === m2);
    expect(tech.inbox.messages.filter((m) => json(m).seq === n)).toHaveLength(1);
    await end(tech.client, reader.client);
  });

  it('a burst of 300 QoS 1 taps from a v5 device all reach a v5 subscriber, each once', async () => {
    const op = await connect5('police-west');
    await subscribe(op.client, 'gp/v1/events/tap/#');
    const wand = await connect5('G001-WAND');
    const first = seq + 1;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 300; i++)
      sends.push(publish(wand.client, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F4', seq: ++seq }));
    await Promise.all(sends);
    const last = seq;
    await op.inbox.waitFor((m) => json(m).seq === last, 20_000, 'last tap');
    const seen = op.inbox.messages.map((m) => Number(json(m).seq)).filter((n) => n >= first && n <= last);
    expect(new Set(seen).size).toBe(300);
    expect(seen).toHaveLength(300);
    await end(op.client, wand.client);
  });

  it('a console with sessionExpiryInterval > 0 gets the alerts queued while it was away', async () => {
    const clientId = `U04-duty-persist-${Date.now()}`;
    const persist: IClientOptions = { clientId, clean: false, properties: { sessionExpiryInterval: 3600 } };
    const first = await connect5('U04-duty', 'secret', persist);
    await subscribe(first.client, 'gp/v1/unit/U04/#');
    await end(first.client);

    const admin = await connectAs(gw.mqttPort, 'police-east');
    const marker = `away-${Date.now()}`;
    await publish(admin, 'gp/v1/ops/alert', { unit: 'U04', message: marker, severity: 'warning' });
    await end(admin);

    const again = await connect5('U04-duty', 'secret', persist);
    expect((again.connack as { sessionPresent?: boolean }).sessionPresent).toBe(true);
    const got = await again.inbox.waitFor(
      (m) => m.topic === 'gp/v1/unit/U04/alert' && String(json(m).message).includes(marker),
    );
    expect(json(got).kind).toBe('custom');
    await end(again.client);
  });

  it('other client stacks: mosquitto_pub with MQTT 5, 3.1.1 and 3.1 all get their taps ingested', async () => {
    const { execFile } = await import('node:child_process');
    const tech = await connect5('tech1');
    await subscribe(tech.client, 'gp/v1/events/tap/#');
    for (const version of ['mqttv5', 'mqttv311', 'mqttv31']) {
      const n = ++seq;
      const args = ['-h', '127.0.0.1', '-p', String(gw.mqttPort), '-V', version, '-q', '1'];
      args.push('-i', `mosq-${version}-${n}`, '-u', 'U02-READER-1', '-P', 'secret');
      args.push('-t', 'gp/v1/dev/U02-READER-1/tap', '-m', JSON.stringify({ uid: '04A1B2C3D4E5F6', seq: n }));
      await new Promise<void>((resolve, reject) =>
        execFile('mosquitto_pub', args, { timeout: 10_000 }, (err, _out, stderr) =>
          err ? reject(new Error(`${version}: ${stderr || err.message}`)) : resolve(),
        ),
      );
      await tech.inbox.waitFor((m) => json(m).seq === n, 10_000, `tap via ${version}`);
    }
    await end(tech.client);
  });

  it('a malformed packet after CONNECT gets DISCONNECT 0x81 and the connection is closed', async () => {
    const { createConnection } = await import('node:net');
    const mqttPacket = (await import('mqtt-packet')).default;
    const socket = createConnection(gw.mqttPort, '127.0.0.1');
    const received: Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (p: Packet) => received.push(p));
    socket.on('data', (b) => parser.parse(b));
    const closedSocket = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.write(
      mqttPacket.generate(
        {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 5,
          clean: true,
          clientId: 'raw-v5',
          keepalive: 30,
          username: 'tech1',
          password: Buffer.from('secret'),
        },
        { protocolVersion: 5 },
      ),
    );
    await until('the CONNACK', () => received.some((p) => p.cmd === 'connack'), 5000, 20);
    expect(received[0]).toMatchObject({ cmd: 'connack', reasonCode: 0 });
    socket.write(Buffer.from([0x80, 0x02, 0x00, 0x01])); // SUBSCRIBE with reserved flags 0000
    await closedSocket;
    expect(received.find((p) => p.cmd === 'disconnect')).toMatchObject({ reasonCode: 0x81 });
    // the gateway is fine
    const ok = await connect5('tech1');
    expect(ok.connack.reasonCode).toBe(0);
    await end(ok.client);
  });

  it('garbage instead of a CONNECT is closed the way aedes always did', async () => {
    const { createConnection } = await import('node:net');
    const socket = createConnection(gw.mqttPort, '127.0.0.1');
    socket.on('error', () => undefined);
    const closedSocket = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closedSocket;
    const ok = await connectAs(gw.mqttPort, 'tech1');
    expect(ok.connected).toBe(true);
    await end(ok);
  });
});
