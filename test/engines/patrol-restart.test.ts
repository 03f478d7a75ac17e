import { describe, expect, it } from 'vitest';
import { PatrolEngine } from '../../gateway/src/engines/patrol/index.js';
import {
  type Action,
  Bench,
  cardTap,
  loadSite,
  MIN,
  runStraight,
  runWithRestart,
  T0,
  tagTap,
} from './patrol-harness.js';

const site = loadSite((raw) => {
  raw.devices?.push({ id: 'U02-READER-2', kind: 'reader', unit: 'U02', checkpoint: 'CP-E-02' });
});
const make = () => new PatrolEngine(site);

/** A night: two tours at once (one late then missed, one completed), a missed and a kept schedule slot. */
const night: Action<PatrolEngine>[] = [
  (b) => b.tick(T0 - 30 * MIN),
  (b) => b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0)),
  (b) => b.event(cardTap(b, 'U02-READER-1', 'G002', T0 + MIN)),
  (b) => b.tick(T0 + 10 * MIN),
  (b) => b.event(cardTap(b, 'U02-READER-2', 'G002', T0 + 12 * MIN)),
  (b) => b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 25 * MIN)),
  (b) => b.event(cardTap(b, 'U03-SER-READER', 'G002', T0 + 38 * MIN)),
  (b) => b.tick(T0 + 40 * MIN),
  (b) => b.tick(T0 + 130 * MIN),
  (b) => b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 245 * MIN)),
  (b) => b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 246 * MIN)),
  (b) => b.tick(T0 + 260 * MIN),
  (b) => b.tick(T0 + 300 * MIN),
];

describe('patrol engine restart', () => {
  const straight = runStraight(site, make, night);

  it('the night itself has the expected outcome', () => {
    const tours = straight.journal.flatMap((b) => (b.type === 'tour' ? [b.tour] : []));
    expect(tours.map((t) => [t.device, t.status])).toEqual([
      ['U02-READER-1', 'completed'],
      ['G001-WAND', 'missed'],
      ['G001-WAND', 'missed'],
    ]);
    expect(tours[1]?.late).toEqual(['CP-E-02']);
    const slots = straight.journal.flatMap((b) => (b.type === 'schedule-missed' ? [b.slot] : []));
    expect(slots).toEqual([T0 + 120 * MIN]);
    expect(straight.raises.map((r) => r.kind)).toEqual([
      'patrol_late',
      'patrol_missed',
      'patrol_missed',
      'patrol_missed',
    ]);
  });

  for (let at = 0; at < night.length - 1; at++) {
    it(`restarting after step ${at + 1} changes nothing (replay, snapshot, older snapshot + replay)`, () => {
      expect(runWithRestart(site, make, night, at, 'replay')).toEqual(straight);
      expect(runWithRestart(site, make, night, at, 'snapshot')).toEqual(straight);
      expect(runWithRestart(site, make, night, at, 'old-snapshot', Math.floor(at / 2))).toEqual(straight);
    });
  }

  it('a restarted engine shows the open tour and its progress, and ticking twice writes one record', () => {
    const b = new Bench(site, make());
    for (const a of night.slice(0, 3)) a(b);
    const fresh = make();
    b.restartInto(fresh);
    expect(fresh.tours({}).filter((t) => t.state === 'open')).toHaveLength(2);
    expect(fresh.nextWakeAt()).toBe(T0 + 10 * MIN);
    b.tick(T0 + 41 * MIN);
    b.tick(T0 + 41 * MIN);
    const again = make();
    b.restartInto(again);
    b.tick(T0 + 42 * MIN);
    expect(b.records('tour')).toHaveLength(2);
    expect(b.raises.filter((r) => r.kind === 'patrol_missed')).toHaveLength(2);
  });

  it('refuses a snapshot that is not its own', () => {
    expect(() => make().restore({ v: 2 })).toThrow();
    expect(() => make().restore(null)).toThrow();
  });
});
