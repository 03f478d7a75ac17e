/**
 * Wall-clock helpers in the site's time zone (luxon). Everything inside the
 * engines is epoch ms; these turn local dates and "HH:MM" into instants and back.
 */
import { DateTime } from 'luxon';

export const DAY_MS = 86_400_000;

/** "YYYY-MM-DD" of an instant in the zone. */
export function localDay(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd');
}

/** The instant of a local date and "HH:MM" in the zone (a time skipped by DST moves forward). */
export function localInstant(day: string, hhmm: string, zone: string): number {
  return DateTime.fromISO(`${day}T${hhmm}`, { zone }).toMillis();
}

/** A local date plus n calendar days. */
export function addDays(day: string, n: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days: n }).toFormat('yyyy-MM-dd');
}

/** Local dates from the date of `from` to the date of `to`, inclusive, one day earlier first. */
export function daysCovering(from: number, to: number, zone: string): string[] {
  const days: string[] = [];
  const last = localDay(to, zone);
  let day = addDays(localDay(from, zone), -1);
  while (day <= last) {
    days.push(day);
    day = addDays(day, 1);
  }
  return days;
}

/** Compact local stamp for ids, e.g. "202611282000". */
export function localStamp(ms: number, zone: string, format = 'yyyyMMddHHmm'): string {
  return DateTime.fromMillis(ms, { zone }).toFormat(format);
}

/** "HH:MM" of an instant in the zone, for messages. */
export function localClock(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
}

/** RFC 3339 in UTC, as on the wire. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
