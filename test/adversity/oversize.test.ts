/**
 * Oversize packets (gateway.limits.maxPacketKB, 64 KiB by default) against
 * the real gateway: a client declaring a 100 MB packet is closed as soon as
 * the fixed header is read — over MQTT 3.1.1 and 5, TCP and WebSocket, before
 * and after CONNECT — the gateway's memory stays flat, and the panic path
 * still works. A packet of exactly the limit still goes through.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { closed, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { connectRaw, fixedHeader, openRaw, type RawClient, type Via } from '../support/raw-mqtt.js';

const LIMIT = 64 * 1024;
const DECLARED = 100 * 1024 * 1024;
/** A client streams at most this much (a fixed amount of work); the gateway must close well before. */
const STREAM_AT_MOST = 16 * 1024 * 1024;

let gw: RunningGateway;
let duty: { client: MqttClient; inbox: Inbox };
let seq = 700;
const ports = (): { mqtt: number; ws: number } => ({ mqtt: gw.mqttPort, ws: gw.wsPort });

beforeAll(async () => {
  gw = await startGateway();
  duty = await connectWithInbox(gw.mqttPort, 'U02-duty');
  await subscribe(duty.client, 'gp/v1/unit/U02/#');
});
afterAll(async () => {
  await end(duty?.client);
  await gw?.stop();
});

