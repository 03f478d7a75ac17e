/**
 * The escalation ladder (docs/alerts.md "Escalation ladder"): who each level
 * tells, and who is skipped. Presence-aware: in level 1 of a ladder-form
 * zone, a unit whose last closed roll call found nobody present (or whose
 * `onDuty` roster is empty) is skipped, and the engine starts the next level
 * at once. Drills and tests tell outside accounts (police) only when the
 * drill's `notify` names them. Pure functions of the site, plus the small
 * presence state rebuilt from `rollcall-result` records.
 */
import type { Site } from '../../config/site.js';
import type { RollcallUnitResult } from '../../journal/types.js';
import type { LadderStep, Notified } from '../../model/alert.js';
import type { Ladder } from './config.js';

export type Skip = LadderStep['skipped'][number];

export interface LevelPlan {
  /** Units told at this level (skipped ones left out). */
  units: string[];
  /** Operator accounts told at this level. */
  accounts: string[];
  skipped: Skip[];
}

/** Units whose last closed roll call found nobody present. */
export class Presence {
  private readonly empty = new Map<string, boolean>();

  note(result: RollcallUnitResult): void {
    this.empty.set(result.unit, result.present.length + result.late.length === 0);
  }

  nobodyPresent(site: Site, unit: string): boolean {
    if (this.empty.get(unit) === true) return true;
    // an onDuty roster (rollcall/call.ts): some guard of the unit carries the flag, none is on duty
    const guards = site.guardsOfUnit(unit);
    return guards.some((g) => g.onDuty !== undefined) && !guards.some((g) => g.onDuty === true);
  }

  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.empty);
  }

  restore(s: unknown): void {
    this.empty.clear();
    if (typeof s !== 'object' || s === null) return;
    for (const [u, v] of Object.entries(s)) if (typeof v === 'boolean') this.empty.set(u, v);
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** A level's targets as units and operator accounts (consoles stand for their unit). */
export function resolveTargets(
  site: Site,
  targets: readonly string[],
  origin: { unit: string; zone: string },
): { units: string[]; accounts: string[] } {
  const units: string[] = [];
  const accounts: string[] = [];
  for (const t of targets) {
    if (t === 'neighbours') units.push(...(site.neighbours.get(origin.unit) ?? []));
    else if (t === 'lead') {
      const lead = site.zones.get(origin.zone)?.lead;
      if (lead) units.push(lead);
    } else if (site.units.has(t)) units.push(t);
    else {
      const a = site.accounts.get(t);
      if (a?.kind === 'console') units.push(a.unit.id);
      else if (a?.kind === 'operator') accounts.push(t);
    }
  }
  return { units: unique(units), accounts: unique(accounts) };
}

/**
 * Who level `index` (0-based) tells. Level 1 is the raise: the alert's own
 * targets plus the level's. `notify` is a drill's list (null: live alert).
 */
export function planLevel(
  site: Site,
  ladder: Ladder,
  index: number,
  alert: { unit: string; zone: string; targets: readonly string[] },
  presence: Presence,
  notify: readonly string[] | null,
): LevelPlan {
  const level = ladder.levels[index];
  const r = resolveTargets(site, level?.targets ?? [], alert);
  const skipped: Skip[] = [];
  let units = index === 0 ? unique([...alert.targets, ...r.units]) : r.units;
  if (index === 0 && !ladder.v1) {
    units = units.filter((u) => {
      if (u === alert.unit || !presence.nobodyPresent(site, u)) return true;
      skipped.push({ unit: u, reason: 'nobody_present' });
      return false;
    });
  }
  const accounts = r.accounts.filter((a) => {
    if (notify === null || notify.includes('police') || notify.includes(a)) return true;
    skipped.push({ account: a, reason: 'drill' });
    return false;
  });
  return { units, accounts, skipped };
}

export function unitName(site: Site, unit: string): string {
  return site.units.get(unit)?.name ?? unit;
}

/** Accounts by name: a console is its unit's duty room, an operator its id. */
export function accountName(site: Site, account: string): string {
  const a = site.accounts.get(account);
  return a?.kind === 'console' ? `${a.unit.name}值班室` : account;
}

/** The ladder step for the payload, and the notified list with this level's parties added. */
export function stepOf(
  site: Site,
  level: number,
  at: string,
  plan: LevelPlan,
  notified: readonly Notified[],
): { step: LadderStep; notified: Notified[] } {
  const names = [
    ...plan.units.map((u) => unitName(site, u)),
    ...plan.accounts.map((a) => accountName(site, a)),
  ];
  const out = [...notified];
  const has = (n: Notified): boolean =>
    out.some((o) =>
      'unit' in n ? 'unit' in o && o.unit === n.unit : 'account' in o && o.account === n.account,
    );
  for (const unit of plan.units) {
    const n: Notified = { unit, name: unitName(site, unit) };
    if (!has(n)) out.push(n);
  }
  for (const account of plan.accounts) {
    const n: Notified = { account, name: accountName(site, account) };
    if (!has(n)) out.push(n);
  }
  return {
    step: { level, at, targets: [...plan.units, ...plan.accounts], names, skipped: plan.skipped },
    notified: out,
  };
}

/** Operator accounts told so far (they get gp/v1/operator/{account}/alert). */
export function notifiedAccounts(notified: readonly Notified[] | undefined): string[] {
  return (notified ?? []).flatMap((n) => ('account' in n ? [n.account] : []));
}
