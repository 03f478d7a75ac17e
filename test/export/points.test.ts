import { describe, expect, it } from 'vitest';
import { influxOptionsFromConfig } from '../../gateway/src/export/influx/config.js';
import { classifyWriteError } from '../../gateway/src/export/influx/errors.js';
import { influxDuration } from '../../gateway/src/export/influx/exporter.js';
import { seriesKey, toPoints } from '../../gateway/src/export/influx/points.js';
import { ExportStore, type PendingPoint } from '../../gateway/src/export/influx/store.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalBody, JournalEntry } from '../../gateway/src/journal/types.js';
import { alert, heartbeat, panic, rollcallResult, smallSite, status, tap, tour } from './helpers.js';

const site = smallSite();
const T = Date.UTC(2026, 10, 28, 20, 1, 2, 123);
const entry = (body: JournalBody, at = T, seq = 7): JournalEntry => ({ seq, at, body });

describe('toPoints (protocol.md §3)', () => {
  it('tap: known tags only, uid string and seq int, event time in ms', () => {
    const [p, ...rest] = toPoints(entry(tap(T, 17, { guard: 'G001', route: 'east-night' })), site);
    expect(rest).toEqual([]);
    expect(p).toEqual({
      measurement: 'tap',
      tags: {
        zone: 'east',
        unit: 'U02',
        device: 'G001-WAND',
        checkpoint: 'CP-E-01',
        guard: 'G001',
        route: 'east-night',
      },
      fields: { uid: '04D1E2F3', seq: 17 },
      timestamp: T,
    });
  });

  it('tap: unknown checkpoint / guard / route are left out; a missing seq is not written', () => {
    const [p] = toPoints(
      entry(tap(T, null, { checkpoint: null, uid: 'DEADBEEF', uidKind: 'unknown' })),
      site,
    );
    expect(p?.tags).toEqual({ zone: 'east', unit: 'U02', device: 'G001-WAND' });
    expect(p?.fields).toEqual({ uid: 'DEADBEEF' });
  });

  it('panic: zone, unit, device; state', () => {
    const [p] = toPoints(entry(panic(T, 'released')), site);
    expect(p).toEqual({
      measurement: 'panic',
      tags: { zone: 'east', unit: 'U02', device: 'U02-PANIC-1' },
      fields: { state: 'released' },
      timestamp: T,
    });
  });

  it('alert: zone, unit, kind, state; id, and ack_ms only on acknowledgement', () => {
    const [raised] = toPoints(entry(alert(T, 'raised', { ackMs: 999 })), site);
    expect(raised).toEqual({
      measurement: 'alert',
      tags: { zone: 'east', unit: 'U02', kind: 'panic', state: 'raised' },
      fields: { id: 'A-1' },
      timestamp: T,
    });
    const [acked] = toPoints(entry(alert(T, 'acknowledged', { ackMs: 4200 })), site);
    expect(acked?.tags?.state).toBe('acknowledged');
    expect(acked?.fields).toEqual({ id: 'A-1', ack_ms: 4200 });
    const [resolved] = toPoints(entry(alert(T, 'resolved', { ackMs: 4200 })), site);
    expect(resolved?.fields).toEqual({ id: 'A-1' });
  });

  it('rollcall: one point per unit result with present, late, absent counts', () => {
    const [p] = toPoints(entry(rollcallResult(T)), site);
    expect(p).toEqual({
      measurement: 'rollcall',
      tags: { zone: 'east', unit: 'U02', call: 'RC-1' },
      fields: { present: 2, late: 1, absent: 1 },
      timestamp: T,
    });
  });

  it('patrol: zone, route; counts and duration_s from a tour record', () => {
    const [p] = toPoints(entry(tour(T)), site);
    expect(p).toEqual({
      measurement: 'patrol',
      tags: { zone: 'east', route: 'east-night' },
      fields: {
        expected: 3,
        visited: 2,
        missed: 1,
        late: 1,
        duration_s: 1234.5,
        // extensions: the tour state, early checkpoints, exception count, revision
        state: 'missed',
        early: 0,
        exceptions: 0,
        revision: 0,
      },
      timestamp: T,
    });
  });

  it('device: heartbeat is online with battery and rssi when known; kind comes from the site', () => {
    const [hb] = toPoints(entry(heartbeat(T, 87, -61)), site);
    expect(hb).toEqual({
      measurement: 'device',
      tags: { zone: 'east', unit: 'U02', device: 'U02-PANIC-1', kind: 'panic' },
      fields: { online: true, battery: 87, rssi: -61 },
      timestamp: T,
    });
    const [bare] = toPoints(entry(heartbeat(T, null, null)), site);
    expect(bare?.fields).toEqual({ online: true });
    const [off] = toPoints(entry(status(T, 'offline', 'G001-WAND')), site);
    expect(off?.tags).toEqual({ zone: 'east', unit: 'U02', device: 'G001-WAND', kind: 'reader' });
    expect(off?.fields).toEqual({ online: false });
  });

  it('inputs the contract does not export give no point', () => {
    const op: JournalBody = {
      type: 'op',
      input: { op: 'ack', id: 'A-1', by: 'U01-duty', unit: 'U01' },
      at: T,
    };
    const start: JournalBody = {
      type: 'rollcall-start',
      call: { call: 'RC-1', startedAt: T, deadline: T + 1, units: ['U02'], by: 'tech1' },
    };
    const missed: JournalBody = {
      type: 'schedule-missed',
      route: 'east-night',
      zone: 'east',
      slot: T,
      at: T,
    };
    for (const body of [op, start, missed]) expect(toPoints(entry(body), site)).toEqual([]);
  });

  it('uses the entry time, not the device receive time', () => {
    const body = tap(T, 1);
    if (body.type === 'event') body.event.receivedAt = T + 60_000;
    expect(toPoints(entry(body, T), site)[0]?.timestamp).toBe(T);
  });
});

