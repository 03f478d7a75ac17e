/**
 * What one tap's exceptions and one visit's result raise: the anti-fake
 * exceptions the tap carries from annotate(), and the late, early and
 * two-person results of applying it to a tour (exception-alerts.ts).
 */
import type { RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { TapEvent } from '../../model/event.js';
import type { Effect } from '../engine.js';
import { tourLateAlert } from './alerts.js';
import { flag } from './antifake.js';
import { tapExceptionAlert } from './exception-alerts.js';
import type { PatrolRules } from './rules.js';
import type { OpenTour, VisitResult } from './tour.js';
import { tourStateEffect } from './views.js';

/** Alerts of the anti-fake exceptions the tap carries (clock drift is the drift engine's). */
export function exceptionAlerts(site: Site, rules: PatrolRules, event: TapEvent): Effect[] {
  const effects: Effect[] = [];
  const route = event.route ? (site.routes.get(event.route) ?? null) : null;
  for (const e of event.exceptions ?? []) {
    if (e !== 'rescan' && e !== 'proxy' && e !== 'impossible_travel' && e !== 'moved_reader') continue;
    const severity = rules.severityOf(e);
    if (severity === 'off') continue;
    effects.push({ type: 'raise', request: tapExceptionAlert(site, e, severity, event, route) });
  }
  return effects;
}

/** Late, early and two-person results of one visit: alerts and the tour's published state. */
export function visitEffects(
  site: Site,
  rules: PatrolRules,
  tour: OpenTour,
  route: RouteConfig,
  event: TapEvent,
  result: VisitResult,
): Effect[] {
  const effects: Effect[] = [];
  const cp = event.checkpoint ?? '';
  if (result.late && !tour.lateRaised) {
    tour.lateRaised = true;
    effects.push({ type: 'raise', request: tourLateAlert(site, tour, route, cp) });
    effects.push(tourStateEffect(site, tour));
  }
  const found: ('early' | 'two_person')[] = [];
  if (result.early) found.push('early');
  if (result.alone) found.push('two_person');
  for (const e of found) {
    tour.exceptions[e] = (tour.exceptions[e] ?? 0) + 1;
    flag(event, e);
    const severity = rules.severityOf(e);
    if (severity !== 'off') {
      effects.push({ type: 'raise', request: tapExceptionAlert(site, e, severity, event, route) });
    }
  }
  return effects;
}
