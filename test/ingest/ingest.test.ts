/** The ingest rules of protocol.md §1.1, end to end through a real gateway over TCP. */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';

let gw: RunningGateway;
let tech: MqttClient;
let inbox: Inbox;
beforeAll(async () => {
  gw = await startGateway();
  tech = await connectAs(gw.mqttPort, 'tech1');
  inbox = new Inbox(tech);
  await subscribe(tech, ['gp/v1/events/#', 'gp/v1/gateway/rejects']);
});
afterAll(async () => {
  await end(tech);
  await gw?.stop();
});

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => m.json as Json;
let seqBase = 1000;
const nextSeq = (): number => ++seqBase;

describe('taps', () => {
  it('a wand tap of a checkpoint tag is republished with the checkpoint resolved and the UID normalised', async () => {
    const wand = await connectAs(gw.mqttPort, 'G001-WAND');
    const seq = nextSeq();
    await publish(wand, 'gp/v1/dev/G001-WAND/tap', { uid: '04:d1:e2:f3', seq, ts: new Date().toISOString() });
    const m = await inbox.waitFor((x) => x.topic === 'gp/v1/events/tap/east/U02' && json(x).seq === seq);
    expect(json(m)).toMatchObject({
      kind: 'tap',
      device: 'G001-WAND',
      uid: '04D1E2F3',
      uidKind: 'tag',
      checkpoint: 'CP-E-01',
      zone: 'east',
      unit: 'U02',
      skewed: false,
    });
    await end(wand);
  });
  it('a guard card read by a fixed reader means that guard visited the reader checkpoint', async () => {
    const reader = await connectAs(gw.mqttPort, 'U02-READER-1');
    const seq = nextSeq();
    await publish(reader, 'gp/v1/dev/U02-READER-1/tap', { uid: '04-A1-B2-C3-D4-E5-F6', seq });
    const m = await inbox.waitFor((x) => x.topic === 'gp/v1/events/tap/east/U02' && json(x).seq === seq);
    expect(json(m)).toMatchObject({
      uid: '04A1B2C3D4E5F6',
      uidKind: 'card',
      guard: 'G001',
      checkpoint: 'CP-E-01',
    });
    await end(reader);
  });
  it('an unknown UID is recorded as such', async () => {
    const reader = await connectAs(gw.mqttPort, 'U02-READER-1');
    const seq = nextSeq();
    await publish(reader, 'gp/v1/dev/U02-READER-1/tap', { uid: 'DEADBEEF', seq });
    const m = await inbox.waitFor((x) => x.topic.startsWith('gp/v1/events/tap/') && json(x).seq === seq);
    expect(json(m)).toMatchObject({ uid: 'DEADBEEF', uidKind: 'unknown', guard: null, checkpoint: null });
    await end(reader);
  });
});

describe('time and duplicates', () => {
  it('a ts missing or more than 5 minutes off is replaced by the receive time and marked skewed', async () => {
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    const s1 = nextSeq();
    const s2 = nextSeq();
    const s3 = nextSeq();
    const before = Date.now();
    await publish(d, 'gp/v1/dev/U02-PANIC-1/heartbeat', { battery: 80, seq: s1, ts: '2020-01-01T00:00:00Z' });
    await publish(d, 'gp/v1/dev/U02-PANIC-1/heartbeat', { battery: 81, seq: s2 });
    const good = new Date(Date.now() - 60_000).toISOString();
    await publish(d, 'gp/v1/dev/U02-PANIC-1/heartbeat', { battery: 82, seq: s3, ts: good });
    const m1 = json(await inbox.waitFor((x) => json(x).seq === s1));
    const m2 = json(await inbox.waitFor((x) => json(x).seq === s2));
    const m3 = json(await inbox.waitFor((x) => json(x).seq === s3));
    expect(m1.skewed).toBe(true);
    expect(Date.parse(String(m1.ts))).toBeGreaterThanOrEqual(before - 1000);
    expect(m2.skewed).toBe(true);
    expect(m3).toMatchObject({ skewed: false, ts: good, battery: 82 });
    await end(d);
  });
  it('a repeat of (device, seq) is recorded once', async () => {
    const d = await connectAs(gw.mqttPort, 'U03-PANIC-1');
    const seq = nextSeq();
    for (let i = 0; i < 3; i++) await publish(d, 'gp/v1/dev/U03-PANIC-1/heartbeat', { battery: 50, seq });
    const marker = nextSeq();
    await publish(d, 'gp/v1/dev/U03-PANIC-1/heartbeat', { battery: 51, seq: marker });
    await inbox.waitFor((x) => json(x).seq === marker && json(x).device === 'U03-PANIC-1');
    expect(
      inbox.messages.filter((x) => json(x).seq === seq && json(x).device === 'U03-PANIC-1'),
    ).toHaveLength(1);
    await end(d);
  });
});

