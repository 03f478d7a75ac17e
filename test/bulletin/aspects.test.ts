import { describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { addJointRoute, Entries, testSite } from './fixtures.js';

const W = '2026-W48'; // Mon 23 Nov .. Sun 29 Nov 2026, Asia/Shanghai

describe('(1) preventable cases: raised alerts by kind, this week vs last week', () => {
  const e = new Entries()
    // last week (W47): 1 panic, 1 device_offline
    .alert('2026-11-18T10:00', { id: 'A1', kind: 'panic', unit: 'U02' })
    .alert('2026-11-22T23:59', { id: 'A2', kind: 'device_offline', unit: 'U01', device: 'U01-PANIC-1' })
    // this week: 3 panics (one with a second raised record: counted once), 1 tamper
    .alert('2026-11-23T00:00', { id: 'A3', kind: 'panic', unit: 'U02' })
    .alert('2026-11-23T00:00:01', { id: 'A3', kind: 'panic', unit: 'U02' })
    .alert('2026-11-23T00:00:05', {
      id: 'A3',
      kind: 'panic',
      unit: 'U02',
      state: 'acknowledged',
      ackBy: 'U01-duty',
      ackMs: 5000,
    })
    .alert('2026-11-25T12:00', { id: 'A4', kind: 'panic', unit: 'U03' })
    .alert('2026-11-25T12:00:30', { id: 'A4', kind: 'panic', unit: 'U03', state: 'escalated' })
    .alert('2026-11-25T12:01', {
      id: 'A4',
      kind: 'panic',
      unit: 'U03',
      state: 'acknowledged',
      ackBy: 'police-east',
      ackMs: 60000,
    })
    .alert('2026-11-29T23:59:59', { id: 'A5', kind: 'panic', unit: 'U01' })
    .alert('2026-11-26T08:00', { id: 'A6', kind: 'tamper', unit: 'U04' })
    // another zone, and the next week: not counted
    .alert('2026-11-24T09:00', { id: 'A7', kind: 'panic', unit: 'U11', zone: 'west' })
    .alert('2026-11-30T00:00', { id: 'A8', kind: 'panic', unit: 'U02' });

  it('counts by kind with the change, per unit, escalations and ack median, in zone east', () => {
    const b = computeBulletin({ site: testSite(), entries: e.list, week: W, zone: 'east' });
    const kind = (k: string) => b.preventable.byKind.find((r) => r.kind === k);
    expect(kind('panic')).toEqual({ kind: 'panic', thisWeek: 3, lastWeek: 1, change: 2 });
    expect(kind('device_offline')).toEqual({ kind: 'device_offline', thisWeek: 0, lastWeek: 1, change: -1 });
    expect(kind('tamper')?.thisWeek).toBe(1);
    expect(b.preventable.total).toEqual({ thisWeek: 4, lastWeek: 2, change: 2 });
    expect(b.preventable.byUnit.find((u) => u.unit === 'U02')).toMatchObject({ alerts: 1, panics: 1 });
    expect(b.preventable.byUnit.find((u) => u.unit === 'U04')).toMatchObject({ alerts: 1, panics: 0 });
    expect(b.preventable.escalated).toBe(1);
    expect(b.preventable.acknowledged).toBe(2);
    expect(b.preventable.ackMedianMs).toBe(32500);
  });

  it('the whole district includes the west zone', () => {
    const b = computeBulletin({ site: testSite(), entries: e.list, week: W });
    expect(b.preventable.byKind.find((r) => r.kind === 'panic')?.thisWeek).toBe(4);
    expect(b.zone).toBeNull();
  });
});

describe('(2) patrol activity', () => {
  const site = testSite(addJointRoute);
  const e = new Entries()
    .tour('2026-11-23T21:00', {
      id: 'T1',
      route: 'east-night',
      visited: ['CP-E-01', 'CP-E-02', 'CP-E-03'],
      late: ['CP-E-03'],
    })
    .tour('2026-11-24T21:00', {
      id: 'T2',
      route: 'east-night',
      status: 'missed',
      visited: ['CP-E-01'],
      missed: ['CP-E-02', 'CP-E-03'],
    })
    .scheduleMissed('2026-11-25T02:10', 'east-night')
    // joint tours: U02 and U03 on Mon and Tue, U02 twice on Tue; U01 once
    .tour('2026-11-23T20:00', {
      id: 'J1',
      route: 'east-joint',
      expected: 2,
      visited: ['CP-E-01', 'CP-E-03'],
      units: ['U02', 'U03'],
    })
    .tour('2026-11-24T20:00', {
      id: 'J2',
      route: 'east-joint',
      expected: 2,
      visited: ['CP-E-01', 'CP-E-03'],
      units: ['U02', 'U03', 'U01'],
    })
    .tour('2026-11-24T22:00', {
      id: 'J3',
      route: 'east-joint',
      expected: 2,
      visited: ['CP-E-01'],
      units: ['U02'],
    })
    // last week: ignored
    .tour('2026-11-20T21:00', { id: 'T0', route: 'east-night', visited: ['CP-E-02'] })
    .tour('2026-11-24T10:00', {
      id: 'W1',
      route: 'west-day',
      zone: 'west',
      expected: 1,
      visited: ['CP-W-01'],
    });

  it('tours, missed, late, per day', () => {
    const b = computeBulletin({ site, entries: e.list, week: W, zone: 'east' });
    const p = b.patrol;
    expect(p.toursCompleted).toBe(4);
    expect(p.toursMissed).toBe(1);
    expect(p.scheduleMissed).toBe(1);
    expect(p.toursLate).toBe(1);
    expect(p.lateCheckpoints).toBe(1);
    expect(p.missedCheckpoints).toBe(2);
    expect(p.perDay.map((d) => d.day)).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
    ]);
    expect(p.perDay[0]).toEqual({ day: '2026-11-23', completed: 2, missed: 0 });
    expect(p.perDay[1]).toEqual({ day: '2026-11-24', completed: 2, missed: 1 });
    expect(p.perDay[2]).toEqual({ day: '2026-11-25', completed: 0, missed: 1 });
    expect(p.hasJointRoutes).toBe(true);
  });

  it('checkpoint coverage from tours and taps', () => {
    const only = new Entries().tour('2026-11-23T21:00', {
      id: 'T1',
      route: 'east-night',
      visited: ['CP-E-01'],
    });
    let b = computeBulletin({ site, entries: only.list, week: W, zone: 'east' });
    expect(b.patrol.checkpointsTotal).toBe(3);
    expect(b.patrol.checkpointsVisited).toBe(1);
    expect(b.patrol.coverage).toBeCloseTo(1 / 3);
    expect(b.patrol.byUnit.find((u) => u.unit === 'U02')).toMatchObject({
      checkpoints: 2,
      visited: 1,
      coverage: 0.5,
    });
    expect(b.patrol.byUnit.find((u) => u.unit === 'U01')).toMatchObject({ checkpoints: 0, coverage: null });
    only.tap('2026-11-27T03:00', 'U03-SER-READER', 'U03', 'CP-E-03', 'G005');
    b = computeBulletin({ site, entries: only.list, week: W, zone: 'east' });
    expect(b.patrol.checkpointsVisited).toBe(2);
    expect(b.patrol.byUnit.find((u) => u.unit === 'U03')).toMatchObject({
      checkpoints: 1,
      visited: 1,
      coverage: 1,
    });
  });

  it('joint-patrol participation by unit: tours and distinct local days', () => {
    const b = computeBulletin({ site, entries: e.list, week: W, zone: 'east' });
    const row = (u: string) => b.patrol.byUnit.find((r) => r.unit === u);
    expect(row('U02')).toMatchObject({ jointTours: 3, jointDays: 2 });
    expect(row('U03')).toMatchObject({ jointTours: 2, jointDays: 2 });
    expect(row('U01')).toMatchObject({ jointTours: 1, jointDays: 1 });
    expect(row('U04')).toMatchObject({ jointTours: 0, jointDays: 0 });
  });
});

