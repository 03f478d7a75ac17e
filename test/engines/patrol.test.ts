import { describe, expect, it } from 'vitest';
import { PatrolEngine } from '../../gateway/src/engines/patrol/index.js';
import type { TapEvent } from '../../gateway/src/model/event.js';
import { Bench, cardTap, loadSite, MIN, T0, tagTap, tap } from './patrol-harness.js';

/** The small site plus a fixed reader at CP-E-02, a 4-checkpoint unordered loop and a joint route. */
function extendedSite() {
  return loadSite((raw) => {
    raw.checkpoints?.push({ id: 'CP-E-04', unit: 'U04', tag: '04D1E2F6', name: '南门' });
    raw.devices?.push(
      { id: 'U02-READER-2', kind: 'reader', unit: 'U02', checkpoint: 'CP-E-02' },
      { id: 'G003-WAND', kind: 'reader', unit: 'U02', guard: 'G003' },
    );
    raw.routes?.push({
      id: 'east-loop',
      zone: 'east',
      name: '东片环线',
      checkpoints: ['CP-E-04', 'CP-E-01', 'CP-E-02', 'CP-E-03'],
      ordered: false,
      maxDuration: '40m',
    });
  });
}

function bench(site = loadSite()) {
  return new Bench(site, new PatrolEngine(site));
}

