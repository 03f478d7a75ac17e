import { describe, expect, it } from 'vitest';
import { PatrolEngine } from '../../gateway/src/engines/patrol/index.js';
import { nextSlotAfter, slotsBetween } from '../../gateway/src/engines/patrol/schedule.js';
import { Bench, loadSite, MIN, T0, tagTap } from './patrol-harness.js';

const H = 60 * MIN;

function missedSlots(b: Bench<PatrolEngine>): string[] {
  return b.records('schedule-missed').map((r) => new Date(r.slot).toISOString());
}

describe('patrol schedules', () => {
  it('checks every 2 h between 20:00 and 06:00 in the site time zone, across midnight', () => {
    const site = loadSite(); // Asia/Shanghai: 20:00 local = 12:00Z
    const b = new Bench(site, new PatrolEngine(site));
    expect(b.tick(T0 - 30 * MIN).records).toEqual([]);
    // the slot opens at slot − grace (published as `scheduled`, patrol-scheduled.test.ts), is judged at slot + grace
    expect(b.engine.nextWakeAt()).toBe(T0 - 10 * MIN);
    expect(b.tick(T0 - 10 * MIN).records.map((r) => r.type)).toEqual(['schedule-open']);
    expect(b.engine.nextWakeAt()).toBe(T0 + 10 * MIN);
    expect(b.tick(T0 + 10 * MIN - 1).records).toEqual([]);
    const step = b.tick(T0 + 10 * MIN);
    expect(step.records).toEqual([
      { type: 'schedule-missed', route: 'east-night', zone: 'east', slot: T0, at: T0 + 10 * MIN },
    ]);
    expect(step.raises).toHaveLength(1);
    expect(step.raises[0]).toMatchObject({
      kind: 'patrol_missed',
      severity: 'warning',
      zone: 'east',
      route: 'east-night',
      key: 'patrol_missed:east-night:2026-11-28T12:00:00.000Z',
      targets: ['U02', 'U03'],
    });
    expect(step.raises[0]?.messageZh).toContain('20:00');
    expect(step.raises[0]?.messageEn).toContain('not started');
    // the 22:00 tour starts at 21:55: kept
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 115 * MIN));
    for (let t = T0 + 20 * MIN; t <= T0 + 23 * H; t += 10 * MIN) b.tick(t);
    expect(missedSlots(b)).toEqual([
      '2026-11-28T12:00:00.000Z', // 20:00
      '2026-11-28T16:00:00.000Z', // 00:00 on the 29th
      '2026-11-28T18:00:00.000Z', // 02:00
      '2026-11-28T20:00:00.000Z', // 04:00; no slot at 06:00, none during the day
    ]);
    expect(new Set(b.raises.map((r) => r.key)).size).toBe(b.raises.length);
  });

  it('uses the site time zone: the same instants give other slots in UTC', () => {
    const site = loadSite((raw) => {
      if (raw.site) raw.site.timezone = 'UTC';
    });
    const b = new Bench(site, new PatrolEngine(site));
    b.tick(T0 - 30 * MIN);
    expect(b.tick(T0 + 10 * MIN).records).toEqual([]); // 12:10 UTC is outside 20:00-06:00
    expect(b.engine.nextWakeAt()).toBe(Date.parse('2026-11-28T19:50:00Z')); // the 20:00 UTC slot opens
    b.tick(Date.parse('2026-11-28T19:50:00Z'));
    expect(b.engine.nextWakeAt()).toBe(Date.parse('2026-11-28T20:10:00Z'));
    const step = b.tick(Date.parse('2026-11-28T20:10:00Z'));
    expect(step.records).toEqual([
      {
        type: 'schedule-missed',
        route: 'east-night',
        zone: 'east',
        slot: Date.parse('2026-11-28T20:00:00Z'),
        at: Date.parse('2026-11-28T20:10:00Z'),
      },
    ]);
  });

  it('counts a start within the grace before the slot, not earlier', () => {
    const site = loadSite();
    const kept = new Bench(site, new PatrolEngine(site));
    kept.tick(T0 - 30 * MIN);
    kept.event(tagTap(kept, 'G001-WAND', 'CP-E-01', T0 - 8 * MIN));
    expect(kept.tick(T0 + 10 * MIN).records.filter((r) => r.type === 'schedule-missed')).toEqual([]);

    const early = new Bench(site, new PatrolEngine(site));
    early.tick(T0 - 30 * MIN);
    early.event(tagTap(early, 'G001-WAND', 'CP-E-01', T0 - 15 * MIN));
    expect(early.tick(T0 + 10 * MIN).records.filter((r) => r.type === 'schedule-missed')).toHaveLength(1);
  });

  it('catches up on slots passed while no tick ran, each once, within the last 24 h', () => {
    const site = loadSite();
    const b = new Bench(site, new PatrolEngine(site));
    b.tick(T0 - 30 * MIN);
    b.tick(T0 + 250 * MIN); // 00:10 on the 29th
    expect(missedSlots(b)).toEqual([
      '2026-11-28T12:00:00.000Z',
      '2026-11-28T14:00:00.000Z',
      '2026-11-28T16:00:00.000Z',
    ]);
    b.tick(T0 + 251 * MIN);
    expect(missedSlots(b)).toHaveLength(3);
    // two days off: only the last 24 h are reported
    b.tick(T0 + 3 * 24 * H);
    const after = b.records('schedule-missed').filter((r) => r.slot > T0 + 251 * MIN);
    expect(after.length).toBe(5);
    expect(after.every((r) => r.slot >= T0 + 2 * 24 * H - 10 * MIN)).toBe(true);
  });

  it('without `between` runs all day from local midnight', () => {
    const site = loadSite((raw) => {
      const west = raw.routes?.find((r) => r.id === 'west-day');
      if (west) west.schedule = { every: '6h', grace: '10m' };
    });
    const slots = slotsBetween(
      { everyMs: 6 * H, graceMs: 10 * MIN, start: '00:00', end: '00:00' },
      site.timezone,
      Date.parse('2026-11-28T00:00:00Z'),
      Date.parse('2026-11-29T00:00:00Z'),
    ).map((t) => new Date(t).toISOString());
    expect(slots).toEqual([
      '2026-11-28T04:00:00.000Z', // 12:00 local
      '2026-11-28T10:00:00.000Z', // 18:00
      '2026-11-28T16:00:00.000Z', // 00:00 on the 29th
      '2026-11-28T22:00:00.000Z', // 06:00
    ]);
    const b = new Bench(site, new PatrolEngine(site));
    b.tick(Date.parse('2026-11-28T03:00:00Z'));
    b.tick(Date.parse('2026-11-28T04:10:00Z'));
    expect(b.records('schedule-missed').map((r) => r.route)).toEqual(['west-day']);
  });
});

describe('schedule slots', () => {
  it('finds the next slot after any instant, across midnight and outside the window', () => {
    const s = { everyMs: 2 * H, graceMs: 10 * MIN, start: '20:00', end: '06:00' };
    const tz = 'Asia/Shanghai';
    const next = (iso: string) => new Date(nextSlotAfter(s, tz, Date.parse(iso)) ?? 0).toISOString();
    expect(next('2026-11-28T03:00:00Z')).toBe('2026-11-28T12:00:00.000Z'); // 11:00 local → 20:00
    expect(next('2026-11-28T12:00:00Z')).toBe('2026-11-28T14:00:00.000Z'); // at 20:00 → 22:00
    expect(next('2026-11-28T15:59:59Z')).toBe('2026-11-28T16:00:00.000Z'); // → 00:00
    expect(next('2026-11-28T20:00:00Z')).toBe('2026-11-29T12:00:00.000Z'); // at 04:00 → next 20:00
    for (let t = Date.parse('2026-11-27T00:00:00Z'); t < Date.parse('2026-11-30T00:00:00Z'); t += 17 * MIN) {
      expect(nextSlotAfter(s, tz, t)).toBe(slotsBetween(s, tz, t, t + 2 * 24 * H)[0]);
    }
  });
});
