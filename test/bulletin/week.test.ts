import { describe, expect, it } from 'vitest';
import { bulletinWindow, localDay, parseWeek, weekOf } from '../../gateway/src/bulletin/week.js';

const TZ = 'Asia/Shanghai';

describe('ISO weeks in the site timezone', () => {
  it('2026-W48 runs Monday 23 Nov 00:00 to Monday 30 Nov 00:00 Shanghai time', () => {
    const w = parseWeek('2026-W48', TZ);
    expect(new Date(w.from).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(new Date(w.to).toISOString()).toBe('2026-11-29T16:00:00.000Z');
  });

  it('Sunday 23:30 local is still the week, Monday 00:00 local is the next (though both are Sunday in UTC)', () => {
    expect(weekOf(Date.parse('2026-11-29T15:30:00Z'), TZ)).toBe('2026-W48');
    expect(weekOf(Date.parse('2026-11-29T16:00:00Z'), TZ)).toBe('2026-W49');
    expect(weekOf(Date.parse('2026-11-29T15:30:00Z'), 'UTC')).toBe('2026-W48');
    expect(weekOf(Date.parse('2026-11-29T16:00:00Z'), 'UTC')).toBe('2026-W48');
    expect(localDay(Date.parse('2026-11-29T16:30:00Z'), TZ)).toBe('2026-11-30');
  });

  it('the window covers last week and the month of the week (by its Thursday)', () => {
    const w48 = bulletinWindow('2026-W48', TZ);
    expect(w48.lastWeek.week).toBe('2026-W47');
    expect(w48.lastWeek.to).toBe(w48.thisWeek.from);
    expect(w48.month).toBe('2026-11');
    expect(new Date(w48.monthFrom).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(w48.from).toBe(w48.monthFrom);
    // W49 = 30 Nov .. 6 Dec; its Thursday is 3 Dec, so the month is December, from 1 Dec
    const w49 = bulletinWindow('2026-W49', TZ);
    expect(w49.month).toBe('2026-12');
    expect(new Date(w49.monthFrom).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(w49.from).toBe(w49.lastWeek.from);
    expect(w49.monthTo).toBe(w49.thisWeek.to);
  });

  it('the first week of a year and bad weeks', () => {
    expect(weekOf(Date.parse('2027-01-03T12:00:00Z'), TZ)).toBe('2026-W53');
    expect(bulletinWindow('2027-W01', TZ).lastWeek.week).toBe('2026-W53');
    expect(() => parseWeek('2026-48', TZ)).toThrow(/2026-W48/);
    expect(() => parseWeek('2025-W53', TZ)).toThrow(/no such week/);
  });
});