describe('patrol tours', () => {
  it('completes an ordered tour by a wand, annotating every tap with the route and tour', () => {
    const b = bench();
    const taps: TapEvent[] = [];
    for (const [cp, m] of [
      ['CP-E-01', 0],
      ['CP-E-02', 5],
      ['CP-E-03', 12],
    ] as const) {
      const ev = tagTap(b, 'G001-WAND', cp, T0 + m * MIN);
      taps.push(ev);
      b.event(ev);
    }
    const tours = b.records('tour');
    expect(tours).toHaveLength(1);
    const t = tours[0]?.tour;
    expect(t).toMatchObject({
      route: 'east-night',
      zone: 'east',
      device: 'G001-WAND',
      guard: null,
      status: 'completed',
      expected: 3,
      visited: ['CP-E-01', 'CP-E-02', 'CP-E-03'],
      missed: [],
      late: [],
      outOfOrder: 0,
      startedAt: T0,
      endedAt: T0 + 12 * MIN,
      durationMs: 12 * MIN,
      units: ['U02'],
    });
    expect(t?.id).toMatch(/^T-east-night-20261128200000-G001-WAND$/);
    for (const ev of taps) {
      expect(ev.route).toBe('east-night');
      expect(ev.tour).toBe(t?.id);
    }
    expect(b.raises).toEqual([]);
    expect(b.engine.nextWakeAt()).not.toBe(T0 + 40 * MIN); // nothing open any more
  });

  it('counts out-of-order taps on an ordered route and still completes', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 3 * MIN));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 4 * MIN)); // a repeat is not another out-of-order
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 6 * MIN));
    const [rec] = b.records('tour');
    expect(rec?.tour.status).toBe('completed');
    expect(rec?.tour.outOfOrder).toBe(1);
    expect(rec?.tour.visited).toEqual(['CP-E-01', 'CP-E-03', 'CP-E-02']);
  });

  it('does not count order on an unordered route', () => {
    const b = bench(extendedSite());
    for (const [cp, m] of [
      ['CP-E-04', 0],
      ['CP-E-03', 2],
      ['CP-E-01', 4],
      ['CP-E-02', 6],
    ] as const) {
      b.event(tagTap(b, 'G001-WAND', cp, T0 + m * MIN));
    }
    const loop = b.records('tour').filter((r) => r.tour.route === 'east-loop');
    expect(loop).toHaveLength(1);
    expect(loop[0]?.tour).toMatchObject({ status: 'completed', outOfOrder: 0, units: ['U02'] });
  });

  it('starts a tour only at the first checkpoint and ignores unknown UIDs', () => {
    const b = bench();
    const middle = tagTap(b, 'G001-WAND', 'CP-E-02', T0);
    b.event(middle);
    expect(middle.route).toBeNull();
    expect(middle.tour).toBeNull();
    const unknown = tap(b, 'G001-WAND', 'DEADBEEF', T0 + MIN);
    expect(unknown.uidKind).toBe('unknown');
    const r = b.event(unknown);
    expect(r.records).toEqual([]);
    expect(unknown.route).toBeNull();
    expect(b.engine.tours({})).toEqual([]);
  });

  it('marks a tour missed at its deadline, naming the missing checkpoints and targeting the owning units', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 5 * MIN));
    // first the 20:00 schedule slot's deadline (kept: this tour started at 20:00), then the tour's
    expect(b.engine.nextWakeAt()).toBe(T0 + 10 * MIN);
    expect(b.tick(T0 + 10 * MIN).records).toEqual([]);
    expect(b.engine.nextWakeAt()).toBe(T0 + 40 * MIN);
    expect(b.tick(T0 + 40 * MIN - 1).records).toEqual([]);
    const step = b.tick(T0 + 40 * MIN);
    const tour = step.records.find((r) => r.type === 'tour');
    expect(tour).toMatchObject({
      type: 'tour',
      tour: {
        status: 'missed',
        visited: ['CP-E-01', 'CP-E-02'],
        missed: ['CP-E-03'],
        endedAt: T0 + 40 * MIN,
      },
    });
    const id = tour?.type === 'tour' ? tour.tour.id : '';
    expect(step.raises).toHaveLength(1);
    const raise = step.raises[0];
    expect(raise).toMatchObject({
      kind: 'patrol_missed',
      severity: 'warning',
      zone: 'east',
      unit: 'U03',
      route: 'east-night',
      key: `patrol_missed:${id}`,
      targets: ['U02', 'U03'],
      details: ['CP-E-03'],
    });
    expect(raise?.messageZh).toContain('校门');
    expect(raise?.messageEn).toContain('校门(CP-E-03)');
    expect(raise?.messageEn).not.toContain('北门');
    // nothing more on later ticks
    expect(b.tick(T0 + 41 * MIN).raises.filter((r) => r.key === `patrol_missed:${id}`)).toEqual([]);
    expect(b.records('tour')).toHaveLength(1);
  });

  it('closes an overdue tour when a tap comes after its deadline, before the timer fired', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    const late = tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 45 * MIN);
    const step = b.event(late);
    expect(step.records).toHaveLength(1);
    expect(step.records[0]).toMatchObject({ type: 'tour', tour: { status: 'missed', startedAt: T0 } });
    // the tap starts a new tour of the route
    expect(late.route).toBe('east-night');
    const open = b.engine.tours({}).filter((t) => t.state === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]?.id).toBe(late.tour);
    expect(open[0]?.startedAt).toBe(new Date(T0 + 45 * MIN).toISOString());
  });

  it('counts checkpoints reached after their share of the time as late and raises patrol_late once', () => {
    const b = bench(extendedSite());
    // east-loop: 4 checkpoints in 40 min → the k-th new checkpoint is due at k × 40/3 min
    b.event(tagTap(b, 'G001-WAND', 'CP-E-04', T0));
    const r1 = b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 14 * MIN)); // due 13:20 → late
    const r2 = b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 28 * MIN)); // due 26:40 → late
    const r3 = b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 39 * MIN)); // due 40:00 → on time
    const lates = [...r1.raises, ...r2.raises, ...r3.raises].filter((r) => r.kind === 'patrol_late');
    expect(lates).toHaveLength(1);
    const rec = b.records('tour').find((r) => r.tour.route === 'east-loop');
    expect(rec?.tour).toMatchObject({ status: 'completed', late: ['CP-E-02', 'CP-E-03'] });
    expect(lates[0]).toMatchObject({
      key: `patrol_late:${rec?.tour.id}`,
      checkpoint: 'CP-E-02',
      targets: ['U04', 'U02', 'U03'],
      route: 'east-loop',
    });
    expect(lates[0]?.messageZh).toContain('东门');
  });

  it('uses the route position for due times on ordered routes', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    // CP-E-03 (position 2 of 3) is due at 40 min: early is fine even out of order
    expect(b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 2 * MIN)).raises).toEqual([]);
    // CP-E-02 (position 1) is due at 20 min
    const r = b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 21 * MIN));
    expect(r.raises.map((x) => x.kind)).toEqual(['patrol_late']);
    expect(b.records('tour')[0]?.tour).toMatchObject({
      late: ['CP-E-02'],
      outOfOrder: 1,
      status: 'completed',
    });
  });

  it('keeps two tours of one route by two guards at once apart', () => {
    const b = bench(extendedSite());
    const a1 = tagTap(b, 'G001-WAND', 'CP-E-01', T0);
    const c1 = cardTap(b, 'U02-READER-1', 'G002', T0 + MIN);
    b.event(a1);
    b.event(c1);
    expect(a1.tour).not.toBeNull();
    expect(c1.tour).not.toBeNull();
    expect(a1.tour).not.toBe(c1.tour);
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 2 * MIN));
    const c2 = cardTap(b, 'U02-READER-2', 'G002', T0 + 3 * MIN);
    b.event(c2);
    expect(c2.tour).toBe(c1.tour);
    b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 4 * MIN));
    let done = b.records('tour').filter((r) => r.tour.route === 'east-night');
    expect(done).toHaveLength(1);
    expect(done[0]?.tour).toMatchObject({
      id: a1.tour,
      device: 'G001-WAND',
      guard: null,
      status: 'completed',
    });
    expect(b.engine.tours({}).filter((t) => t.state === 'open' && t.route === 'east-night')).toMatchObject([
      { id: c1.tour, owner: 'G002', visited: ['CP-E-01', 'CP-E-02'], missing: ['CP-E-03'] },
    ]);
    b.event(cardTap(b, 'U03-SER-READER', 'G002', T0 + 6 * MIN));
    done = b.records('tour').filter((r) => r.tour.route === 'east-night');
    expect(done).toHaveLength(2);
    expect(done[1]?.tour).toMatchObject({
      id: c1.tour,
      device: 'U02-READER-1',
      guard: 'G002',
      status: 'completed',
      units: ['U02'],
    });
  });

  it('counts a checkpoint shared by two routes for both, naming the first route of the config on the event', () => {
    const b = bench(extendedSite());
    b.event(tagTap(b, 'G001-WAND', 'CP-E-04', T0)); // starts east-loop
    const shared = tagTap(b, 'G001-WAND', 'CP-E-01', T0 + MIN); // continues east-loop, starts east-night
    b.event(shared);
    expect(shared.route).toBe('east-night');
    const open = b.engine.tours({}).filter((t) => t.state === 'open');
    expect(open.map((t) => [t.route, t.visited])).toEqual(
      expect.arrayContaining([
        ['east-night', ['CP-E-01']],
        ['east-loop', ['CP-E-04', 'CP-E-01']],
      ]),
    );
    expect(open.find((t) => t.route === 'east-night')?.id).toBe(shared.tour);
  });

  it('lets a wand bound to a guard carry the guard on its tour', () => {
    const b = bench(extendedSite());
    b.event(tagTap(b, 'G003-WAND', 'CP-E-01', T0));
    expect(b.engine.tours({})[0]).toMatchObject({ owner: 'G003-WAND', guard: 'G003', device: 'G003-WAND' });
  });

  it('lists open and finished tours for the console, filtered by zone and time', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + MIN));
    let views = b.engine.tours({ zone: 'east' });
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      state: 'open',
      route: 'east-night',
      expected: 3,
      visited: ['CP-E-01', 'CP-E-02'],
      missing: ['CP-E-03'],
      deadline: new Date(T0 + 40 * MIN).toISOString(),
      endedAt: null,
    });
    expect(b.engine.tours({ zone: 'west' })).toEqual([]);
    b.tick(T0 + 40 * MIN);
    views = b.engine.tours({ zone: 'east' });
    expect(views.map((v) => v.state)).toEqual(['missed']);
    expect(b.engine.tours({ since: T0 + 41 * MIN })).toEqual([]);
    expect(b.engine.tours({ since: T0 + 40 * MIN })).toHaveLength(1);
  });
});

