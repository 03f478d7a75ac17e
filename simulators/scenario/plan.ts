/**
 * The scenario planner: a night of the district, from the site config and a
 * seed, as timed actions plus the alerts they must cause. Pure and
 * deterministic: same site + options → same plan.
 *
 * Two clocks: the night's schedule (when rounds start, panics, the roll
 * call, the device that goes silent) is simulated time compressed by
 * `speed`; everything the gateway times on its own clock (a tour against
 * maxDuration, two missed heartbeats, the roll-call window we ask for) is
 * real time. Devices always send real `ts` (the gateway ignores a `ts` more
 * than 5 minutes off its clock).
 */
import { parseDuration, type RouteConfig } from '../../gateway/src/config/schema.js';
import type { Site } from '../../gateway/src/config/site.js';
import { createRng, type Rng, seedOf } from '../prng.js';
import type {
  ExpectedAlert,
  PlannedAction,
  PlannedDevice,
  PlannedRound,
  RoundKind,
  ScenarioPlan,
} from './types.js';
import { walkOf, walkTiming } from './walk.js';

export interface PlanOptions {
  seed?: number | string;
  /** Simulated seconds per real second for the night's schedule (default 60). */
  speed?: number;
  /** Simulated length of the night, ms (default 10 h: 20:00–06:00). */
  nightMs?: number;
  /** Only this zone (routes, panics, roll call). */
  zone?: string;
  /** Walk at most this many routes (in config order). */
  routes?: number;
  /** At most this many rounds per route. */
  rounds?: number;
  /** Panic presses (default 3). */
  panics?: number;
  /** Take a roll call (default true). */
  rollcall?: boolean;
  /** Roll-call window sent to the gateway, seconds (default: the site's window / speed, at least 4). */
  rollcallWindowS?: number;
  /** Devices that go silent (default 1). */
  silent?: number;
  /** Share of rounds with a late checkpoint / a skipped checkpoint (default 0.2 each). */
  lateShare?: number;
  skipShare?: number;
  /** Share of guards who miss the roll call (default 0.1; at least one when any guard is expected). */
  absentShare?: number;
  /** Real-time budget, ms: parts of the night that would end later are left out. */
  durationMs?: number;
  /** Operator account that starts the roll call and watches the alerts (default: first technician). */
  operator?: string;
  /** Slack after an alert is due before it counts as missing, ms (default 3000). */
  settleMs?: number;
}

/** A short night for tests and a first look: a few minutes with a short-timed site. */
export const QUICK: PlanOptions = {
  speed: 600,
  nightMs: 3_600_000,
  routes: 2,
  rounds: 1,
  panics: 2,
  silent: 1,
};

const HOUR = 3_600_000;
const NIGHT_START_MIN = 20 * 60;

/** Devices a simulator can speak for over MQTT: they have a password and sit on no serial line. */
export function mqttDevices(site: Site): Set<string> {
  return new Set(
    site.config.devices.filter((d) => d.password_hash && !site.serialPortOfDevice.has(d.id)).map((d) => d.id),
  );
}

/**
 * Guards a roll call expects at a unit (the gateway's rule): only those with
 * `onDuty: true` when any guard of the unit has `onDuty` set, else all.
 */
export function expectedGuards(site: Site, unit: string): { id: string; card: string }[] {
  const guards = site.guardsOfUnit(unit);
  const roster = guards.some((g) => g.onDuty !== undefined);
  return roster ? guards.filter((g) => g.onDuty === true) : guards;
}