const bigString = 'x'.repeat(5000);
let deep = '1';
for (let i = 0; i < 3000; i++) deep = `[${deep}]`;

/** [topic suffix, payload, what the reject reason must mention] */
const MALFORMED: [string, string | Buffer, RegExp][] = [
  ['tap', Buffer.from([0xff, 0xfe, 0x00, 0x01]), /UTF-8/i],
  ['tap', Buffer.from([0xc3, 0x28]), /UTF-8/i],
  ['tap', 'not json', /JSON/i],
  ['tap', '', /JSON|empty/i],
  ['tap', '{"uid": "04D1E2F3", "seq": 1', /JSON/i],
  ['tap', '[1,2,3]', /object/i],
  ['tap', '"a string"', /object/i],
  ['tap', '42', /object/i],
  ['tap', 'null', /object/i],
  ['tap', '{}', /uid/i],
  ['tap', '{"seq": 5}', /uid/i],
  ['tap', '{"uid": "04D1E2F3"}', /seq/i],
  ['tap', '{"uid": 1234, "seq": 5}', /uid/i],
  ['tap', '{"uid": "04D1E2", "seq": 5}', /uid/i],
  ['tap', '{"uid": "ZZZZZZZZ", "seq": 5}', /uid/i],
  ['tap', '{"uid": "04D1E2F3", "seq": -1}', /seq/i],
  ['tap', '{"uid": "04D1E2F3", "seq": 1.5}', /seq/i],
  ['tap', '{"uid": "04D1E2F3", "seq": 4294967296}', /seq/i],
  ['tap', '{"uid": "04D1E2F3", "seq": "7"}', /seq/i],
  ['tap', '{"uid": "04D1E2F3", "seq": 7, "ts": "yesterday"}', /ts/i],
  ['tap', '{"uid": "04D1E2F3", "seq": 7, "ts": 12345}', /ts/i],
  ['tap', `{"uid": "04D1E2F3", "seq": 7, "pad": "${bigString}"}`, /large|4096/i],
  // just under the 64 KiB packet limit (a larger packet closes the connection: test/adversity/oversize)
  ['tap', Buffer.alloc(60 * 1024, 0x7b), /large|4096/i],
  ['tap', '{"__proto__": {"polluted": true}, "uid": "04D1E2F3", "seq": 7}', /__proto__|forbidden|key/i],
  [
    'tap',
    '{"constructor": {"prototype": {"x": 1}}, "uid": "04D1E2F3", "seq": 7}',
    /constructor|forbidden|key/i,
  ],
  ['tap', '{"uid": {"nested": "04D1E2F3"}, "seq": 7}', /uid/i],
  ['tap', deep, /JSON|object|deep|large/i],
  ['panic', '{"state": "maybe", "seq": 3}', /state/i],
  ['panic', '{"seq": 3}', /state/i],
  ['heartbeat', '{"battery": 150}', /battery/i],
  ['heartbeat', '{"battery": "full"}', /battery/i],
  ['heartbeat', '{"tamper": "yes"}', /tamper/i],
  ['heartbeat', '{"rssi": [1]}', /rssi/i],
  ['status', 'sleeping', /status|online|offline/i],
];

