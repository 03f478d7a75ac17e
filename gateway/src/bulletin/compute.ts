/** computeBulletin: the weekly bulletin as data, from the site and journal entries. Pure. */
import type { Site } from '../config/site.js';
import type { JournalEntry } from '../journal/types.js';
import {
  inspectionSummary,
  licenceSummary,
  patrolActivity,
  preventableCases,
  rollcallSummary,
} from './aspects.js';
import { patrolExceptions } from './exceptions.js';
import { computePoints, pointsRules } from './points.js';
import { responseSummary } from './response.js';
import { makeScope } from './scope.js';
import { suggestions } from './suggestions.js';
import { type Bulletin, type BulletinThresholds, DEFAULT_THRESHOLDS, type PointsRules } from './types.js';
import { bulletinWindow } from './week.js';

export interface BulletinInput {
  site: Site;
  /**
   * Journal entries covering `bulletinWindow(week).from .. to` (this week,
   * last week, and the month so far for the monthly points). Entries outside
   * are ignored, so passing more is harmless.
   */
  entries: readonly JournalEntry[];
  /** ISO week in the site's timezone, '2026-W48'. */
  week: string;
  zone?: string;
  /** Overrides for the points rules (else site.config.points, else defaults). */
  rules?: Partial<PointsRules>;
  thresholds?: Partial<BulletinThresholds>;
  /** Stamp for generatedAt (epoch ms); defaults to the end of the week, keeping the function pure. */
  now?: number;
}

export function computeBulletin(input: BulletinInput): Bulletin {
  const { site, entries } = input;
  const scope = makeScope(site, input.zone);
  const w = bulletinWindow(input.week, site.timezone);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const preventable = preventableCases(scope, entries, w.thisWeek, w.lastWeek);
  const patrol = patrolActivity(scope, entries, w.thisWeek);
  const rollcalls = rollcallSummary(scope, entries, w.thisWeek);
  const inspections = inspectionSummary(scope, entries, w.thisWeek);
  const licences = licenceSummary(scope);
  const exceptions = patrolExceptions(scope, entries, w.thisWeek);
  const response = responseSummary(scope, entries, w.thisWeek, w.yearFrom, thresholds);
  const zone = input.zone ? site.zones.get(input.zone) : undefined;
  return {
    site: { id: site.id, name: site.config.site.name, timezone: site.timezone },
    zone: zone ? { id: zone.id, name: zone.name } : null,
    zones: site.config.zones.filter((z) => scope.inZone(z.id)).map((z) => ({ id: z.id, name: z.name })),
    week: w.thisWeek.week,
    lastWeek: w.lastWeek.week,
    from: new Date(w.thisWeek.from).toISOString(),
    to: new Date(w.thisWeek.to).toISOString(),
    generatedAt: new Date(input.now ?? w.thisWeek.to).toISOString(),
    preventable,
    patrol,
    rollcalls,
    inspections,
    licences,
    suggestions: suggestions(site, thresholds, {
      preventable,
      patrol,
      rollcalls,
      inspections,
      licences,
      response,
      exceptions,
    }),
    response,
    exceptions,
    points: computePoints(scope, entries, pointsRules(site, input.rules), w.thisWeek, {
      from: w.monthFrom,
      to: w.monthTo,
      month: w.month,
    }),
    thresholds,
  };
}
