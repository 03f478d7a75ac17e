/**
 * ISO weeks in the site's timezone: a bulletin week runs from Monday 00:00
 * local time to the next Monday 00:00, so a tap at 23:30 on Sunday in
 * Asia/Shanghai belongs to that week even though it is 15:30 UTC.
 */
import { DateTime } from 'luxon';

export interface WeekRange {
  /** '2026-W48' */
  week: string;
  from: number;
  to: number;
}

export interface BulletinWindow {
  thisWeek: WeekRange;
  lastWeek: WeekRange;
  /** The calendar month (site tz) containing the week's Thursday, ISO style, e.g. '2026-11'. */
  month: string;
  /** Month-to-date for the points: [month start, min(week end, month end)). */
  monthFrom: number;
  monthTo: number;
  /** Every entry the bulletin needs lies in [from, to). */
  from: number;
  to: number;
  /** 12 months before the week's end: false alarms and button tests look back this far. */
  yearFrom: number;
}

const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

export function parseWeek(week: string, timezone: string): WeekRange {
  const m = WEEK_PATTERN.exec(week);
  if (!m) throw new Error(`week must look like 2026-W48, got "${week}"`);
  const start = DateTime.fromObject(
    { weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 },
    { zone: timezone },
  ).startOf('day');
  if (!start.isValid || start.weekNumber !== Number(m[2])) throw new Error(`no such week: ${week}`);
  return { week, from: start.toMillis(), to: start.plus({ weeks: 1 }).toMillis() };
}

export function weekOf(at: number, timezone: string): string {
  const d = DateTime.fromMillis(at, { zone: timezone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

export function bulletinWindow(week: string, timezone: string): BulletinWindow {
  const thisWeek = parseWeek(week, timezone);
  const lastWeek = weekOf(thisWeek.from - 1, timezone);
  const last = parseWeek(lastWeek, timezone);
  const thursday = DateTime.fromMillis(thisWeek.from, { zone: timezone }).plus({ days: 3 });
  const monthStart = thursday.startOf('month');
  const monthEnd = monthStart.plus({ months: 1 });
  const monthFrom = monthStart.toMillis();
  const monthTo = Math.min(thisWeek.to, monthEnd.toMillis());
  return {
    thisWeek,
    lastWeek: last,
    month: monthStart.toFormat('yyyy-MM'),
    monthFrom,
    monthTo,
    from: Math.min(last.from, monthFrom),
    to: thisWeek.to,
    yearFrom: DateTime.fromMillis(thisWeek.to, { zone: timezone }).minus({ months: 12 }).toMillis(),
  };
}

/** Local calendar day 'yyyy-MM-dd' of an instant in the site's timezone. */
export function localDay(at: number, timezone: string): string {
  return DateTime.fromMillis(at, { zone: timezone }).toFormat('yyyy-MM-dd');
}

/** The seven local days of a week, Monday first. */
export function daysOfWeek(range: WeekRange, timezone: string): string[] {
  const start = DateTime.fromMillis(range.from, { zone: timezone });
  return Array.from({ length: 7 }, (_, i) => start.plus({ days: i }).toFormat('yyyy-MM-dd'));
}
