/**
 * The exporter against a real influxd (Debian 1.6) and a real Journal: every
 * measurement's tags and fields, an outage with a 5,000-event backlog, a
 * re-send after a crash between write and cursor commit, quarantine of a
 * point InfluxDB refuses, retention, health and metrics.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createInfluxExtension,
  INFLUX_CURSOR,
  type InfluxExportOptions,
  type InfluxExtension,
} from '../../gateway/src/export/influx/index.js';
import type { JournalBody } from '../../gateway/src/journal/types.js';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.js';
import { until } from '../support/wait.js';
import { makeContext, type TestContext } from './context.js';
import { alert, heartbeat, panic, rollcallResult, smallSite, status, tap, tour } from './helpers.js';
import { count, fieldKeys, rows, tagKeys } from './influx-query.js';

const site = smallSite();
const T = Date.UTC(2026, 10, 28, 12, 0, 0, 0);
let influx: RunningInfluxd;
let dbCounter = 0;
const running: { ext: InfluxExtension; tc: TestContext }[] = [];

beforeAll(async () => {
  influx = await startInfluxd();
});

afterAll(async () => {
  await influx?.stop();
});

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.ext.stop();
    r.tc.journal.close();
  }
});

function freshDb(): string {
  dbCounter += 1;
  return `gp_test_${process.pid}_${dbCounter}`;
}

async function startExporter(
  tc: TestContext,
  options: Partial<InfluxExportOptions> & { database: string },
): Promise<InfluxExtension> {
  const ext = createInfluxExtension({
    url: influx.url,
    lingerMs: 20,
    pollMs: 100,
    backoffBaseMs: 50,
    backoffMaxMs: 300,
    requestTimeoutMs: 5000,
    ...options,
  });
  await ext.start(tc.ctx);
  running.push({ ext, tc });
  return ext;
}

async function stopExporter(ext: InfluxExtension): Promise<void> {
  const idx = running.findIndex((r) => r.ext === ext);
  await ext.stop();
  if (idx >= 0) running.splice(idx, 1);
}

describe('InfluxDB export (component, real influxd)', () => {
  it('creates the database and retention policy and writes every measurement with its tags and fields', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    const bodies: { body: JournalBody; at: number }[] = [
      { body: tap(T, 17, { guard: 'G001', route: 'east-night' }), at: T },
      { body: panic(T + 1, 'pressed', 18), at: T + 1 },
      { body: alert(T + 2, 'raised'), at: T + 2 },
      { body: alert(T + 3, 'acknowledged', { ackMs: 4200 }), at: T + 3 },
      { body: rollcallResult(T + 4), at: T + 4 },
      { body: tour(T + 5), at: T + 5 },
      { body: heartbeat(T + 6, 87, -61), at: T + 6 },
      { body: status(T + 7, 'offline', 'G001-WAND'), at: T + 7 },
      {
        body: { type: 'op', input: { op: 'ack', id: 'A-1', by: 'U01-duty', unit: 'U01' }, at: T + 8 },
        at: T + 8,
      },
    ];
    const entries = tc.append(bodies);
    const ext = await startExporter(tc, { database: db, retention: '30d' });
    expect(await ext.drained(entries.at(-1)?.seq, 20_000)).toBe(true);

    const rps = await rows(influx, `SHOW RETENTION POLICIES ON "${db}"`, db);
    expect(rps.find((r) => r.name === 'guardpost')).toMatchObject({ duration: '720h0m0s', default: true });

    expect(await tagKeys(influx, 'tap', db)).toEqual([
      'checkpoint',
      'device',
      'guard',
      'route',
      'unit',
      'zone',
    ]);
    expect(await fieldKeys(influx, 'tap', db)).toEqual({ seq: 'integer', uid: 'string' });
    expect(await tagKeys(influx, 'panic', db)).toEqual(['device', 'unit', 'zone']);
    expect(await fieldKeys(influx, 'panic', db)).toEqual({ state: 'string' });
    expect(await tagKeys(influx, 'alert', db)).toEqual(['kind', 'state', 'unit', 'zone']);
    expect(await fieldKeys(influx, 'alert', db)).toEqual({ ack_ms: 'integer', id: 'string' });
    expect(await tagKeys(influx, 'rollcall', db)).toEqual(['call', 'unit', 'zone']);
    expect(await fieldKeys(influx, 'rollcall', db)).toEqual({
      absent: 'integer',
      late: 'integer',
      present: 'integer',
    });
    expect(await tagKeys(influx, 'patrol', db)).toEqual(['route', 'zone']);
    expect(await fieldKeys(influx, 'patrol', db)).toEqual({
      duration_s: 'float',
      early: 'integer',
      exceptions: 'integer',
      expected: 'integer',
      late: 'integer',
      missed: 'integer',
      revision: 'integer',
      state: 'string',
      visited: 'integer',
    });
    expect(await tagKeys(influx, 'device', db)).toEqual(['device', 'kind', 'unit', 'zone']);
    expect(await fieldKeys(influx, 'device', db)).toEqual({
      battery: 'integer',
      online: 'boolean',
      rssi: 'integer',
    });

    const tapRows = await rows(influx, 'SELECT * FROM tap', db);
    expect(tapRows).toEqual([
      {
        measurement: 'tap',
        time: T,
        checkpoint: 'CP-E-01',
        device: 'G001-WAND',
        guard: 'G001',
        route: 'east-night',
        seq: 17,
        uid: '04D1E2F3',
        unit: 'U02',
        zone: 'east',
      },
    ]);
    expect(await rows(influx, 'SELECT * FROM panic', db)).toEqual([
      {
        measurement: 'panic',
        time: T + 1,
        device: 'U02-PANIC-1',
        state: 'pressed',
        unit: 'U02',
        zone: 'east',
      },
    ]);
    expect(await rows(influx, 'SELECT * FROM alert', db)).toEqual([
      {
        measurement: 'alert',
        time: T + 2,
        ack_ms: null,
        id: 'A-1',
        kind: 'panic',
        state: 'raised',
        unit: 'U02',
        zone: 'east',
      },
      {
        measurement: 'alert',
        time: T + 3,
        ack_ms: 4200,
        id: 'A-1',
        kind: 'panic',
        state: 'acknowledged',
        unit: 'U02',
        zone: 'east',
      },
    ]);
    expect(await rows(influx, 'SELECT * FROM rollcall', db)).toEqual([
      {
        measurement: 'rollcall',
        time: T + 4,
        absent: 1,
        call: 'RC-1',
        late: 1,
        present: 2,
        unit: 'U02',
        zone: 'east',
      },
    ]);
    expect(await rows(influx, 'SELECT * FROM patrol', db)).toEqual([
      {
        measurement: 'patrol',
        time: T + 5,
        duration_s: 1234.5,
        early: 0,
        exceptions: 0,
        expected: 3,
        late: 1,
        missed: 1,
        revision: 0,
        route: 'east-night',
        state: 'missed',
        visited: 2,
        zone: 'east',
      },
    ]);
    expect(await rows(influx, 'SELECT * FROM device ORDER BY time', db)).toEqual([
      {
        measurement: 'device',
        time: T + 6,
        battery: 87,
        device: 'U02-PANIC-1',
        kind: 'panic',
        online: true,
        rssi: -61,
        unit: 'U02',
        zone: 'east',
      },
      {
        measurement: 'device',
        time: T + 7,
        battery: null,
        device: 'G001-WAND',
        kind: 'reader',
        online: false,
        rssi: null,
        unit: 'U02',
        zone: 'east',
      },
    ]);
    expect(tc.journal.getCursor(INFLUX_CURSOR)).toBe(entries.at(-1)?.seq);
    expect(ext.health()).toMatchObject({
      enabled: true,
      connected: true,
      backlog: { events: 0 },
      written: 8,
    });
  });

  it('keeps two distinct events of one device in one millisecond as two points', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    const entries = tc.append([
      { body: tap(T, 1, { uid: '04D1E2F3' }), at: T },
      { body: tap(T, 2, { uid: '04D1E2F4', checkpoint: 'CP-E-02' }), at: T },
      { body: tap(T, 3, { uid: '04D1E2F3' }), at: T },
      { body: panic(T, 'pressed', 4), at: T },
      { body: panic(T, 'released', 5), at: T },
    ]);
    const ext = await startExporter(tc, { database: db });
    expect(await ext.drained(entries.at(-1)?.seq, 20_000)).toBe(true);
    const taps = await rows(influx, 'SELECT seq, uid FROM tap ORDER BY time', db);
    // seq 1 and 3 share measurement, tags and ms: the later one moves 1 ms on
    expect(taps.map((r) => [r.time, r.seq])).toEqual([
      [T, 1],
      [T, 2],
      [T + 1, 3],
    ]);
    const panics = await rows(influx, 'SELECT state FROM panic ORDER BY time', db);
    expect(panics.map((r) => [r.time, r.state])).toEqual([
      [T, 'pressed'],
      [T + 1, 'released'],
    ]);
  });

  it('moves same-ms points across batch boundaries as one batch would (next batch prepared during a write)', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    // three taps of one wand per ms, in batches of 7: every batch starts on slots its predecessor took
    const entries = tc.append(
      Array.from({ length: 300 }, (_, i) => {
        const at = T + Math.floor(i / 3);
        return { body: tap(at, i + 1), at };
      }),
    );
    const ext = await startExporter(tc, { database: db, batchSize: 7 });
    expect(await ext.drained(entries.at(-1)?.seq, 30_000)).toBe(true);
    const taps = await rows(influx, 'SELECT seq FROM tap ORDER BY time', db);
    expect(taps.map((r) => [r.time, r.seq])).toEqual(entries.map((e, i) => [T + i, e.seq]));
    expect(ext.health()).toMatchObject({ written: 300, backlog: { events: 0 } });
  });

  it('survives an outage: 5,000 events journaled while influxd is down all arrive once', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    await influx.stop();
    try {
      const ext = await startExporter(tc, { database: db });
      // four bursts: several taps of one wand in each millisecond
      for (let b = 0; b < 4; b++) {
        tc.append(
          Array.from({ length: 1250 }, (_, i) => {
            const n = b * 1250 + i + 1;
            const at = T + 10_000 + Math.floor(n / 3);
            return { body: tap(at, n), at };
          }),
        );
      }
      await until('a write error', () => ext.health().lastError, 10_000, 25);
      const down = ext.health();
      expect(down.connected).toBe(false);
      expect(down.backlog.events).toBe(5000);
      expect(down.backlog.oldestAgeMs).toBeGreaterThan(0);
      expect(String(down.lastError)).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/i);
      expect(tc.journal.getCursor(INFLUX_CURSOR)).toBe(0);
      const metrics = await tc.registry.metrics();
      expect(metrics).toMatch(/guardpost_influx_backlog_events 5000/);
      expect(metrics).toMatch(/guardpost_influx_write_errors_total\{kind="connection"\} [1-9]/);
    } finally {
      await influx.start();
    }
    const ext = running.at(-1)?.ext as InfluxExtension;
    expect(await ext.drained(5000, 60_000)).toBe(true);
    expect(await count(influx, 'SELECT count(seq) FROM tap', db)).toBe(5000);
    expect(await count(influx, 'SELECT count(distinct(seq)) FROM tap', db)).toBe(5000);
    const sum = await rows(influx, 'SELECT sum(seq) FROM tap', db);
    expect(sum[0]?.sum).toBe((5000 * 5001) / 2);
    expect(ext.health()).toMatchObject({
      connected: true,
      lastError: null,
      backlog: { events: 0 },
      written: 5000,
    });
  });

  it('re-sends after a crash between write and cursor commit without changing what InfluxDB holds', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    const items = Array.from({ length: 900 }, (_, i) => {
      const at = T + Math.floor(i / 4); // collisions in every ms
      return { body: i % 3 === 0 ? panic(at, i % 2 ? 'pressed' : 'released', i + 1) : tap(at, i + 1), at };
    });
    const entries = tc.append(items);
    const last = entries.at(-1)?.seq ?? 0;
    const first = await startExporter(tc, { database: db, batchSize: 200 });
    expect(await first.drained(last, 30_000)).toBe(true);
    await stopExporter(first);
    const before = {
      taps: await rows(influx, 'SELECT * FROM tap', db),
      panics: await rows(influx, 'SELECT * FROM panic', db),
    };
    expect(before.taps.length + before.panics.length).toBe(900);

    // the cursor commit "did not happen": back to the middle of the journal, and to the start
    for (const back of [450, 0]) {
      tc.journal.setCursor(INFLUX_CURSOR, back);
      const again = await startExporter(tc, { database: db, batchSize: 200 });
      expect(await again.drained(last, 30_000)).toBe(true);
      await stopExporter(again);
      expect(await rows(influx, 'SELECT * FROM tap', db)).toEqual(before.taps);
      expect(await rows(influx, 'SELECT * FROM panic', db)).toEqual(before.panics);
    }
    expect(await count(influx, 'SELECT count(seq) FROM tap', db)).toBe(600);
  });

  it('quarantines a point InfluxDB refuses and writes the rest', async () => {
    const db = freshDb();
    const old = T - 30 * 24 * 3600 * 1000;
    const tc = makeContext(site);
    // another writer made `seq` a string in the shard that holds `old`
    await influx.query(`CREATE DATABASE "${db}"`);
    const raw = await influx.writeLines(`tap,zone=east,unit=U02,device=OTHER seq="x",uid="x" ${old}`, db);
    expect(raw.status).toBe(204);
    const items: { body: JournalBody; at: number }[] = [];
    for (let i = 0; i < 20; i++) items.push({ body: tap(T + i, i + 1), at: T + i });
    items.push({ body: tap(old + 1000, 99), at: old + 1000 });
    for (let i = 0; i < 5; i++) items.push({ body: panic(T + i, 'pressed', 100 + i), at: T + i });
    const entries = tc.append(items);
    const ext = await startExporter(tc, { database: db });
    expect(await ext.drained(entries.at(-1)?.seq, 20_000)).toBe(true);

    expect(await count(influx, `SELECT count(seq) FROM tap WHERE device = 'G001-WAND'`, db)).toBe(20);
    expect(await count(influx, 'SELECT count(state) FROM panic', db)).toBe(5);
    const q = tc.journal.db
      .prepare('SELECT seq, measurement, line, error, at FROM influx_quarantine')
      .all() as {
      seq: number;
      measurement: string;
      line: string;
      error: string;
    }[];
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ seq: entries[20]?.seq, measurement: 'tap' });
    expect(q[0]?.line).toBe(
      `tap,checkpoint=CP-E-01,device=G001-WAND,unit=U02,zone=east seq=99i,uid="04D1E2F3" ${old + 1000}`,
    );
    expect(q[0]?.error).toMatch(/field type conflict/);
    expect(ext.health()).toMatchObject({ quarantined: 1, written: 25, backlog: { events: 0 } });
    expect(await tc.registry.metrics()).toMatch(/guardpost_influx_quarantined_total 1/);
    expect(tc.logs.join('\n')).toMatch(/quarantined/);
  });

  it('re-creates a database dropped under it (404 database not found) and writes the batch', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    const first = tc.append([{ body: panic(T, 'pressed', 1), at: T }]);
    const ext = await startExporter(tc, { database: db });
    expect(await ext.drained(first.at(-1)?.seq, 20_000)).toBe(true);
    await influx.query(`DROP DATABASE "${db}"`);
    const second = tc.append([{ body: panic(T + 5, 'released', 2), at: T + 5 }]);
    expect(await ext.drained(second.at(-1)?.seq, 20_000)).toBe(true);
    expect(await rows(influx, 'SELECT state FROM panic', db)).toEqual([
      { measurement: 'panic', time: T + 5, state: 'released' },
    ]);
    expect(await tc.registry.metrics()).toMatch(/guardpost_influx_write_errors_total\{kind="not_found"\} 1/);
  });

  it('starts a fresh cursor at the oldest retained entry and counts entries pruned before export', async () => {
    const db = freshDb();
    const tc = makeContext(site);
    const oldRx = Date.now() - 3600_000;
    const a = tc.append(
      Array.from({ length: 30 }, (_, i) => ({ body: tap(T + i, i + 1), at: T + i, rx: oldRx })),
    );
    const b = tc.append(
      Array.from({ length: 20 }, (_, i) => ({ body: tap(T + 100 + i, 100 + i), at: T + 100 + i })),
    );
    expect(tc.journal.prune(oldRx + 1).deleted).toBe(30);
    // export never configured before: no cursor row, nothing counted as lost
    const ext = await startExporter(tc, { database: db });
    expect(await ext.drained(b.at(-1)?.seq, 20_000)).toBe(true);
    expect(await count(influx, 'SELECT count(seq) FROM tap', db)).toBe(20);
    expect(ext.health().lostToRetention).toBe(0);
    await stopExporter(ext);

    // now with a cursor that retention overtakes
    const c = tc.append(
      Array.from({ length: 10 }, (_, i) => ({ body: tap(T + 200 + i, 200 + i), at: T + 200 + i, rx: oldRx })),
    );
    const d = tc.append(
      Array.from({ length: 5 }, (_, i) => ({ body: tap(T + 300 + i, 300 + i), at: T + 300 + i })),
    );
    expect(tc.journal.prune(oldRx + 1).unconsumed).toEqual({ [INFLUX_CURSOR]: 10 });
    // InfluxDB is down: the exporter re-reads the same gap on every retry and counts it once
    await influx.stop();
    let again: InfluxExtension;
    try {
      again = await startExporter(tc, { database: db });
      await until(
        'three connection errors',
        async () => {
          const m = await tc.registry.getSingleMetricAsString('guardpost_influx_write_errors_total');
          const n = Number(/kind="connection"\} (\d+)/.exec(m)?.[1] ?? 0);
          return n >= 3 ? n : null;
        },
        20_000,
        25,
      );
      expect(again.health().lostToRetention).toBe(c.length);
    } finally {
      await influx.start();
    }
    expect(await again.drained(d.at(-1)?.seq, 20_000)).toBe(true);
    expect(again.health().lostToRetention).toBe(c.length);
    expect(await tc.registry.metrics()).toMatch(/guardpost_influx_lost_to_retention_total 10/);
    expect(await count(influx, 'SELECT count(seq) FROM tap', db)).toBe(25);
    expect(a.length).toBe(30);
  });
});
