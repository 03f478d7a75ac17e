import { describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { pointsRules } from '../../gateway/src/bulletin/points.js';
import { DEFAULT_POINTS } from '../../gateway/src/bulletin/types.js';
import { addJointRoute, Entries, testSite } from './fixtures.js';

const site = testSite((raw) => {
  addJointRoute(raw);
  raw.points = { checkpoint: 2, bogus: 100 };
});

const e = new Entries()
  // this week (W48)
  .tour('2026-11-23T21:00', {
    id: 'T1',
    route: 'east-night',
    guard: 'G001',
    visited: ['CP-E-01', 'CP-E-02', 'CP-E-03', 'CP-E-01'],
  })
  .tour('2026-11-24T21:00', {
    id: 'T2',
    route: 'east-night',
    guard: 'G001',
    status: 'missed',
    visited: ['CP-E-01'],
  })
  .tour('2026-11-25T21:00', {
    id: 'T3',
    route: 'east-night',
    device: 'G001-WAND',
    visited: ['CP-E-01', 'CP-E-02'],
  })
  .tour('2026-11-26T21:00', { id: 'T4', route: 'east-night', status: 'missed' })
  .scheduleMissed('2026-11-27T02:10', 'east-night')
  .tour('2026-11-27T20:00', { id: 'J1', route: 'east-joint', units: ['U02', 'U03'] })
  .rollcall('2026-11-28T08:00', {
    call: 'RC1',
    unit: 'U02',
    present: ['G001'],
    late: ['G003'],
    absent: ['G002'],
  })
  .alert('2026-11-28T09:00:05', {
    id: 'A1',
    kind: 'panic',
    unit: 'U01',
    state: 'acknowledged',
    ackBy: 'U02-duty',
    ackMs: 5000,
  })
  .alert('2026-11-28T09:00:06', {
    id: 'A1',
    kind: 'panic',
    unit: 'U01',
    state: 'acknowledged',
    ackBy: 'U02-duty',
    ackMs: 5000,
  })
  .alert('2026-11-28T10:00:05', {
    id: 'A2',
    kind: 'panic',
    unit: 'U03',
    state: 'acknowledged',
    ackBy: 'police-east',
    ackMs: 9000,
  })
  .inspection('2026-11-28T22:00', 'U03', 2)
  // earlier this month (month total only)
  .rollcall('2026-11-10T08:00', { call: 'RC0', unit: 'U02', present: ['G001'] })
  .tour('2026-11-17T21:00', { id: 'T0', route: 'east-night', guard: 'G001', visited: ['CP-E-01'] })
  // another month, and next week: neither
  .rollcall('2026-10-31T23:59', { call: 'RCX', unit: 'U02', present: ['G001'] })
  .rollcall('2026-11-30T00:00', { call: 'RCY', unit: 'U02', present: ['G001'] });

describe('points scheme', () => {
  it('rules: defaults, overridden by site.config.points, unknown keys ignored', () => {
    const r = pointsRules(site);
    expect(r).toEqual({ ...DEFAULT_POINTS, checkpoint: 2 });
    expect(pointsRules(site, { rollcall_absent: -5 }).rollcall_absent).toBe(-5);
    expect(pointsRules(testSite())).toEqual(DEFAULT_POINTS);
  });

  it('weekly points per guard with the monthly total', () => {
    const b = computeBulletin({ site, entries: e.list, week: '2026-W48', zone: 'east' });
    const g = (id: string) => b.points.guards.find((x) => x.guard === id);
    expect(b.points.month).toBe('2026-11');
    // T1: 3 distinct checkpoints ×2; T2: 1 ×2 and missed -3; RC1 present +2
    expect(g('G001')).toMatchObject({ week: 7, month: 11 });
    expect(g('G001')?.breakdown).toMatchObject({ checkpoint: 8, patrol_missed: -3, rollcall_answered: 2 });
    expect(g('G003')).toMatchObject({ week: 2, month: 2 });
    expect(g('G002')).toMatchObject({ week: -2, month: -2 });
    expect(g('G005')).toMatchObject({ week: 0, month: 0 });
    expect(b.points.guards[0]?.guard).toBe('G001');
    expect(b.points.guards.some((x) => x.guard === 'G011')).toBe(false);
  });

  it('weekly points per unit: own items plus its guards', () => {
    const b = computeBulletin({ site, entries: e.list, week: '2026-W48', zone: 'east' });
    const u = (id: string) => b.points.units.find((x) => x.unit === id);
    // U02: T3 wand tour +4, T4 missed -3, schedule missed -3, joint +1, ack +5 = 4; guards 7 - 2 + 2 = 7
    expect(u('U02')).toMatchObject({ week: 11, month: 15 });
    expect(u('U02')?.breakdown).toEqual({
      checkpoint: 12,
      rollcall_answered: 4,
      alert_acknowledged: 5,
      patrol_missed: -9,
      rollcall_absent: -2,
      joint_patrol: 1,
      inspection_violation: 0,
    });
    // U03: T4 -3, schedule missed -3, joint +1, inspection 2 × -1
    expect(u('U03')).toMatchObject({ week: -7, month: -7 });
    expect(u('U01')).toMatchObject({ week: 0, month: 0 });
    expect(b.points.units[0]?.unit).toBe('U02');
  });

  it('a week straddling two months totals the month of its Thursday from the 1st', () => {
    const x = new Entries()
      .rollcall('2026-11-30T08:00', { call: 'R1', unit: 'U02', present: ['G001'] }) // W49, November
      .rollcall('2026-12-01T08:00', { call: 'R2', unit: 'U02', present: ['G001'] }) // W49, December
      .rollcall('2026-12-07T08:00', { call: 'R3', unit: 'U02', present: ['G001'] }); // W50
    const b = computeBulletin({ site, entries: x.list, week: '2026-W49' });
    expect(b.points.month).toBe('2026-12');
    expect(b.points.guards.find((g) => g.guard === 'G001')).toMatchObject({ week: 4, month: 2 });
  });
});
