/**
 * Joint-patrol participation (docs/patrol-and-rollcall.md "Joint patrol"):
 * per zone and local day, which units sent guards to the zone's joint route,
 * kept for the weekly and monthly bulletin.
 */
import type { Site } from '../../config/site.js';
import type { TapEvent } from '../../model/event.js';
import type { PatrolState } from './state.js';
import { localDay } from './time.js';
import { unitOfTap } from './tour.js';

export interface JointParticipation {
  unit: string;
  guards: string[];
  taps: number;
  /** The zone's lead unit. */
  lead: boolean;
}

export function noteJoint(
  site: Site,
  zones: ReadonlySet<string> | undefined,
  state: PatrolState,
  event: TapEvent,
): void {
  if (!zones) return;
  const unit = unitOfTap(site, event);
  const day = localDay(event.at, site.timezone);
  for (const zone of zones) {
    const days = state.joint[zone] ?? {};
    const units = days[day] ?? {};
    const u = units[unit] ?? { guards: [], taps: 0 };
    u.taps++;
    if (event.guard && !u.guards.includes(event.guard)) u.guards.push(event.guard);
    units[unit] = u;
    days[day] = units;
    state.joint[zone] = days;
  }
}

/** Units that sent a guard to the zone's joint route on a local day ("YYYY-MM-DD", site time zone). */
export function jointParticipation(
  site: Site,
  state: PatrolState,
  zone: string,
  day: string,
): JointParticipation[] {
  const lead = site.zones.get(zone)?.lead;
  const units = state.joint[zone]?.[day] ?? {};
  return Object.entries(units)
    .map(([unit, u]) => ({ unit, guards: [...u.guards].sort(), taps: u.taps, lead: unit === lead }))
    .sort((a, b) => Number(b.lead) - Number(a.lead) || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}