export function planScenario(site: Site, opts: PlanOptions = {}): ScenarioPlan {
  const seed = seedOf(opts.seed ?? 1);
  const rng = createRng(seed);
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 60;
  const night = opts.nightMs ?? 10 * HOUR;
  const settle = opts.settleMs ?? 3000;
  const real = (simMs: number): number => Math.round(simMs / speed);
  const usable = mqttDevices(site);
  const notes: string[] = [];
  const actions: PlannedAction[] = [];
  const expected: ExpectedAlert[] = [];
  const rounds: PlannedRound[] = [];
  const inZone = (unit: string): boolean => !opts.zone || site.units.get(unit)?.zone === opts.zone;

  for (const d of site.config.devices) {
    if (!usable.has(d.id)) notes.push(`device ${d.id}: no password or on a serial line, not simulated`);
  }
  const operator =
    opts.operator ??
    site.config.operators.find((o) => o.role === 'technician')?.id ??
    site.config.operators[0]?.id ??
    '';
  if (!operator) notes.push('no operator account: nobody can start the roll call or watch alerts');

  // ---- patrol rounds ---------------------------------------------------------
  const routes = site.config.routes.filter((r) => !opts.zone || r.zone === opts.zone);
  let walked = 0;
  for (const route of routes) {
    if (opts.routes !== undefined && walked >= opts.routes) break;
    const walk = walkOf(site, route, usable, rng);
    if (!walk.ok) {
      notes.push(walk.reason);
      continue;
    }
    walked++;
    const maxMs = parseDuration(route.maxDuration);
    const sims = roundStarts(route, night, rng);
    const count = Math.min(sims.length, opts.rounds ?? sims.length);
    let free = 0;
    for (let r = 0; r < count; r++) {
      const start = Math.max(real(sims[r] ?? 0), free);
      const kind = roundKind(route, rng, opts);
      const group = `round:${route.id}:${r + 1}`;
      rounds.push({
        group,
        route: route.id,
        round: r + 1,
        kind,
        start,
        end: start,
        joint: route.joint === true,
      });
      // the same wand/guard cannot start the next round before this tour is closed
      free = start + maxMs + 1000;
    }
  }
  ensureKinds(rounds, site, rng);
  for (const round of rounds) {
    const route = site.routes.get(round.route) as RouteConfig;
    const walk = walkOf(site, route, usable, createRng(`${seed}:${round.group}`));
    if (!walk.ok) continue;
    const maxMs = parseDuration(route.maxDuration);
    const timing = walkTiming(
      round.kind,
      route.checkpoints.length,
      maxMs,
      createRng(`${seed}:t:${round.group}`),
    );
    walk.steps.forEach((step, i) => {
      const offset = timing.offsets[i];
      if (offset === null || offset === undefined) return;
      actions.push({ at: round.start + offset, group: round.group, type: 'tap', route: route.id, ...step });
      round.end = Math.max(round.end, round.start + offset);
    });
    const cp = timing.special === null ? undefined : route.checkpoints[timing.special];
    const unit = cp ? site.checkpoints.get(cp)?.unit : undefined;
    if (round.kind === 'late' && cp && unit) {
      const at = round.start + (timing.offsets[timing.special ?? 0] ?? 0);
      expected.push({
        kind: 'patrol_late',
        unit,
        route: route.id,
        checkpoint: cp,
        by: at + settle,
        group: round.group,
        why: `round ${round.round} of ${route.id} reaches ${cp} after its due time`,
      });
    } else if (round.kind === 'skip' && cp && unit) {
      round.end = round.start + maxMs;
      expected.push({
        kind: 'patrol_missed',
        unit,
        route: route.id,
        checkpoint: cp,
        by: round.start + maxMs + settle,
        group: round.group,
        why: `round ${round.round} of ${route.id} skips ${cp}`,
      });
    }
  }

  // ---- the device that goes silent, panics -----------------------------------
  const supervised = site.config.devices.filter((d) => usable.has(d.id) && d.heartbeat && inZone(d.unit));
  const silent = rng.shuffle(supervised).slice(0, opts.silent ?? 1);
  for (const d of silent) {
    const at = real(night * rng.between(0.2, 0.5));
    const group = `silent:${d.id}`;
    actions.push({ at, group, type: 'silence', device: d.id });
    expected.push({
      kind: 'device_offline',
      unit: d.unit,
      device: d.id,
      by: at + 2 * parseDuration(d.heartbeat ?? '0s') + settle,
      group,
      why: `${d.id} stops its heartbeats`,
    });
  }
  const silentIds = new Set(silent.map((d) => d.id));
  const buttons = site.config.devices.filter(
    (d) => d.kind === 'panic' && usable.has(d.id) && !silentIds.has(d.id) && inZone(d.unit),
  );
  for (const d of rng.shuffle(buttons).slice(0, opts.panics ?? 3)) {
    const press = real(night * rng.between(0.1, 0.9));
    const release = press + Math.max(300, real(rng.between(20_000, 90_000)));
    const group = `panic:${d.id}`;
    actions.push({ at: press, group, type: 'panic', device: d.id, state: 'pressed' });
    actions.push({ at: release, group, type: 'panic', device: d.id, state: 'released' });
    expected.push({
      kind: 'panic',
      unit: d.unit,
      device: d.id,
      by: press + settle,
      group,
      why: `${d.id} pressed`,
    });
  }

  // ---- the system roll call ---------------------------------------------------
  if (opts.rollcall !== false && operator) {
    planRollcall(site, rng, { night, speed, settle, usable, opts, actions, expected });
  }

  // ---- budget, devices, duration ---------------------------------------------
  let kept = actions;
  let keptExpected = expected;
  let keptRounds = rounds;
  if (opts.durationMs !== undefined) {
    const budget = opts.durationMs;
    const endOf = new Map<string, number>();
    for (const a of actions) endOf.set(a.group, Math.max(endOf.get(a.group) ?? 0, a.at));
    for (const e of expected) endOf.set(e.group, Math.max(endOf.get(e.group) ?? 0, e.by));
    const dropped = [...endOf].filter(([, end]) => end > budget).map(([g]) => g);
    if (dropped.length > 0) notes.push(`left out to fit ${budget} ms: ${dropped.join(', ')}`);
    const drop = new Set(dropped);
    kept = actions.filter((a) => !drop.has(a.group));
    keptExpected = expected.filter((e) => !drop.has(e.group));
    keptRounds = rounds.filter((r) => !drop.has(r.group));
  }
  kept.sort((a, b) => a.at - b.at);
  const devices: PlannedDevice[] = site.config.devices
    .filter((d) => usable.has(d.id))
    .map((d) => ({ id: d.id, kind: d.kind, unit: d.unit, heartbeatMs: site.heartbeatMs(d.id) }));
  const last = Math.max(
    0,
    ...kept.map((a) => a.at),
    ...keptExpected.map((e) => e.by),
    ...keptRounds.map((r) => r.end),
  );
  return {
    site: site.id,
    seed,
    speed,
    operator,
    devices,
    rounds: keptRounds,
    actions: kept,
    expected: keptExpected,
    durationMs: last + 1000,
    notes,
  };
}