describe('joint patrol', () => {
  it('shares one tour among the zone’s guards and reports which units sent a guard each day', () => {
    const site = loadSite((raw) => {
      const west = raw.zones?.find((z) => z.id === 'west');
      if (west) west.lead = 'U11';
      raw.routes = raw.routes?.filter((r) => r.id !== 'west-day');
      raw.checkpoints?.push({ id: 'CP-W-02', unit: 'U12', tag: '04D1E2A2', name: '酒厂门' });
      raw.devices?.push(
        { id: 'U11-READER-1', kind: 'reader', unit: 'U11', checkpoint: 'CP-W-01' },
        { id: 'U12-READER-1', kind: 'reader', unit: 'U12', checkpoint: 'CP-W-02' },
        { id: 'U12-WAND', kind: 'reader', unit: 'U12' },
      );
      raw.guards?.push({ id: 'G012', name: '孙保安', unit: 'U12', card: '04A1B2C3D4E512', licensed: true });
      raw.routes?.push({
        id: 'west-joint',
        zone: 'west',
        name: '西片联防巡逻',
        checkpoints: ['CP-W-01', 'CP-W-02'],
        ordered: true,
        maxDuration: '1h',
        joint: true,
      });
    });
    const b = bench(site);
    // 2026-11-28 21:00 local: the lead unit's guard starts, U12's guard joins with a card, U12's wand taps too
    const start = T0 + 60 * MIN;
    const first = cardTap(b, 'U11-READER-1', 'G011', start);
    b.event(first);
    expect(first.route).toBe('west-joint');
    const second = cardTap(b, 'U12-READER-1', 'G012', start + 10 * MIN);
    b.event(second);
    expect(second.tour).toBe(first.tour);
    const rec = b.records('tour').find((r) => r.tour.route === 'west-joint');
    expect(rec?.tour).toMatchObject({ status: 'completed', units: ['U11', 'U12'], guard: 'G011' });
    b.event(tagTap(b, 'U12-WAND', 'CP-W-02', start + 20 * MIN));
    expect(b.engine.jointParticipation('west', '2026-11-28')).toEqual([
      { unit: 'U11', guards: ['G011'], taps: 1, lead: true },
      { unit: 'U12', guards: ['G012'], taps: 2, lead: false },
    ]);
    // 00:30 local on the 29th belongs to the next day
    b.event(cardTap(b, 'U11-READER-1', 'G011', Date.parse('2026-11-28T16:30:00Z')));
    expect(b.engine.jointParticipation('west', '2026-11-29')).toEqual([
      { unit: 'U11', guards: ['G011'], taps: 1, lead: true },
    ]);
    expect(b.engine.jointParticipation('west', '2026-11-27')).toEqual([]);
    expect(b.engine.jointParticipation('east', '2026-11-28')).toEqual([]);
  });
});
