/** The scenario planner is pure: same site + seed → same plan, and it plans what the site implies. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../gateway/src/config/schema.js';
import type { Site } from '../../gateway/src/config/site.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { createRng, mulberry32, seedOf } from '../../simulators/prng.js';
import {
  demoSitePath,
  type ExpectedAlert,
  expectedGuards,
  loadScenarioSite,
  matchAlerts,
  type PlannedAction,
  planScenario,
  QUICK,
  type ScenarioPlan,
} from '../../simulators/scenario/index.js';
import { walkTiming } from '../../simulators/scenario/walk.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const scenarioSite = loadScenarioSite(join(FIXTURES, 'scenario-site.yaml'));
const smallSite = loadScenarioSite(join(FIXTURES, 'small-site.yaml'));
const demo = loadScenarioSite(demoSitePath());

type Tap = Extract<PlannedAction, { type: 'tap' }>;
const taps = (plan: ScenarioPlan): Tap[] => plan.actions.filter((a): a is Tap => a.type === 'tap');

describe('seeded PRNG', () => {
  it('repeats for a seed and differs for another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(sa);
    expect(Array.from({ length: 20 }, c)).not.toEqual(sa);
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('takes text seeds and keeps helpers in range', () => {
    expect(seedOf('night-1')).toBe(seedOf('night-1'));
    expect(seedOf('night-1')).not.toBe(seedOf('night-2'));
    const rng = createRng('x');
    for (let i = 0; i < 200; i++) {
      const n = rng.int(3, 7);
      expect(n >= 3 && n <= 7 && Number.isInteger(n)).toBe(true);
    }
    const items = [1, 2, 3, 4, 5];
    expect([...rng.shuffle(items)].sort()).toEqual(items);
  });
});

describe('planScenario', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const a = planScenario(demo, { seed: 7 });
    const b = planScenario(demo, { seed: 7 });
    const c = planScenario(demo, { seed: 8 });
    expect(b).toEqual(a);
    expect(c.actions).not.toEqual(a.actions);
    expect(c.expected).not.toEqual(a.expected);
  });

  it('walks every route of the demo site with its readers and plans late and skipped rounds', () => {
    const plan = planScenario(demo, { seed: 3 });
    const routesWalked = new Set(plan.rounds.map((r) => r.route));
    expect([...routesWalked].sort()).toEqual(demo.config.routes.map((r) => r.id).sort());
    expect(plan.rounds.some((r) => r.kind === 'late')).toBe(true);
    expect(plan.rounds.some((r) => r.kind === 'skip')).toBe(true);
    expect(plan.notes.filter((n) => n.startsWith('route'))).toEqual([]);
    // one device per configured device with a password, none invented
    expect(plan.devices.map((d) => d.id).sort()).toEqual(demo.config.devices.map((d) => d.id).sort());
  });

  for (const [name, site] of [
    ['scenario-site (quick)', scenarioSite],
    ['small-site', smallSite],
    ['demo', demo],
  ] as const) {
    it(`plans taps, panics, roll call and silence that the site implies: ${name}`, () => {
      for (const seed of [1, 2, 3, 99]) checkPlan(site, planScenario(site, { seed, ...QUICK }));
    });
  }

  it('never speaks for serial or password-less devices', () => {
    const plan = planScenario(smallSite, { seed: 5 });
    const used = new Set(plan.actions.map((a) => ('device' in a ? a.device : '')));
    expect(used.has('U03-SER-PANIC')).toBe(false);
    expect(used.has('U03-SER-READER')).toBe(false);
    expect(plan.devices.some((d) => d.id.includes('SER'))).toBe(false);
    expect(plan.notes.some((n) => n.includes('U03-SER-PANIC'))).toBe(true);
  });

  it('leaves out what does not fit a real-time budget', () => {
    const full = planScenario(scenarioSite, { seed: 1, ...QUICK });
    const budget = 6000;
    const cut = planScenario(scenarioSite, { seed: 1, ...QUICK, durationMs: budget });
    expect(cut.expected.length).toBeLessThan(full.expected.length);
    for (const e of cut.expected) expect(e.by).toBeLessThanOrEqual(budget);
    for (const a of cut.actions) expect(a.at).toBeLessThanOrEqual(budget);
    expect(cut.notes.some((n) => n.startsWith('left out'))).toBe(true);
  });

  it('compresses the schedule with speed but never the walk inside a tour', () => {
    const slow = planScenario(demo, { seed: 4, speed: 60, routes: 1, rounds: 1 });
    const fast = planScenario(demo, { seed: 4, speed: 600, routes: 1, rounds: 1 });
    const span = (p: ScenarioPlan): number => {
      const t = taps(p).map((a) => a.at);
      return Math.max(...t) - Math.min(...t);
    };
    expect(span(fast)).toBe(span(slow));
    const panicAt = (p: ScenarioPlan): number => p.actions.find((a) => a.type === 'panic')?.at ?? 0;
    expect(panicAt(fast)).toBeLessThan(panicAt(slow));
  });
});

describe('walkTiming', () => {
  it('keeps normal rounds ahead of every due time, late rounds late once and still complete', () => {
    for (let seed = 0; seed < 300; seed++) {
      const rng = createRng(seed);
      const n = 2 + (seed % 9);
      const max = 40 * 60_000;
      const leg = max / (n - 1);
      const normal = walkTiming('normal', n, max, rng);
      normal.offsets.forEach((t, k) => {
        expect(t).toBeLessThanOrEqual(leg * k);
      });
      if (n >= 3) {
        const late = walkTiming('late', n, max, rng);
        const j = late.special ?? -1;
        expect(j).toBeGreaterThanOrEqual(1);
        late.offsets.forEach((t, k) => {
          if (k < j) expect(t).toBeLessThanOrEqual(leg * k);
          if (k === j) expect(t).toBeGreaterThan(leg * k);
          expect(t).toBeLessThan(max);
        });
        expect([...late.offsets].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(late.offsets);
      }
      const skip = walkTiming('skip', n, max, rng);
      expect(skip.offsets.filter((t) => t === null)).toHaveLength(1);
      expect(skip.offsets[0]).toBe(0);
      // the k-th tap actually read is due at leg·k (an unordered route counts visits)
      skip.offsets
        .filter((t): t is number => t !== null)
        .forEach((t, k) => {
          expect(t).toBeLessThanOrEqual(leg * k);
        });
    }
  });
});

describe('matchAlerts', () => {
  const alert = (id: string, kind: AlertPayload['kind'], unit: string): AlertPayload => ({
    id,
    kind,
    state: 'raised',
    severity: 'warning',
    zone: 'east',
    unit,
    device: null,
    checkpoint: null,
    guard: null,
    route: null,
    raisedAt: '2026-11-28T20:00:00.000Z',
    updatedAt: '2026-11-28T20:00:00.000Z',
    ackBy: null,
    message: '',
  });
  const want = (kind: ExpectedAlert['kind'], unit: string): ExpectedAlert => ({
    kind,
    unit,
    by: 0,
    group: 'g',
    why: '',
  });

  it('matches by kind and unit, one seen alert per planned one', () => {
    const planned = [want('panic', 'U01'), want('panic', 'U01'), want('patrol_missed', 'U02')];
    const m = matchAlerts(planned, [
      alert('A1', 'panic', 'U01'),
      alert('A2', 'patrol_missed', 'U02'),
      alert('A3', 'tamper', 'U01'),
    ]);
    expect(m.matched).toHaveLength(2);
    expect(m.missing).toEqual([want('panic', 'U01')]);
    expect(m.unplanned.map((a) => a.id)).toEqual(['A3']);
    expect(matchAlerts(planned, []).missing).toHaveLength(3);
  });
});

/** Every planned action and expectation follows from the site config. */
function checkPlan(site: Site, plan: ScenarioPlan): void {
  const tapsOf = new Map<string, Tap[]>();
  for (const t of taps(plan)) tapsOf.set(t.group, [...(tapsOf.get(t.group) ?? []), t]);
  for (const t of taps(plan)) {
    const dev = site.devices.get(t.device);
    expect(dev?.kind).toBe('reader');
    const cp = site.checkpoints.get(t.checkpoint);
    if (dev?.checkpoint) {
      // a fixed reader reads a guard card at its own checkpoint
      expect(dev.checkpoint).toBe(t.checkpoint);
      expect(site.guardByCard.get(t.uid)?.id).toBe(t.guard);
    } else {
      expect(t.uid).toBe(cp?.tag);
    }
  }
  for (const round of plan.rounds) {
    const route = site.routes.get(round.route);
    if (!route) throw new Error(`unknown route ${round.route}`);
    const list = tapsOf.get(round.group) ?? [];
    const maxMs = parseDuration(route.maxDuration);
    expect(list[0]?.checkpoint).toBe(route.checkpoints[0]);
    expect(list.length).toBe(round.kind === 'skip' ? route.checkpoints.length - 1 : route.checkpoints.length);
    for (const t of list) expect(t.at - round.start).toBeLessThan(maxMs);
    const exp = plan.expected.filter((e) => e.group === round.group);
    if (round.kind === 'normal') expect(exp).toEqual([]);
    else {
      expect(exp).toHaveLength(1);
      const e = exp[0] as ExpectedAlert;
      expect(e.kind).toBe(round.kind === 'skip' ? 'patrol_missed' : 'patrol_late');
      expect(e.unit).toBe(site.checkpoints.get(e.checkpoint ?? '')?.unit);
      const tapped = list.some((t) => t.checkpoint === e.checkpoint);
      expect(tapped).toBe(round.kind === 'late');
    }
  }
  for (const e of plan.expected.filter((x) => x.kind === 'panic')) {
    const press = plan.actions.find(
      (a) => a.type === 'panic' && a.device === e.device && a.state === 'pressed',
    );
    expect(press).toBeDefined();
    expect(site.devices.get(e.device ?? '')?.unit).toBe(e.unit);
    expect(site.devices.get(e.device ?? '')?.kind).toBe('panic');
  }
  for (const e of plan.expected.filter((x) => x.kind === 'device_offline')) {
    expect(plan.actions.some((a) => a.type === 'silence' && a.device === e.device)).toBe(true);
    expect(site.devices.get(e.device ?? '')?.heartbeat).toBeDefined();
  }
  const rc = plan.actions.find(
    (a): a is Extract<PlannedAction, { type: 'rollcall' }> => a.type === 'rollcall',
  );
  expect(rc).toBeDefined();
  if (!rc) return;
  const absent = new Map(
    plan.expected.filter((e) => e.kind === 'rollcall_absent').map((e) => [e.unit, e.guards ?? []]),
  );
  expect(absent.size).toBeGreaterThan(0);
  for (const u of site.config.units) {
    if (rc.zone && u.zone !== rc.zone) continue;
    const answered = Object.entries(rc.answers)
      .filter(([terminal]) => site.devices.get(terminal)?.unit === u.id)
      .flatMap(([, list]) => list.map((a) => a.guard));
    const expected = expectedGuards(site, u.id).map((g) => g.id);
    // every expected guard either answers at the unit's terminal or is planned absent, never both
    expect([...answered, ...(absent.get(u.id) ?? [])].sort()).toEqual([...expected].sort());
  }
  for (const list of Object.values(rc.answers))
    for (const a of list) expect(a.afterMs).toBeLessThan(rc.windowS * 1000);
}