/** Simulated start times (ms into the night) of a route's rounds. */
function roundStarts(route: RouteConfig, night: number, rng: Rng): number[] {
  if (route.joint) return [rng.between(0.25, 0.5) * HOUR];
  if (!route.schedule) return [rng.between(0, 0.5) * night];
  const every = parseDuration(route.schedule.every);
  const n = Math.max(1, Math.floor(night / every));
  return Array.from({ length: n }, (_, k) => k * every + rng.between(0, Math.min(every / 4, HOUR / 6)));
}

function roundKind(route: RouteConfig, rng: Rng, opts: PlanOptions): RoundKind {
  const n = route.checkpoints.length;
  const x = rng.next();
  const skip = opts.skipShare ?? 0.2;
  const late = opts.lateShare ?? 0.2;
  if (x < skip && n >= 2) return 'skip';
  if (x < skip + late && n >= 3) return 'late';
  return 'normal';
}

/** "Some late, some skipping": at least one of each when a round allows it. */
function ensureKinds(rounds: PlannedRound[], site: Site, rng: Rng): void {
  const size = (r: PlannedRound): number => site.routes.get(r.route)?.checkpoints.length ?? 0;
  for (const [kind, min] of [
    ['skip', 2],
    ['late', 3],
  ] as const) {
    if (rounds.some((r) => r.kind === kind)) continue;
    const candidates = rounds.filter((r) => r.kind === 'normal' && size(r) >= min);
    if (candidates.length > 0) rng.pick(candidates).kind = kind;
  }
}

interface RollcallContext {
  night: number;
  speed: number;
  settle: number;
  usable: ReadonlySet<string>;
  opts: PlanOptions;
  actions: PlannedAction[];
  expected: ExpectedAlert[];
}

function planRollcall(site: Site, rng: Rng, c: RollcallContext): void {
  const cfg = site.config.rollcall;
  const zone = c.opts.zone ?? cfg?.zone ?? null;
  const siteWindowMs = parseDuration(cfg?.window ?? '2m');
  const windowS = c.opts.rollcallWindowS ?? Math.max(4, Math.round(siteWindowMs / 1000 / c.speed));
  let atSim = 0.3 * c.night;
  const first = cfg?.at[0];
  if (first) {
    const [h, m] = first.split(':').map(Number) as [number, number];
    const offset = (((h * 60 + m - NIGHT_START_MIN) % 1440) + 1440) % 1440;
    if (offset * 60_000 < c.night) atSim = offset * 60_000;
  }
  const at = Math.round(atSim / c.speed);
  const group = 'rollcall';
  const answers: Record<string, { uid: string; afterMs: number; guard: string }[]> = {};
  const absentByUnit = new Map<string, string[]>();
  const units = site.config.units.filter((u) => zone === null || u.zone === zone);
  const answering: { unit: string; terminal: string; guard: { id: string; card: string } }[] = [];
  for (const u of units) {
    const guards = expectedGuards(site, u.id);
    if (guards.length === 0) continue;
    const terminal = site.devicesOfUnit(u.id, 'rollcall').find((d) => c.usable.has(d.id));
    if (!terminal) {
      absentByUnit.set(
        u.id,
        guards.map((g) => g.id),
      );
      continue;
    }
    for (const g of guards) {
      if (rng.chance(c.opts.absentShare ?? 0.1))
        absentByUnit.set(u.id, [...(absentByUnit.get(u.id) ?? []), g.id]);
      else answering.push({ unit: u.id, terminal: terminal.id, guard: g });
    }
  }
  if (absentByUnit.size === 0 && answering.length > 0) {
    const a = rng.pick(answering);
    answering.splice(answering.indexOf(a), 1);
    absentByUnit.set(a.unit, [a.guard.id]);
  }
  for (const a of answering) {
    const list = answers[a.terminal] ?? [];
    list.push({
      uid: a.guard.card,
      guard: a.guard.id,
      afterMs: Math.round(windowS * 1000 * rng.between(0.1, 0.6)),
    });
    answers[a.terminal] = list;
  }
  for (const list of Object.values(answers)) list.sort((x, y) => x.afterMs - y.afterMs);
  c.actions.push({ at, group, type: 'rollcall', zone, windowS, answers });
  for (const [unit, guards] of absentByUnit) {
    c.expected.push({
      kind: 'rollcall_absent',
      unit,
      guards,
      by: at + windowS * 1000 + c.settle,
      group,
      why: `${guards.join(', ')} miss the roll call`,
    });
  }
}