describe('(3) system roll calls', () => {
  const e = new Entries()
    .rollcall('2026-11-23T08:02', { call: 'RC1', unit: 'U02', present: ['G001', 'G003'], absent: ['G002'] })
    .rollcall('2026-11-23T08:02', { call: 'RC1', unit: 'U01', present: ['G004'] })
    .rollcall('2026-11-24T08:02', {
      call: 'RC2',
      unit: 'U02',
      present: ['G001'],
      late: ['G003'],
      absent: ['G002'],
    })
    .rollcall('2026-11-24T08:02', { call: 'RC2', unit: 'U03', absent: ['G005'] })
    .rollcall('2026-11-16T08:02', { call: 'RC0', unit: 'U02', absent: ['G001'] });

  it('calls, attendance and absentees by unit', () => {
    const b = computeBulletin({ site: testSite(), entries: e.list, week: W, zone: 'east' });
    const r = b.rollcalls;
    expect(r.calls).toBe(2);
    expect(r.expected).toBe(8);
    expect(r.answered).toBe(5);
    expect(r.attendance).toBeCloseTo(5 / 8);
    const u02 = r.byUnit.find((u) => u.unit === 'U02');
    expect(u02).toMatchObject({ calls: 2, expected: 6, answered: 4, absent: 2 });
    expect(u02?.attendance).toBeCloseTo(4 / 6);
    expect(u02?.absentees).toEqual([{ guard: 'G002', name: '王师傅', times: 2 }]);
    expect(r.byUnit.find((u) => u.unit === 'U01')).toMatchObject({ calls: 1, attendance: 1, absentees: [] });
    expect(r.byUnit.find((u) => u.unit === 'U03')).toMatchObject({ calls: 1, attendance: 0 });
    expect(r.byUnit.find((u) => u.unit === 'U04')).toMatchObject({ calls: 0, attendance: null });
  });
});

