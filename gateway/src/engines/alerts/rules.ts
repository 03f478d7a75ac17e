/**
 * Who gets an alert and which alerts escalate (protocol.md §1.3, docs/alerts.md).
 * Pure functions of the site config.
 */
import type { Site } from '../../config/site.js';
import type { AlertKind, AlertRequest, Severity } from '../../model/alert.js';

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Units owning a checkpoint of the route, in route order. */
export function routeUnits(site: Site, route: string): string[] {
  const r = site.routes.get(route);
  if (!r) return [];
  const units: string[] = [];
  for (const cp of r.checkpoints) {
    const unit = site.checkpoints.get(cp)?.unit;
    if (unit) units.push(unit);
  }
  return unique(units);
}

/**
 * Target units of an alert: the request's explicit targets win; otherwise
 * - panic at U: U and U's neighbours (explicit `neighbours:`, else every other unit of U's zone);
 * - patrol_missed / patrol_late: every unit owning a checkpoint of the route;
 * - device_offline, tamper, rollcall_absent, custom: the alert's unit.
 * The origin unit always comes first.
 */
export function targetsOf(
  site: Site,
  req: Pick<AlertRequest, 'kind' | 'unit' | 'route' | 'targets'>,
): string[] {
  if (req.targets && req.targets.length > 0) return unique(req.targets);
  switch (req.kind) {
    case 'panic':
      return unique([req.unit, ...(site.neighbours.get(req.unit) ?? [])]);
    case 'patrol_missed':
    case 'patrol_late': {
      const units = req.route ? routeUnits(site, req.route) : [];
      return units.length > 0 ? units : [req.unit];
    }
    default:
      return [req.unit];
  }
}

/**
 * Escalation rule: a panic, or any alert of severity `critical`, that nobody
 * acknowledges within its zone's ackTimeout escalates to the zone's
 * escalation accounts. Warnings and infos never escalate (they stay with the
 * units until someone deals with them).
 */
export function escalates(kind: AlertKind, severity: Severity): boolean {
  return kind === 'panic' || severity === 'critical';
}

/** Admin operators may acknowledge and resolve any alert. */
export function isAdmin(site: Site, account: string): boolean {
  const a = site.accounts.get(account);
  return a?.kind === 'operator' && a.operator.role === 'admin';
}

/** A console account acting for another unit than its own is refused whatever the topic said. */
export function consoleUnitMismatch(site: Site, account: string, unit: string): boolean {
  const a = site.accounts.get(account);
  return a?.kind === 'console' && a.console.unit !== unit;
}