function rssMB(): number {
  const status = readFileSync(`/proc/${gw.pid()}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

async function limitCloses(limit: string): Promise<number> {
  const text = await (await fetch(gw.url('/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('guardpost_mqtt_limit_closes_total{') && line.includes(`limit="${limit}"`)) {
      sum += Number(line.split(' ').pop());
    }
  }
  return sum;
}

const header = fixedHeader;

/**
 * Writes the start of a packet then its body in 64 KiB pieces until the
 * gateway closes (or STREAM_AT_MOST is reached); returns the bytes the OS
 * took from us before the close.
 */
async function streamUntilClosed(c: RawClient, start: Buffer): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 0x41);
  let written = 0;
  try {
    await c.write(start);
    written += start.length;
    while (written < STREAM_AT_MOST && !c.isClosed()) {
      await c.write(piece);
      written += piece.length;
    }
  } catch {
    // the gateway closed the connection
  }
  return written;
}

function closedWithin(c: RawClient, ms: number): Promise<boolean> {
  return Promise.race([
    c.closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

/** The panic path still works: a press reaches a console. */
async function panicStillDelivered(): Promise<void> {
  const button = await connectWithInbox(gw.mqttPort, 'U01-PANIC-1');
  const n = ++seq;
  await publish(button.client, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: n });
  const alert = await duty.inbox.waitFor(
    (m) => m.topic === 'gp/v1/unit/U02/alert' && (m.json as { state?: string }).state === 'raised',
    10_000,
    'the panic alert',
  );
  await publish(button.client, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'released', seq: ++seq });
  await end(button.client);
  // resolve it so the next press raises a new alert
  const u01 = await connectWithInbox(gw.mqttPort, 'U01-duty');
  await publish(u01.client, 'gp/v1/unit/U01/resolve', { id: (alert.json as { id: string }).id });
  await end(u01.client);
  duty.inbox.messages.length = 0;
}

type Case = { via: Via; protocolVersion: 4 | 5; when: 'before CONNECT' | 'after CONNECT' };
const cases: Case[] = [
  { via: 'tcp', protocolVersion: 4, when: 'after CONNECT' },
  { via: 'tcp', protocolVersion: 4, when: 'before CONNECT' },
  { via: 'tcp', protocolVersion: 5, when: 'after CONNECT' },
  { via: 'ws', protocolVersion: 4, when: 'after CONNECT' },
  { via: 'ws', protocolVersion: 5, when: 'after CONNECT' },
  { via: 'ws', protocolVersion: 4, when: 'before CONNECT' },
];

describe('a 100 MB packet', () => {
  it.each(cases)('over $via, MQTT v$protocolVersion, $when: closed at its header, 6 at once', async (c) => {
    const before = await limitCloses('max_packet');
    const rss0 = rssMB();
    const clients = await Promise.all(
      Array.from({ length: 6 }, () =>
        c.when === 'before CONNECT'
          ? openRaw(ports(), c)
          : connectRaw(ports(), 'U02-READER-1', { ...c, clientId: `big-${Math.random()}` }),
      ),
    );
    // a PUBLISH (0x30) after CONNECT; a CONNECT (0x10) itself before
    const start = header(c.when === 'before CONNECT' ? 0x10 : 0x30, DECLARED);
    const written = await Promise.all(clients.map((x) => streamUntilClosed(x, start)));
    const wasClosed = await Promise.all(clients.map((x) => closedWithin(x, 5_000)));
    const rss1 = rssMB();
    for (const x of clients) x.destroy();

    expect(wasClosed).toEqual([true, true, true, true, true, true]);
    for (const w of written) expect(w).toBeLessThan(8 * 1024 * 1024);
    expect(rss1 - rss0).toBeLessThan(100);
    expect(await limitCloses('max_packet')).toBe(before + 6);
    if (c.protocolVersion === 5 && c.when === 'after CONNECT') {
      const connack = clients[0]?.packets.find((p) => p.cmd === 'connack');
      expect(connack?.properties?.maximumPacketSize).toBe(LIMIT);
    }
    await panicStillDelivered();
  });
});

/** A QoS 1 PUBLISH whose encoded size is exactly `size` bytes. */
function payloadFor(topic: string, size: number, protocolVersion: 4 | 5): Buffer {
  const encoded = (n: number): number =>
    mqttPacket.generate(
      { cmd: 'publish', topic, payload: Buffer.alloc(n), qos: 1, messageId: 1, retain: false, dup: false },
      { protocolVersion },
    ).length;
  const n = size - (encoded(size - 200) - (size - 200));
  expect(encoded(n)).toBe(size);
  return Buffer.alloc(n, 0x61);
}

describe.each<4 | 5>([4, 5])('MQTT v%s: the limit itself', (protocolVersion) => {
  it('a packet of exactly the limit goes through; one byte more closes the connection', async () => {
    // an admin's own integration topic (outside gp/v1), heard by another admin
    const topic = 'site/limits/notice';
    const listener = await connectWithInbox(gw.mqttPort, 'police-west');
    await subscribe(listener.client, 'site/#');
    const admin = await new Promise<MqttClient>((resolve, reject) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
        username: 'police-east',
        password: 'secret',
        protocolVersion,
        reconnectPeriod: 0,
      });
      client.once('connect', () => resolve(client));
      client.once('error', reject);
    });
    const exact = payloadFor(topic, LIMIT, protocolVersion);
    await publish(admin, topic, exact, 1);
    const got = await listener.inbox.waitFor((m) => m.topic === topic, 10_000, 'the 64 KiB notice');
    expect(got.payload.length).toBe(exact.length);

    const before = await limitCloses('max_packet');
    admin.publish(topic, Buffer.concat([exact, Buffer.from('x')]), { qos: 1 });
    expect(await closed(admin, 10_000)).toBe(true);
    expect(await limitCloses('max_packet')).toBe(before + 1);
    await end(admin, listener.client);
  });
});

describe('gateway.limits.maxPacketKB', () => {
  it('sets the limit, announced to MQTT 5 clients', async () => {
    const yaml = `${readFileSync(SMALL_SITE, 'utf8')}\ngateway: { limits: { maxPacketKB: 8, outboundBufferKB: 256 } }\n`;
    const small = await startGateway({ siteYaml: yaml });
    try {
      const p = { mqtt: small.mqttPort, ws: small.wsPort };
      const c = await connectRaw(p, 'U02-READER-1', { protocolVersion: 5 });
      const connack = c.packets.find((x) => x.cmd === 'connack');
      expect(connack?.properties?.maximumPacketSize).toBe(8 * 1024);
      await c.write(header(0x30, 8 * 1024)); // 8 KiB of body plus its header: over
      expect(await closedWithin(c, 5_000)).toBe(true);
    } finally {
      await small.stop();
    }
  });
});
