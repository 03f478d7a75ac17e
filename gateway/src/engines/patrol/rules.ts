/**
 * The patrol rules of a site, resolved once from the config
 * (docs/patrol-and-rollcall.md "Patrol rules"): checkpoint windows, walking
 * times, two-person routes, supervisor cards, protection levels, and the
 * gateway.patrol options with their defaults. Pure lookups for the engine.
 */
import { parseDuration, type RouteConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { Severity } from '../../model/alert.js';
import type { PatrolException } from '../../model/patrol-exception.js';

export type { PatrolException };

/** Default alert severity per exception ("off": flagged in events and tours, no alert). */
const DEFAULT_SEVERITY: Record<PatrolException, Severity | 'off'> = {
  early: 'warning',
  rescan: 'off',
  impossible_travel: 'warning',
  proxy: 'warning',
  moved_reader: 'warning',
  clock_drift: 'info',
  two_person: 'warning',
  overdue: 'warning',
};

export interface Window {
  notBeforeMs: number | null;
  notAfterMs: number | null;
}

export class PatrolRules {
  readonly rescanMs: number;
  readonly clockDriftMs: number;
  readonly settleMs: number;
  readonly maxPauseMs: number;
  private readonly protectionMs: Record<1 | 2 | 3, number>;
  private readonly severity: Record<PatrolException, Severity | 'off'>;
  private readonly windows = new Map<string, Window>();
  private readonly travel = new Map<string, number>();
  private readonly travelDefault = new Map<string, number>();
  readonly supervisors = new Set<string>();

  constructor(private readonly site: Site) {
    const p = site.config.gateway?.patrol;
    this.rescanMs = parseDuration(p?.rescanWithin ?? '30s');
    this.clockDriftMs = parseDuration(p?.clockDrift ?? '2m');
    this.settleMs = parseDuration(p?.uploadSettle ?? '30s');
    this.maxPauseMs = parseDuration(p?.maxPause ?? '2h');
    const prot = p?.protection;
    this.protectionMs = {
      1: parseDuration(prot?.[1] ?? '6h'),
      2: parseDuration(prot?.[2] ?? '12h'),
      3: parseDuration(prot?.[3] ?? '24h'),
    };
    this.severity = { ...DEFAULT_SEVERITY };
    for (const [k, v] of Object.entries(p?.alerts ?? {})) if (v) this.severity[k as PatrolException] = v;
    for (const g of site.config.guards) if (g.supervisor) this.supervisors.add(g.id);
    for (const r of site.config.routes) {
      for (const cp of r.checkpoints) {
        const own = r.windows?.[cp];
        const nb = own?.notBefore ?? r.notBefore;
        const na = own?.notAfter ?? r.notAfter;
        // the first checkpoint starts the tour: a window there has no meaning
        if (cp === r.checkpoints[0] || (nb === undefined && na === undefined)) continue;
        this.windows.set(`${r.id}\u0000${cp}`, {
          notBeforeMs: nb === undefined ? null : parseDuration(nb),
          notAfterMs: na === undefined ? null : parseDuration(na),
        });
      }
      if (r.travel?.min) this.travelDefault.set(r.id, parseDuration(r.travel.min));
      for (const pair of r.travel?.pairs ?? []) {
        const ms = parseDuration(pair.min);
        this.travel.set(`${r.id}\u0000${pair.between[0]}\u0000${pair.between[1]}`, ms);
        this.travel.set(`${r.id}\u0000${pair.between[1]}\u0000${pair.between[0]}`, ms);
      }
    }
  }

  /** The checkpoint's window on the route, or null (the proportional due time applies). */
  windowOf(route: string, checkpoint: string): Window | null {
    return this.windows.get(`${route}\u0000${checkpoint}`) ?? null;
  }

  /** Least walking time from a to b on the route, ms (0: not configured). */
  minTravelMs(route: string, a: string, b: string): number {
    if (a === b) return 0;
    return this.travel.get(`${route}\u0000${a}\u0000${b}`) ?? this.travelDefault.get(route) ?? 0;
  }

  twoPersonMs(route: RouteConfig): number | null {
    return route.twoPerson ? parseDuration(route.twoPerson.within) : null;
  }

  /** The longest gap between completed patrols of a unit, or null when it has no protection level. */
  protectionOf(unit: string): number | null {
    const level = this.site.units.get(unit)?.protectionLevel;
    return level ? this.protectionMs[level] : null;
  }

  severityOf(exception: PatrolException): Severity | 'off' {
    return this.severity[exception];
  }

  isSupervisor(guard: string | null): boolean {
    return guard !== null && this.supervisors.has(guard);
  }

  /** A reader not fixed at a checkpoint: a handheld wand. */
  isWand(device: string): boolean {
    const d = this.site.devices.get(device);
    return d !== undefined && d.kind === 'reader' && d.checkpoint === undefined;
  }
}
