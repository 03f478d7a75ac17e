/** Helpers shared by the bulletin's aspects: scope (whole site or one zone), ratios, look-ups. */
import type { Site } from '../config/site.js';
import type { UnitRef } from './types.js';

export interface Scope {
  site: Site;
  zone: string | null;
  units: UnitRef[];
  unitIds: Set<string>;
  inZone(zone: string): boolean;
}

export function makeScope(site: Site, zone: string | undefined): Scope {
  if (zone !== undefined && !site.zones.has(zone)) throw new Error(`unknown zone "${zone}"`);
  const units = site.config.units
    .filter((u) => zone === undefined || u.zone === zone)
    .map((u) => ({ unit: u.id, name: u.name, zone: u.zone }));
  return {
    site,
    zone: zone ?? null,
    units,
    unitIds: new Set(units.map((u) => u.unit)),
    inZone: (z) => zone === undefined || z === zone,
  };
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function unitRef(site: Site, unit: string): UnitRef {
  const u = site.units.get(unit);
  return { unit, name: u?.name ?? unit, zone: u?.zone ?? '' };
}

export function guardName(site: Site, guard: string): string {
  return site.guards.get(guard)?.name ?? guard;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function inRange(at: number, range: { from: number; to: number }): boolean {
  return at >= range.from && at < range.to;
}

/** Units owning the checkpoints of a route (targets of patrol_missed). */
export function unitsOfRoute(site: Site, route: string): string[] {
  const r = site.routes.get(route);
  if (!r) return [];
  const units = new Set<string>();
  for (const cp of r.checkpoints) {
    const c = site.checkpoints.get(cp);
    if (c) units.add(c.unit);
  }
  return [...units];
}

/** An account as screens show it: its configured name, a console's duty room, else the id. */
export function accountName(site: Site, id: string): string {
  const a = site.accounts.get(id);
  if (a?.kind === 'operator') return a.operator.name ?? id;
  if (a?.kind === 'console') return a.console.name ?? `${a.unit.name}值班室`;
  return id;
}