describe('(4) on-site inspections and (5) licences', () => {
  it('inspections: count and violations by unit', () => {
    const e = new Entries()
      .inspection('2026-11-23T22:00', 'U02', 2, '消防通道堵塞')
      .inspection('2026-11-25T22:00', 'U02', 0)
      .inspection('2026-11-26T22:00', 'U03', 1, '门卫脱岗')
      .inspection('2026-11-26T22:00', 'U11', 4)
      .inspection('2026-11-20T22:00', 'U03', 9);
    const b = computeBulletin({ site: testSite(), entries: e.list, week: W, zone: 'east' });
    expect(b.inspections.count).toBe(3);
    expect(b.inspections.violations).toBe(3);
    expect(b.inspections.byUnit.find((u) => u.unit === 'U02')).toMatchObject({
      inspections: 2,
      violations: 2,
    });
    expect(b.inspections.list[0]).toMatchObject({
      unit: 'U02',
      name: '新城名苑',
      violations: 2,
      note: '消防通道堵塞',
      by: 'police-east',
    });
  });

  it('licensed share by unit from the site config', () => {
    const b = computeBulletin({ site: testSite(), entries: [], week: W, zone: 'east' });
    expect(b.licences.guards).toBe(5);
    expect(b.licences.licensed).toBe(4);
    expect(b.licences.share).toBeCloseTo(0.8);
    const u02 = b.licences.byUnit.find((u) => u.unit === 'U02');
    expect(u02).toMatchObject({ guards: 3, licensed: 2 });
    expect(u02?.share).toBeCloseTo(2 / 3);
    expect(b.licences.byUnit.find((u) => u.unit === 'U04')).toMatchObject({ guards: 0, share: null });
    const all = computeBulletin({ site: testSite(), entries: [], week: W });
    expect(all.licences.guards).toBe(6);
  });
});
