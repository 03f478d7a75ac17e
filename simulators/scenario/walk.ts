/**
 * How a route is walked: which reader reads what at each checkpoint, and
 * when. The gateway judges a tour against the route's maxDuration on its
 * own clock (checkpoint k of n is due at start + maxDuration·k/(n−1)), so
 * the times inside a tour are real time, never compressed by --speed.
 */
import type { DeviceConfig, RouteConfig } from '../../gateway/src/config/schema.js';
import type { Site } from '../../gateway/src/config/site.js';
import type { Rng } from '../prng.js';
import type { RoundKind } from './types.js';

export interface WalkStep {
  checkpoint: string;
  device: string;
  uid: string;
  guard: string | null;
}

/** One step per checkpoint of the route, in route order; or why the route cannot be walked. */
export function walkOf(
  site: Site,
  route: RouteConfig,
  usable: ReadonlySet<string>,
  rng: Rng,
): { ok: true; steps: WalkStep[] } | { ok: false; reason: string } {
  const wand = wandFor(site, route.zone, usable);
  const fixedAt = (cp: string): DeviceConfig | undefined =>
    site.config.devices.find((d) => d.kind === 'reader' && d.checkpoint === cp && usable.has(d.id));
  const zoneGuards = site.config.guards.filter((g) => site.units.get(g.unit)?.zone === route.zone);
  const walker = zoneGuards[0] ?? site.config.guards[0];
  const tag = (cp: string): string => site.checkpoints.get(cp)?.tag ?? '';

  if (route.joint) {
    // Each unit's guard taps in at the fixed reader of its unit's gate; else the zone wand reads the tag.
    const steps: WalkStep[] = [];
    for (const cp of route.checkpoints) {
      const reader = fixedAt(cp);
      const unit = site.checkpoints.get(cp)?.unit ?? '';
      const local = site.guardsOfUnit(unit);
      const guard = local.length > 0 ? rng.pick(local) : walker;
      if (reader && guard)
        steps.push({ checkpoint: cp, device: reader.id, uid: guard.card, guard: guard.id });
      else if (wand) steps.push({ checkpoint: cp, device: wand.id, uid: tag(cp), guard: wand.guard ?? null });
      else return { ok: false, reason: `route ${route.id}: no reader can read checkpoint ${cp}` };
    }
    return { ok: true, steps };
  }
  // A tour belongs to one wand (tag taps) or one guard (card taps): never mix within a route.
  if (wand) {
    return {
      ok: true,
      steps: route.checkpoints.map((cp) => ({
        checkpoint: cp,
        device: wand.id,
        uid: tag(cp),
        guard: wand.guard ?? null,
      })),
    };
  }
  const readers = route.checkpoints.map(fixedAt);
  if (walker && readers.every((r) => r !== undefined)) {
    return {
      ok: true,
      steps: route.checkpoints.map((cp, i) => ({
        checkpoint: cp,
        device: readers[i]?.id ?? '',
        uid: walker.card,
        guard: walker.id,
      })),
    };
  }
  return {
    ok: false,
    reason: `route ${route.id}: no handheld wand and not every checkpoint has a fixed reader`,
  };
}

/** A reader with no fixed checkpoint: the zone lead's, else one in the zone, else any. */
function wandFor(site: Site, zone: string, usable: ReadonlySet<string>): DeviceConfig | undefined {
  const wands = site.config.devices.filter((d) => d.kind === 'reader' && !d.checkpoint && usable.has(d.id));
  const lead = site.zones.get(zone)?.lead;
  return (
    wands.find((d) => d.unit === lead) ?? wands.find((d) => site.units.get(d.unit)?.zone === zone) ?? wands[0]
  );
}

export interface WalkTiming {
  /** Offset (ms from the tour's first tap) per checkpoint in route order; null = skipped. */
  offsets: (number | null)[];
  /** Index of the late (or skipped) checkpoint. */
  special: number | null;
}

/**
 * Times for one round. Normal: each checkpoint at 55–85 % of its due time.
 * Late: one checkpoint 30 % of a leg after its due time, the rest spread so
 * the tour still completes by 90 % of maxDuration. Skip: one checkpoint is
 * never read, the others at a normal pace (timed by how many were read
 * before, as the gateway dues an unordered route's k-th checkpoint).
 */
export function walkTiming(kind: RoundKind, n: number, maxMs: number, rng: Rng): WalkTiming {
  const leg = n > 1 ? maxMs / (n - 1) : 0;
  const normal = (count: number): number[] => {
    const out: number[] = [0];
    for (let k = 1; k < count; k++) {
      const prev = out[k - 1] ?? 0;
      out.push(Math.round(Math.max(prev + 0.2 * leg, leg * k * rng.between(0.55, 0.8))));
    }
    return out;
  };
  if (kind === 'skip' && n >= 2) {
    const j = rng.int(1, n - 1);
    const times = normal(n - 1);
    const offsets: (number | null)[] = [];
    let i = 0;
    for (let k = 0; k < n; k++) offsets.push(k === j ? null : (times[i++] ?? 0));
    return { offsets, special: j };
  }
  if (kind === 'late' && n >= 3) {
    // j + 0.3 < 0.9·(n − 1) keeps the rest of the tour inside 90 % of maxDuration
    const maxJ = Math.max(1, Math.min(n - 2, Math.ceil(0.9 * (n - 1) - 0.3) - 1));
    const j = rng.int(1, maxJ);
    const offsets: number[] = normal(j);
    const tj = leg * (j + 0.3);
    offsets.push(Math.round(tj));
    const end = 0.9 * maxMs;
    for (let k = j + 1; k < n; k++) offsets.push(Math.round(tj + ((end - tj) * (k - j)) / (n - 1 - j)));
    return { offsets, special: j };
  }
  return { offsets: normal(n), special: null };
}