describe('point identity (ExportStore.assignTimes)', () => {
  function pending(seq: number, at: number, body: JournalBody): PendingPoint {
    const [point] = toPoints({ seq, at, body }, site);
    if (!point) throw new Error('no point');
    return { seq, point };
  }

  it('keeps distinct series at their own time and moves a same-series same-ms point to the next free ms', () => {
    const journal = new Journal({ path: ':memory:' });
    const store = new ExportStore(journal.db);
    const batch = [
      pending(1, T, tap(T, 1)),
      pending(2, T, tap(T, 2)),
      pending(3, T, tap(T, 3, { device: 'U02-READER-1' })),
      pending(4, T + 1, tap(T + 1, 4)),
      pending(5, T, panic(T, 'pressed')),
    ];
    const slots = store.assignTimes(batch);
    expect(batch.map((p) => p.point.timestamp)).toEqual([T, T + 1, T, T + 2, T]);
    expect(new Set(slots.map((s) => `${s.series}@${s.ms}`)).size).toBe(5);
    journal.close();
  });

  it('is deterministic across a re-send: committed slots are found again, later batches avoid them', () => {
    const journal = new Journal({ path: ':memory:' });
    const store = new ExportStore(journal.db);
    const first = [pending(1, T, tap(T, 1)), pending(2, T, tap(T, 2))];
    store.commit(store.assignTimes(first), [], () => journal.setCursor('influx', 2));
    // crash before commit of the next batch, then the same batch again
    const again = () => [
      pending(2, T, tap(T, 2)),
      pending(3, T, tap(T, 3)),
      pending(4, T + 1, tap(T + 1, 4)),
    ];
    const a = again();
    store.assignTimes(a);
    const b = again();
    store.assignTimes(b);
    expect(a.map((p) => p.point.timestamp)).toEqual([T + 1, T + 2, T + 3]);
    expect(b.map((p) => p.point.timestamp)).toEqual(a.map((p) => p.point.timestamp));
    expect(seriesKey(a[0]?.point ?? {})).toBe(seriesKey(first[0]?.point ?? {}));
    journal.close();
  });

  it('a burst of one series in one ms spreads over consecutive ms without quadratic probing', () => {
    const journal = new Journal({ path: ':memory:' });
    const store = new ExportStore(journal.db);
    const burst = Array.from({ length: 3000 }, (_, i) =>
      pending(i + 1, T + Math.floor(i / 5), tap(T, i + 1)),
    );
    store.assignTimes(burst);
    const times = burst.map((p) => Number(p.point.timestamp));
    expect(new Set(times).size).toBe(3000);
    expect(Math.min(...times)).toBe(T);
    journal.close();
  });
});

describe('write error classification', () => {
  const requestError = (status: number, body: string) =>
    Object.assign(new Error(`A ${status} error occurred: ${body}`), { res: { statusCode: status } });

  it('only point errors lead to quarantine; transport and unknown errors are retried', () => {
    expect(
      classifyWriteError(
        requestError(400, '{"error":"partial write: field type conflict: input field \\"seq\\""}'),
      ),
    ).toMatchObject({
      kind: 'bad_points',
      status: 400,
      message: 'partial write: field type conflict: input field "seq"',
    });
    expect(classifyWriteError(requestError(404, '{"error":"database not found: \\"gp\\""}')).kind).toBe(
      'not_found',
    );
    expect(classifyWriteError(requestError(401, '{"error":"authorization failed"}')).kind).toBe('auth');
    expect(classifyWriteError(requestError(413, 'too big')).kind).toBe('too_large');
    expect(classifyWriteError(requestError(400, '{"error":"something else"}')).kind).toBe('client');
    expect(
      classifyWriteError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind,
    ).toBe('connection');
    expect(classifyWriteError(new Error('Request timed out')).kind).toBe('timeout');
    expect(classifyWriteError(new Error('No host available')).kind).toBe('connection');
    expect(classifyWriteError(new Error('error parsing query: unsupported')).kind).toBe('client');
  });
});

describe('configuration', () => {
  it('maps gateway.influx and the environment overrides to exporter options', () => {
    const cfg = { url: 'http://127.0.0.1:8086', database: 'guardpost', retention: '90d', linger: '1s' };
    expect(influxOptionsFromConfig(cfg, {})).toEqual({
      url: 'http://127.0.0.1:8086',
      database: 'guardpost',
      retention: '90d',
      lingerMs: 1000,
    });
    expect(
      influxOptionsFromConfig(cfg, {
        GUARDPOST_INFLUX_URL: 'http://10.0.0.9:8086',
        GUARDPOST_INFLUX_DB: 'x',
      }),
    ).toMatchObject({ url: 'http://10.0.0.9:8086', database: 'x' });
    expect(influxOptionsFromConfig(cfg, { GUARDPOST_INFLUX_URL: '' })).toBeNull();
    expect(influxOptionsFromConfig(undefined, {})).toBeNull();
    expect(influxOptionsFromConfig(undefined, { GUARDPOST_INFLUX_URL: 'http://127.0.0.1:1' })).toEqual({
      url: 'http://127.0.0.1:1',
      database: 'guardpost',
    });
    expect(influxDuration('90d')).toBe('90d');
    expect(influxDuration('1.5h')).toBe('5400s');
  });
});
