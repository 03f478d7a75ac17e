/**
 * The `scheduled` tour state (docs/patrol-and-rollcall.md "Tour states"): a
 * schedule slot is published once on the tour topic when it opens (slot −
 * grace), across snapshot and replay restarts; the tour that keeps it
 * supersedes it; a slot never started ends as `missed`. Engine time only.
 */
import { describe, expect, it } from 'vitest';
import { PatrolEngine, type TourView } from '../../gateway/src/engines/patrol/index.js';
import { toPoints } from '../../gateway/src/export/influx/points.js';
import { Bench, loadSite, MIN, T0, tagTap } from './patrol-harness.js';

const TOPIC = 'gp/v1/patrol/east/east-night/tour';
const SLOT_ID = 'S-east-night-202611282000'; // the 20:00 slot (T0), grace 10 min

function tourMessages(b: Bench<PatrolEngine>): TourView[] {
  return b.out.flatMap((e) => (e.type === 'publish' && e.topic === TOPIC ? [e.payload as TourView] : []));
}

function scheduled(b: Bench<PatrolEngine>): TourView[] {
  return tourMessages(b).filter((v) => v.status === 'scheduled');
}

function opened(): Bench<PatrolEngine> {
  const site = loadSite();
  const b = new Bench(site, new PatrolEngine(site));
  b.tick(T0 - 30 * MIN);
  return b;
}

describe('scheduled tours', () => {
  it('publishes the slot once when it opens, at slot − grace, woken by the engine timer', () => {
    const b = opened();
    expect(scheduled(b)).toEqual([]);
    expect(b.engine.nextWakeAt()).toBe(T0 - 10 * MIN);
    b.tick(T0 - 10 * MIN - 1);
    expect(scheduled(b)).toEqual([]);
    const step = b.tick(T0 - 10 * MIN);
    expect(step.records).toEqual([
      { type: 'schedule-open', route: 'east-night', zone: 'east', slot: T0, at: T0 - 10 * MIN },
    ]);
    expect(scheduled(b)).toEqual([
      expect.objectContaining({
        id: SLOT_ID,
        route: 'east-night',
        zone: 'east',
        state: 'open',
        status: 'scheduled',
        startedAt: '2026-11-28T12:00:00.000Z',
        deadline: '2026-11-28T12:10:00.000Z',
        slot: '2026-11-28T12:00:00.000Z',
        expected: 3,
        visited: [],
        missing: ['CP-E-01', 'CP-E-02', 'CP-E-03'],
      }),
    ]);
    expect(b.engine.nextWakeAt()).toBe(T0 + 10 * MIN); // next: the slot's deadline
    for (let t = T0 - 9 * MIN; t < T0 + 10 * MIN; t += MIN) b.tick(t);
    expect(scheduled(b)).toHaveLength(1);
    expect(b.engine.tours()).toEqual([]); // a slot is not a tour
  });

  it('does not publish a slot twice across a snapshot restore or a journal replay', () => {
    for (const mode of ['snapshot', 'replay'] as const) {
      const b = opened();
      b.tick(T0 - 10 * MIN);
      const fresh = new PatrolEngine(b.site);
      if (mode === 'snapshot') {
        fresh.restore(JSON.parse(JSON.stringify(b.engine.snapshot())));
        b.restartInto(fresh, b.journal.length);
      } else b.restartInto(fresh);
      b.tick(T0 - 10 * MIN);
      b.tick(T0 - 5 * MIN);
      expect(scheduled(b), mode).toHaveLength(1);
      expect(b.records('schedule-open'), mode).toHaveLength(1);
      // the next slot (22:00) is still published after the restart
      b.tick(T0 + 110 * MIN);
      expect(
        scheduled(b).map((v) => v.id),
        mode,
      ).toEqual([SLOT_ID, 'S-east-night-202611282200']);
    }
  });

  it('publishes a slot that opened while the gateway was down, if it is still open', () => {
    const b = opened();
    const fresh = new PatrolEngine(b.site);
    fresh.restore(JSON.parse(JSON.stringify(b.engine.snapshot())));
    b.restartInto(fresh, b.journal.length);
    b.tick(T0 + 5 * MIN); // down from 19:30 to 20:05
    expect(scheduled(b).map((v) => v.id)).toEqual([SLOT_ID]);
    b.tick(T0 + 225 * MIN); // down again to 23:45, past the 22:00 slot's deadline: not published late
    expect(scheduled(b).map((v) => v.id)).toEqual([SLOT_ID]);
  });

  it('is superseded by the tour that starts for the slot, which names it', () => {
    const b = opened();
    b.tick(T0 - 10 * MIN);
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 2 * MIN));
    const start = tourMessages(b).at(-1);
    expect(start).toMatchObject({ status: 'in_progress', slot: '2026-11-28T12:00:00.000Z' });
    expect(start?.id).toMatch(/^T-east-night-/);
    b.tick(T0 + 10 * MIN);
    expect(b.records('schedule-missed')).toEqual([]);
    expect(
      tourMessages(b)
        .filter((v) => v.id === SLOT_ID)
        .map((v) => v.status),
    ).toEqual(['scheduled']);
  });

  it('is not published when a tour already started within the grace before the opening tick', () => {
    const b = opened();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 - 10 * MIN));
    b.tick(T0 - 10 * MIN);
    expect(scheduled(b)).toEqual([]);
    b.tick(T0 + 110 * MIN); // the 22:00 slot, not started yet, is
    expect(scheduled(b).map((v) => v.id)).toEqual(['S-east-night-202611282200']);
  });

  it('ends as missed on the tour topic when never started', () => {
    const b = opened();
    b.tick(T0 - 10 * MIN);
    const step = b.tick(T0 + 10 * MIN);
    expect(step.records).toEqual([
      { type: 'schedule-missed', route: 'east-night', zone: 'east', slot: T0, at: T0 + 10 * MIN },
    ]);
    expect(step.raises.map((r) => r.kind)).toEqual(['patrol_missed']);
    expect(tourMessages(b).map((v) => [v.id, v.status, v.state])).toEqual([
      [SLOT_ID, 'scheduled', 'open'],
      [SLOT_ID, 'missed', 'missed'],
    ]);
    expect(tourMessages(b).at(-1)?.endedAt).toBe('2026-11-28T12:10:00.000Z');
  });

  it('writes a patrol point with state scheduled and no tour fields (sums and counts leave it out)', () => {
    const b = opened();
    b.tick(T0 - 10 * MIN);
    const entry = b.journal.find((e) => e.body.type === 'schedule-open');
    if (!entry) throw new Error('no schedule-open record');
    expect(toPoints(entry, b.site)).toEqual([
      {
        measurement: 'patrol',
        tags: { route: 'east-night', zone: 'east' },
        fields: { state: 'scheduled' },
        timestamp: entry.at,
      },
    ]);
  });
});
