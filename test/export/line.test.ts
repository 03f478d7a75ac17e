import { InfluxDB, type IPoint, escape as lineEscape } from 'influx';
import { describe, expect, it } from 'vitest';
import { encodeLine } from '../../gateway/src/export/influx/line.js';
import { influxSchemas, toPoints } from '../../gateway/src/export/influx/points.js';
import { ExportStore, type PendingPoint } from '../../gateway/src/export/influx/store.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalBody } from '../../gateway/src/journal/types.js';
import { alert, heartbeat, panic, rollcallResult, smallSite, status, tap, tour } from './helpers.js';

const site = smallSite();
const T = Date.UTC(2026, 10, 28, 20, 1, 2, 123);
// never contacted: only its point encoding is used
const reference = new InfluxDB({ host: '127.0.0.1', database: 'db', schema: influxSchemas('db') });

/** The line node-influx's writePoints builds for a point (its own code path, ms precision). */
function nodeInfluxLine(point: IPoint): string {
  const p = reference.parsePoint(point, { precision: 'ms', database: 'db' });
  let line = p.measurement ?? '';
  for (const name of p.tagsNames) line += `,${lineEscape.tag(name)}=${lineEscape.tag(p.tags?.[name] ?? '')}`;
  for (let i = 0; i < p.fieldsPairs.length; i += 1) {
    const [k, v] = p.fieldsPairs[i] as [string, string];
    line += `${i === 0 ? ' ' : ','}${lineEscape.tag(k)}=${v}`;
  }
  if (p.castedTimestamp !== undefined) line += ` ${p.castedTimestamp}`;
  return line;
}

const awkward = [
  'plain',
  'with space',
  'a,b',
  'k=v',
  'quote"d',
  'back\\slash',
  "it\\'s",
  'tab\there',
  'zoné ✓',
  '\\',
];

describe('line protocol (encodeLine)', () => {
  it('is byte for byte what node-influx writes, for every measurement and awkward strings', () => {
    const points: IPoint[] = [];
    for (const body of [
      tap(T, 17, { guard: 'G001', route: 'east-night' }),
      heartbeat(T, 81.6, -67.2, 3),
      status(T, 'offline'),
      panic(T, 'pressed'),
      alert(T, 'raised'),
      alert(T, 'acknowledged', { ackMs: 4321.6 }),
      rollcallResult(T),
      tour(T),
    ] as JournalBody[]) {
      points.push(...toPoints({ seq: 1, at: T, body }, site));
    }
    for (const s of awkward) {
      points.push({
        measurement: 'tap',
        tags: { device: s, zone: s },
        fields: { uid: s, seq: 3 },
        timestamp: T,
      });
      points.push({
        measurement: 'alert',
        tags: { kind: s },
        fields: { id: s, ack_ms: 12.7 },
        timestamp: T + 1,
      });
    }
    points.push({
      measurement: 'patrol',
      tags: { route: 'r' },
      fields: { duration_s: 0.1 + 0.2, expected: 3 },
    });
    points.push({ measurement: 'device', tags: {}, fields: { online: false, battery: -3 }, timestamp: T });
    expect(points.length).toBeGreaterThan(20);
    for (const p of points) expect(encodeLine(p)).toBe(nodeInfluxLine(p));
  });

  it('refuses what node-influx refuses: stray tags or fields, wrong types, unknown measurements', () => {
    const bad: IPoint[] = [
      { measurement: 'tap', tags: { colour: 'red' }, fields: { uid: 'x' }, timestamp: T },
      { measurement: 'tap', tags: {}, fields: { uid: 'x', extra: 1 }, timestamp: T },
      { measurement: 'tap', tags: {}, fields: { seq: 'many' }, timestamp: T },
      { measurement: 'device', tags: {}, fields: { online: 1 }, timestamp: T },
    ];
    for (const p of bad) {
      expect(() => nodeInfluxLine(p)).toThrow();
      expect(() => encodeLine(p)).toThrow();
    }
    expect(() => encodeLine({ measurement: 'weather', fields: { t: 1 }, timestamp: T })).toThrow(/schema/);
  });
});

describe('ExportStore.assignTimes with a batch in flight', () => {
  function pending(seq: number, at: number, body: JournalBody): PendingPoint {
    const [point] = toPoints({ seq, at, body }, site);
    if (!point) throw new Error('no point');
    return { seq, point };
  }
  const first = () => [
    pending(1, T, tap(T, 1)),
    pending(2, T, tap(T, 2)),
    pending(3, T + 5, panic(T, 'pressed')),
  ];
  const second = () => [
    pending(4, T, tap(T, 4)),
    pending(5, T + 1, tap(T + 1, 5)),
    pending(6, T + 5, panic(T, 'released')),
  ];

  it('gives the next batch the same times as after the in-flight batch is committed', () => {
    const committed = new Journal({ path: ':memory:' });
    const storeA = new ExportStore(committed.db);
    storeA.commit(storeA.assignTimes(first()), [], () => committed.setCursor('influx', 3));
    const afterCommit = second();
    storeA.assignTimes(afterCommit);

    const inFlight = new Journal({ path: ':memory:' });
    const storeB = new ExportStore(inFlight.db);
    const slots = storeB.assignTimes(first());
    const ahead = second();
    storeB.assignTimes(ahead, slots);

    expect(ahead.map((p) => p.point.timestamp)).toEqual(afterCommit.map((p) => p.point.timestamp));
    expect(ahead.map((p) => p.point.timestamp)).toEqual([T + 2, T + 3, T + 6]);
    committed.close();
    inFlight.close();
  });
});
