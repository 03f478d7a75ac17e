/**
 * End to end, issue 15: offline patrol wands. The real gateway process with
 * a real InfluxDB; one wand uploads through MQTT `records`, another docks
 * through a real socat pty speaking the dock driver's REC lines.
 *
 * - A tour started online and judged missed at its deadline becomes
 *   completed when the wand's records arrive: both judgements are journaled
 *   (revision 0 missed, revision 1 completed with uploadedAt), the missed
 *   alert gets a `revised` update (resolved by "system", outcome completed).
 * - A night recorded offline and docked in the morning gives its tour at
 *   device time, in the tour topic and in InfluxDB, as if it had been online.
 * - Malformed records are refused with reasons naming them; the good records
 *   of the same message are kept.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gplLine } from '../../devices/codecs/gpl.js';
import { encodeRecordsPayload } from '../../devices/codecs/records.js';
import { topics } from '../../gateway/src/topics.js';
import { rows } from '../export/influx-query.js';
import { type PtyPair, startPtyPair, writeLine } from '../serial/pty.js';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.js';
import { connectAs, Inbox } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const DB = 'offline_wand';
const TAG = { 'CP-E-01': '04D1E2F3', 'CP-E-02': '04D1E2F4', 'CP-E-03': '04D1E2F5' } as const;

let dir: string;
let tty: PtyPair;
let influx: RunningInfluxd;
let gw: RunningGateway;
let wand: MqttClient;
let operator: MqttClient;
let inbox: Inbox;

function siteYaml(influxUrl: string, ttyPath: string): string {
  const base = readFileSync(SMALL_SITE, 'utf8')
    .replace(
      'routes:\n',
      `routes:
  - { id: quick, zone: east, name: 快巡, checkpoints: [CP-E-01, CP-E-02, CP-E-03], ordered: true, maxDuration: 3s }
  - { id: night, zone: east, name: 夜巡, checkpoints: [CP-E-02, CP-E-03], ordered: true, maxDuration: 30m }
`,
    )
    .replace('devices:\n', 'devices:\n  - { id: G002-WAND, kind: reader, unit: U02, guard: G002 }\n');
  return `${base}
serial:
  - { path: "${ttyPath}", driver: dock, devices: [G002-WAND] }
gateway:
  influx: { url: "${influxUrl}", database: ${DB}, batchSize: 100, linger: 50ms }
  patrol: { uploadSettle: 1s }
`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gp-offline-wand-'));
  tty = await startPtyPair(dir, 'dock');
  influx = await startInfluxd();
  gw = await startGateway({ siteYaml: siteYaml(influx.url, tty.a), influxUrl: influx.url });
  operator = await connectAs(gw.mqttPort, 'tech1');
  inbox = new Inbox(operator);
  await operator.subscribeAsync('gp/v1/#', { qos: 1 });
  wand = await connectAs(gw.mqttPort, 'G001-WAND');
  await until(
    'the dock port open',
    async () => {
      const res = await fetch(gw.url('/healthz'), { headers: basicAuth('tech1') });
      const body = (await res.json()) as { serial?: { ports?: { state: string }[] } };
      return body.serial?.ports?.some((p) => p.state === 'open');
    },
    20_000,
    50,
  );
}, 60_000);

afterAll(async () => {
  await wand?.endAsync();
  await operator?.endAsync();
  await gw?.stop();
  await influx?.stop();
  await tty?.kill();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => m.json as Json;

describe('offline wands end to end', () => {
  it('a tour judged missed is revised to completed by records uploaded on MQTT, alert revised', async () => {
    const t0 = Date.now();
    await wand.publishAsync(
      topics.device('G001-WAND', 'tap'),
      JSON.stringify({ uid: TAG['CP-E-01'], seq: 1, ts: new Date(t0).toISOString() }),
      { qos: 1 },
    );
    const raised = await inbox.waitFor(
      (m) =>
        m.topic === topics.unitAlert('U02') && json(m).kind === 'patrol_missed' && json(m).route === 'quick',
      15_000,
      'the missed alert of the quick tour',
    );
    expect(json(raised).state).toBe('raised');
    // the wand was offline for the rest of the tour: its memory arrives later, in device time
    const payload = encodeRecordsPayload([
      { uid: TAG['CP-E-02'], ts: t0 + 1000, seq: 2 },
      { uid: TAG['CP-E-03'], ts: t0 + 2000, seq: 3 },
    ]);
    await wand.publishAsync(topics.device('G001-WAND', 'records'), payload, { qos: 1 });
    const revised = await inbox.waitFor(
      (m) =>
        m.topic === topics.unitAlert('U02') && json(m).id === json(raised).id && json(m).revised === true,
      15_000,
      'the revised alert',
    );
    expect(json(revised)).toMatchObject({ state: 'resolved', resolvedBy: 'system', outcome: 'completed' });
    await inbox.waitFor(
      (m) => m.topic === topics.patrolTour('east', 'quick') && json(m).revision === 1,
      10_000,
      'the revised tour',
    );
    const judged = inbox.messages
      .filter((m) => m.topic === topics.patrolTour('east', 'quick'))
      .map(json)
      .filter((t) => t.endedAt !== null);
    expect(judged.map((t) => [t.status, t.revision])).toEqual([
      ['missed', 0],
      ['completed', 1],
    ]);
    expect(judged[1]).toMatchObject({ previous: { state: 'missed' } });
    expect(typeof judged[1]?.uploadedAt).toBe('string');
    // the events of the records say they were offline, at device time
    const events = await until(
      'the offline tap events',
      () => {
        const e = inbox.messages.filter(
          (m) => m.topic === topics.event('tap', 'east', 'U02') && json(m).offline === true,
        );
        return e.length >= 2 ? e : null;
      },
      10_000,
      50,
    );
    expect(events.map((m) => json(m).ts)).toEqual([
      new Date(t0 + 1000).toISOString(),
      new Date(t0 + 2000).toISOString(),
    ]);
  }, 30_000);

  it('a night recorded offline and docked through the serial dock gives its tour at device time, in InfluxDB too', async () => {
    const night = Date.now() - 4 * 3_600_000; // 4 h ago, device time
    writeLine(tty.b, gplLine(`GP,G002-WAND,REC,${TAG['CP-E-02']},${Math.floor(night / 1000)},101`));
    writeLine(tty.b, gplLine(`GP,G002-WAND,REC,${TAG['CP-E-03']},${Math.floor(night / 1000) + 300},102`));
    writeLine(tty.b, gplLine(`GP,G002-WAND,REC,${TAG['CP-E-03']},${Math.floor(night / 1000) + 301},103`)); // a rescan
    writeLine(tty.b, gplLine('GP,G002-WAND,REC,04D1E2F3,notatime,104'));
    const tour = await inbox
      .waitFor(
        (m) => m.topic === topics.patrolTour('east', 'night') && json(m).status === 'completed',
        15_000,
        'the night tour completed',
      )
      .catch((err: unknown) => {
        const seen = inbox.messages.filter(
          (m) => m.topic.includes('/night/') || m.topic.includes('events/tap'),
        );
        throw new Error(`${String(err)}\n${seen.map((m) => m.payload.toString()).join('\n')}`);
      });
    expect(json(tour)).toMatchObject({
      device: 'G002-WAND',
      guard: 'G002',
      startedAt: new Date(Math.floor(night / 1000) * 1000).toISOString(),
      visited: ['CP-E-02', 'CP-E-03'],
    });
    const reject = await inbox.waitFor(
      (m) => m.topic === topics.rejects && String(json(m).reason).startsWith('ts:'),
      10_000,
      'the bad REC line',
    );
    expect(json(reject)).toMatchObject({ device: 'G002-WAND', reason: 'ts: must be unix seconds' });
    const rescan = await inbox.waitFor(
      (m) => m.topic === topics.event('tap', 'east', 'U02') && json(m).seq === 103,
      10_000,
      'the rescan event',
    );
    expect(json(rescan).exceptions).toEqual(['rescan']);
    // InfluxDB: the patrol points of both wands' tours, the night one at its device time
    const points = await until(
      'patrol points in InfluxDB',
      async () => {
        const r = await rows(influx, 'SELECT * FROM patrol', DB);
        return r.length >= 3 ? r : null;
      },
      20_000,
      100,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}\n${gw
          .logs()
          .split('\n')
          .filter((l) => /influx/i.test(l))
          .slice(-10)
          .join('\n')}`,
      );
    });
    const nightPoint = points.find((p) => p.route === 'night');
    expect(nightPoint).toMatchObject({ state: 'completed', visited: 2, revision: 0 });
    const time = nightPoint?.time;
    const ms = typeof time === 'number' ? time : Date.parse(String(time));
    expect([ms, Math.round(ms / 1e6)]).toContain(Math.floor(night / 1000) * 1000 + 300_000);
    const quick = points.filter((p) => p.route === 'quick').map((p) => [p.state, p.revision]);
    expect(quick).toEqual(
      expect.arrayContaining([
        ['missed', 0],
        ['completed', 1],
      ]),
    );
    const alerts = await rows(influx, "SELECT * FROM alert WHERE kind = 'patrol_missed'", DB);
    expect(alerts.map((a) => a.state)).toEqual(expect.arrayContaining(['raised', 'resolved']));
  }, 40_000);

  it('malformed records are refused with reasons; the good ones of the message are kept', async () => {
    const now = Date.now();
    const tooMany = encodeRecordsPayload(
      Array.from({ length: 1001 }, (_, i) => ({ uid: TAG['CP-E-01'], ts: now, seq: 1000 + i })),
    );
    await wand.publishAsync(topics.device('G001-WAND', 'records'), tooMany, { qos: 1 });
    await inbox.waitFor(
      (m) => m.topic === topics.rejects && json(m).reason === 'records: 1001 > 1000 per message',
      10_000,
      'the >1000 reject',
    );
    const mixed = JSON.stringify({
      records: [
        { uid: TAG['CP-E-01'], ts: now / 1000, seq: 5001 },
        { uid: TAG['CP-E-01'], ts: now / 1000, seq: -1 },
        { uid: TAG['CP-E-01'], ts: 'yesterday', seq: 5003 },
        { uid: TAG['CP-E-01'], ts: now / 1000 + 3600, seq: 5004 },
      ],
    });
    await wand.publishAsync(topics.device('G001-WAND', 'records'), mixed, { qos: 1 });
    const reasons = await until(
      'three record rejects',
      () => {
        const r = inbox.messages
          .filter((m) => m.topic === topics.rejects && String(json(m).reason).startsWith('records['))
          .map((m) => String(json(m).reason));
        return r.length >= 3 ? r : null;
      },
      10_000,
      50,
    );
    expect(reasons).toEqual([
      'records[1]: seq: must be an integer 0..4294967295',
      'records[2]: ts: must be unix seconds or an RFC 3339 string',
      expect.stringMatching(/^records\[3\]: ts in the future/),
    ]);
    await inbox.waitFor(
      (m) => m.topic === topics.event('tap', 'east', 'U02') && json(m).seq === 5001,
      10_000,
      'the good record',
    );
    // a second upload of the same memory adds nothing: deduped by (device, seq)
    const before = inbox.messages.filter((m) => m.topic === topics.event('tap', 'east', 'U02')).length;
    await wand.publishAsync(topics.device('G001-WAND', 'records'), mixed, { qos: 1 });
    await wand.publishAsync(
      topics.device('G001-WAND', 'tap'),
      JSON.stringify({ uid: TAG['CP-E-01'], seq: 6000 }),
      { qos: 1 },
    );
    await inbox.waitFor(
      (m) => m.topic === topics.event('tap', 'east', 'U02') && json(m).seq === 6000,
      10_000,
      'the marker tap',
    );
    const after = inbox.messages.filter((m) => m.topic === topics.event('tap', 'east', 'U02')).length;
    expect(after - before).toBe(1);
  }, 30_000);
});