describe('malformed payloads', () => {
  it(`rejects each of ${MALFORMED.length} bad payloads with a precise reason, and keeps working`, async () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(30);
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    for (const [i, [kind, payload, reason]] of MALFORMED.entries()) {
      const before = inbox.messages.length;
      await publish(d, `gp/v1/dev/U02-PANIC-1/${kind}`, payload);
      const r = await inbox.waitFor(
        (x, idx = inbox.messages.indexOf(x)) => idx >= before && x.topic === 'gp/v1/gateway/rejects',
        10_000,
        `reject #${i} (${kind})`,
      );
      expect(json(r)).toMatchObject({ topic: `gp/v1/dev/U02-PANIC-1/${kind}`, device: 'U02-PANIC-1' });
      expect(String(json(r).reason), `payload #${i}`).toMatch(reason);
      expect(typeof json(r).at).toBe('string');
    }
    expect(d.connected).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // a good event still goes through, and the gateway is healthy
    const seq = nextSeq();
    await publish(d, 'gp/v1/dev/U02-PANIC-1/heartbeat', { battery: 99, seq });
    await inbox.waitFor((x) => x.topic === 'gp/v1/events/heartbeat/east/U02' && json(x).seq === seq);
    const health = await fetch(gw.url('/healthz'));
    expect(health.status).toBe(200);
    const metrics = await (await fetch(gw.url('/metrics'))).text();
    expect(metrics).toMatch(/guardpost_rejects_total\{reason="[^"]+"\} \d+/);
    await end(d);
  });
  it('a panic from a device that is not a panic button is rejected', async () => {
    const r = await connectAs(gw.mqttPort, 'U02-READER-1');
    const before = inbox.messages.length;
    await publish(r, 'gp/v1/dev/U02-READER-1/panic', { state: 'pressed', seq: nextSeq() });
    const m = await inbox.waitFor(
      (x) => inbox.messages.indexOf(x) >= before && x.topic === 'gp/v1/gateway/rejects',
    );
    expect(String(json(m).reason)).toMatch(/not a panic button/);
    await end(r);
  });
  it('bad operator inputs are rejected, not crashing anything', async () => {
    const t = await connectAs(gw.mqttPort, 'tech1');
    const before = inbox.messages.length;
    await publish(t, 'gp/v1/ops/rollcall', { zone: 'nowhere', window_s: 60 });
    const m = await inbox.waitFor(
      (x) => inbox.messages.indexOf(x) >= before && x.topic === 'gp/v1/gateway/rejects',
    );
    expect(json(m)).toMatchObject({ topic: 'gp/v1/ops/rollcall', device: null });
    expect(String(json(m).reason)).toMatch(/zone/);
    await end(t);
  });
});

describe('HTTP', () => {
  it('/healthz reports broker, journal, influx backlog and serial ports', async () => {
    const res = await fetch(gw.url('/healthz'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ status: 'ok', site: 'testsite' });
    expect(body.journal).toMatchObject({ writable: true });
    expect((body.journal as Json).lastSeq).toBeGreaterThan(0);
    expect(body).toHaveProperty('influx.backlog.events');
    expect(body).toHaveProperty('serial.ports');
    expect((body.broker as Json).connections).toBeGreaterThanOrEqual(1);
  });
  it('/metrics is Prometheus text with connections, events by kind, journal size and ack latency', async () => {
    const text = await (await fetch(gw.url('/metrics'))).text();
    expect(text).toMatch(/^guardpost_mqtt_connections \d+/m);
    expect(text).toMatch(/^guardpost_events_total\{kind="tap",transport="mqtt"\} \d+/m);
    expect(text).toMatch(/^guardpost_journal_bytes \d+/m);
    expect(text).toMatch(/^guardpost_ingest_ack_seconds_bucket\{le="0.005"\} \d+/m);
  });
  it('the API wants console or operator credentials', async () => {
    expect((await fetch(gw.url('/api/alerts'))).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from('U02-duty:wrong').toString('base64')}` };
    expect((await fetch(gw.url('/api/alerts'), { headers: auth })).status).toBe(401);
    const ok = { authorization: `Basic ${Buffer.from('U02-duty:secret').toString('base64')}` };
    const res = await fetch(gw.url('/api/alerts?state=open'), { headers: ok });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('alerts');
  });
});
