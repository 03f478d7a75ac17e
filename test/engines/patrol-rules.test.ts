/**
 * The patrol rules of issue 15 on the pure engine with the injected clock:
 * checkpoint windows, supervisor pause/resume, anti-fake exceptions, clock
 * drift, two-person routes, protection levels, and late offline records
 * re-judging tours (both judgements kept).
 */
import { describe, expect, it } from 'vitest';
import { ClockDriftEngine, PatrolEngine } from '../../gateway/src/engines/patrol/index.js';
import type { TapEvent } from '../../gateway/src/model/event.js';
import { Bench, cardTap, loadSite, MIN, T0, tagTap } from './patrol-harness.js';

type Raw = Parameters<typeof loadSite>[0];

function bench(edit?: Raw) {
  const site = loadSite(edit);
  return new Bench(site, new PatrolEngine(site));
}

function route(raw: Parameters<NonNullable<Raw>>[0], id: string) {
  const r = raw.routes?.find((x) => x.id === id);
  if (!r) throw new Error(`no route ${id}`);
  return r;
}

/** An offline wand record as ingest/records.ts makes it: device time, uploaded at `uploadedAt`. */
function offline(ev: TapEvent, uploadedAt: number): TapEvent {
  return { ...ev, receivedAt: uploadedAt, offline: true };
}

const H = 60 * MIN;

describe('checkpoint windows', () => {
  it('flags a tap before its notBefore as early (patrol_late with exception early) and one after notAfter as late', () => {
    const b = bench((raw) => {
      route(raw, 'east-night').windows = { 'CP-E-02': { notBefore: '5m', notAfter: '10m' } };
      route(raw, 'east-night').notAfter = '15m';
    });
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    const early = tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 2 * MIN);
    const step = b.event(early);
    expect(early.exceptions).toContain('early');
    expect(step.raises).toEqual([
      expect.objectContaining({ kind: 'patrol_late', exception: 'early', checkpoint: 'CP-E-02' }),
    ]);
    b.event(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 20 * MIN)); // route default notAfter 15m
    const t = b.records('tour')[0]?.tour;
    expect(t).toMatchObject({ status: 'completed', state: 'late', early: ['CP-E-02'], late: ['CP-E-03'] });
    expect(t?.exceptions).toEqual({ early: 1 });
  });
});

describe('pause and resume by a supervisor card', () => {
  it('a paused tour counts no taps and its deadline waits for the pause', () => {
    const b = bench((raw) => {
      const g = raw.guards?.find((x) => x.id === 'G004');
      if (g) g.supervisor = true;
    });
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    const p = b.event(cardTap(b, 'G001-WAND', 'G004', T0 + 5 * MIN));
    expect(p.out).toEqual([
      expect.objectContaining({
        topic: 'gp/v1/patrol/east/east-night/tour',
        payload: expect.objectContaining({ status: 'paused' }),
      }),
    ]);
    expect(b.engine.tours()[0]?.status).toBe('paused');
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 10 * MIN)); // while paused: not counted
    expect(b.engine.tours()[0]?.visited).toEqual(['CP-E-01']);
    // 40 min limit: without the pause the deadline is T0+40m; paused 30 min moves it to T0+70m
    expect(b.tick(T0 + 45 * MIN).records).toEqual([]);
    b.event(cardTap(b, 'G001-WAND', 'G004', T0 + 35 * MIN));
    expect(b.engine.tours()[0]?.status).toBe('in_progress');
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 40 * MIN));
    expect(b.tick(T0 + 69 * MIN).records).toEqual([]);
    const closed = b.tick(T0 + 71 * MIN).records;
    expect(closed).toEqual([
      expect.objectContaining({ tour: expect.objectContaining({ state: 'incomplete', pausedMs: 30 * MIN }) }),
    ]);
  });
});

describe('anti-fake patrol', () => {
  it('a rescan within the window counts once, flagged', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    const again = tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 10_000);
    b.event(again);
    expect(again.exceptions).toEqual(['rescan']);
    const [t] = b.engine.tours();
    expect(t?.visited).toEqual(['CP-E-01']);
    expect(t?.exceptions).toEqual({ rescan: 1 });
    expect(b.engine.tours()).toHaveLength(1);
    // outside the window it is an ordinary repeat
    const later = tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 2 * MIN);
    b.event(later);
    expect(later.exceptions).toBeUndefined();
  });

  it('impossible travel: faster than the configured walking time', () => {
    const b = bench((raw) => {
      route(raw, 'east-night').travel = {
        min: '1m',
        pairs: [{ between: ['CP-E-01', 'CP-E-02'], min: '3m' }],
      };
    });
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    const fast = tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 2 * MIN);
    const step = b.event(fast);
    expect(fast.exceptions).toEqual(['impossible_travel']);
    expect(step.raises).toEqual([
      expect.objectContaining({
        kind: 'custom',
        exception: 'impossible_travel',
        checkpoint: 'CP-E-02',
        severity: 'warning',
      }),
    ]);
    const ok = tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 3 * MIN + 1);
    b.event(ok);
    expect(ok.exceptions).toBeUndefined();
  });

  it('one wand tapping a checkpoint for several guards is a proxy tap', () => {
    const b = bench();
    b.event(cardTap(b, 'G001-WAND', 'G001', T0 - MIN)); // sign-in
    const first = tagTap(b, 'G001-WAND', 'CP-E-01', T0);
    b.event(first);
    expect(first.guard).toBe('G001');
    b.event(cardTap(b, 'G001-WAND', 'G002', T0 + 5_000));
    const second = tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 10_000);
    const step = b.event(second);
    expect(second.guard).toBe('G002');
    expect(second.exceptions).toEqual(['proxy']);
    expect(step.raises).toEqual([expect.objectContaining({ exception: 'proxy', unit: 'U02' })]);
  });

  it('a tag read at a reader fixed elsewhere (moved reader) is flagged and not counted', () => {
    const b = bench();
    const moved = tagTap(b, 'U02-READER-1', 'CP-E-02', T0); // the reader is fixed at CP-E-01
    const step = b.event(moved);
    expect(moved.exceptions).toEqual(['moved_reader']);
    expect(step.raises).toEqual([
      expect.objectContaining({ exception: 'moved_reader', checkpoint: 'CP-E-02' }),
    ]);
    expect(b.engine.tours()).toEqual([]);
  });

  it('exception severities are configurable, "off" keeps the flag without an alert', () => {
    const b = bench((raw) => {
      raw.gateway = { patrol: { alerts: { moved_reader: 'off', rescan: 'info' } } } as never;
    });
    const moved = tagTap(b, 'U02-READER-1', 'CP-E-02', T0);
    expect(b.event(moved).raises).toEqual([]);
    expect(moved.exceptions).toEqual(['moved_reader']);
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    expect(b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 1000)).raises).toEqual([
      expect.objectContaining({ exception: 'rescan', severity: 'info' }),
    ]);
  });

  it('device clock drift beyond the limit raises clock_drift on the device (any device kind)', () => {
    const site = loadSite();
    const b = new Bench(site, new ClockDriftEngine(site));
    const near = { ...tagTap(b, 'G001-WAND', 'CP-E-01', T0), drift: 60_000 };
    expect(b.event(near).raises).toEqual([]);
    const ahead = { ...tagTap(b, 'G001-WAND', 'CP-E-01', T0), drift: 180_000 };
    const alert = expect.objectContaining({
      kind: 'custom',
      exception: 'clock_drift',
      device: 'G001-WAND',
      unit: 'U02',
      key: 'clock_drift:G001-WAND',
    });
    // ahead: no delivery delay explains it
    expect(b.event(ahead).raises).toEqual([alert]);
    // behind counts once reads received clockDrift (2 min) apart are all behind
    const behind = (at: number) => ({
      ...tagTap(b, 'G001-WAND', 'CP-E-01', at),
      drift: -180_000,
      receivedAt: at,
    });
    expect(b.event(behind(T0 + MIN)).raises).toEqual([]);
    expect(b.event(behind(T0 + 2 * MIN)).raises).toEqual([]);
    expect(b.event(behind(T0 + 3 * MIN)).raises).toEqual([alert]);
    // offline records are old by design: no drift check
    expect(b.event({ ...behind(T0 + 4 * MIN), offline: true }).raises).toEqual([]);
  });

  it('taps the device queued while its link was down (behind on arrival) raise no clock_drift', () => {
    const site = loadSite();
    const b = new Bench(site, new ClockDriftEngine(site));
    // a wand back on line resends ten minutes of taps within seconds, then reads live
    for (let i = 0; i < 5; i++) {
      const queued = { ...tagTap(b, 'G001-WAND', 'CP-E-01', T0 + i * 1000), drift: -(10 * MIN - i * 1000) };
      expect(b.event(queued).raises).toEqual([]);
    }
    expect(b.event({ ...tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 6000), drift: 300 }).raises).toEqual([]);
    // the next time its link drops, the count starts again (across a restart too)
    const restored = new ClockDriftEngine(site);
    restored.restore(JSON.parse(JSON.stringify(b.engine.snapshot())));
    const r = new Bench(site, restored);
    const late = { ...tagTap(r, 'G001-WAND', 'CP-E-03', T0 + 3 * MIN), drift: -5 * MIN };
    expect(r.event(late).raises).toEqual([]);
    // a clock really behind: still behind on a read received 2 min later, after the restart
    const again = new ClockDriftEngine(site);
    again.restore(JSON.parse(JSON.stringify(r.engine.snapshot())));
    const a = new Bench(site, again);
    const later = { ...tagTap(a, 'G001-WAND', 'CP-E-01', T0 + 5 * MIN), drift: -5 * MIN };
    expect(a.event(later).raises).toEqual([expect.objectContaining({ exception: 'clock_drift' })]);
    // the patrol engine flags the tap too
    const p = bench();
    const flagged = { ...tagTap(p, 'G001-WAND', 'CP-E-01', T0), drift: 200_000 };
    p.event(flagged);
    expect(flagged.exceptions).toEqual(['clock_drift']);
  });
});

describe('two-person routes', () => {
  function twoPerson() {
    return bench((raw) => {
      raw.devices?.push({ id: 'G002-WAND', kind: 'reader', unit: 'U02', guard: 'G002' } as never);
      for (const d of raw.devices ?? []) if (d.id === 'G001-WAND') d.guard = 'G001';
      route(raw, 'east-night').twoPerson = { within: '60s' };
    });
  }

  it('a checkpoint counts when two guards tap it within the window', () => {
    const b = twoPerson();
    for (const [cp, m] of [
      ['CP-E-01', 0],
      ['CP-E-02', 5],
      ['CP-E-03', 10],
    ] as const) {
      b.event(tagTap(b, 'G001-WAND', cp, T0 + m * MIN));
      b.event(tagTap(b, 'G002-WAND', cp, T0 + m * MIN + 30_000));
    }
    expect(b.records('tour')).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({ state: 'completed', visited: ['CP-E-01', 'CP-E-02', 'CP-E-03'] }),
      }),
    ]);
  });

  it('one guard alone does not make a checkpoint: flagged two_person, the tour ends missing it', () => {
    const b = twoPerson();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.event(tagTap(b, 'G002-WAND', 'CP-E-01', T0 + 20_000));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 5 * MIN));
    b.event(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 5 * MIN + 10_000)); // the same guard twice: still alone
    const late = tagTap(b, 'G002-WAND', 'CP-E-02', T0 + 8 * MIN); // 3 min later: too late, alone again
    const step = b.event(late);
    expect(late.exceptions).toContain('two_person');
    expect(step.raises).toEqual([
      expect.objectContaining({ kind: 'patrol_missed', exception: 'two_person' }),
    ]);
    const closed = b.tick(T0 + 41 * MIN).records;
    expect(closed).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({ visited: ['CP-E-01'], missed: ['CP-E-02', 'CP-E-03'] }),
      }),
    ]);
  });
});

describe('protection levels', () => {
  function levels() {
    return bench((raw) => {
      for (const u of raw.units ?? []) {
        if (u.id === 'U02') u.protectionLevel = 1;
        if (u.id === 'U03') u.protectionLevel = 3;
      }
    });
  }

  it('raises patrol_overdue (patrol_missed, exception overdue) past 6 h for level 1 and 24 h for level 3', () => {
    const b = levels();
    b.tick(T0);
    expect(b.engine.nextWakeAt()).toBeLessThanOrEqual(T0 + 6 * H);
    const six = b.tick(T0 + 6 * H + 1).raises.filter((r) => r.exception === 'overdue');
    expect(six).toEqual([
      expect.objectContaining({ kind: 'patrol_missed', unit: 'U02', key: `patrol_overdue:U02:${T0}` }),
    ]);
    expect(b.tick(T0 + 7 * H).raises.filter((r) => r.exception === 'overdue')).toEqual([]); // once per gap
    // a completed patrol through U02 and U03 restarts both clocks
    for (const [cp, m] of [
      ['CP-E-01', 0],
      ['CP-E-02', 5],
      ['CP-E-03', 10],
    ] as const) {
      b.event(tagTap(b, 'G001-WAND', cp, T0 + 8 * H + m * MIN));
    }
    const end = T0 + 8 * H + 10 * MIN;
    expect(b.tick(T0 + 24 * H + 1).raises.filter((r) => r.exception === 'overdue')).toEqual([
      expect.objectContaining({ unit: 'U02', key: `patrol_overdue:U02:${end}` }),
    ]);
    expect(
      b
        .tick(end + 24 * H + 1)
        .raises.filter((r) => r.exception === 'overdue')
        .map((r) => r.unit),
    ).toEqual(['U03']);
  });
});

describe('late records', () => {
  it('a tour judged missed at its deadline becomes completed when the wand docks: both judgements kept, alert revised', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0)); // online start at 20:00
    const missed = b.tick(T0 + 41 * MIN);
    expect(missed.records).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({ status: 'missed', state: 'missed', revision: 0 }),
      }),
    ]);
    expect(missed.raises).toEqual([expect.objectContaining({ kind: 'patrol_missed' })]);
    const docked = T0 + 11 * H; // 07:00
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 10 * MIN), docked));
    const step = b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 20 * MIN), docked));
    const tours = b.records('tour').map((r) => r.tour);
    expect(tours).toHaveLength(2);
    expect(tours[0]).toMatchObject({ state: 'missed', revision: 0 });
    expect(tours[1]).toMatchObject({
      id: tours[0]?.id,
      status: 'completed',
      state: 'completed',
      revision: 1,
      uploadedAt: docked,
      previous: { state: 'missed', endedAt: T0 + 40 * MIN },
      endedAt: T0 + 20 * MIN,
    });
    expect(step.raises).toEqual([
      expect.objectContaining({ key: `patrol_missed:${tours[0]?.id}`, revise: { outcome: 'completed' } }),
    ]);
    expect(b.engine.tours()).toEqual([expect.objectContaining({ status: 'completed', revision: 1 })]);
  });

  it('a schedule slot recorded as not started is revised by an offline tour started in its grace', () => {
    const b = bench();
    b.tick(T0 - MIN);
    const slot = b.tick(T0 + 11 * MIN); // 20:00 slot, 10 min grace
    expect(slot.raises).toEqual([
      expect.objectContaining({ key: 'patrol_missed:east-night:2026-11-28T12:00:00.000Z' }),
    ]);
    const docked = T0 + 11 * H;
    const first = b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-01', T0 + 2 * MIN), docked));
    expect(first.raises).toEqual([
      expect.objectContaining({
        key: 'patrol_missed:east-night:2026-11-28T12:00:00.000Z',
        revise: { outcome: 'started' },
      }),
    ]);
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 7 * MIN), docked));
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 12 * MIN), docked));
    expect(b.records('tour')).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({ state: 'completed', uploadedAt: docked, startedAt: T0 + 2 * MIN }),
      }),
    ]);
    expect(b.records('schedule-missed')).toHaveLength(1); // the first judgement is kept
  });

  it('an offline tour is judged only once its upload has settled, not between two batches', () => {
    const b = bench();
    const docked = T0 + 11 * H;
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-01', T0), docked));
    const tours = (r: { records: { type: string }[] }) => r.records.filter((x) => x.type === 'tour');
    expect(tours(b.tick(docked + 10_000))).toEqual([]); // deadline long past, upload still going
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 5 * MIN), docked + 20_000));
    expect(tours(b.tick(docked + 40_000))).toEqual([]);
    expect(tours(b.tick(docked + 51_000))).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({ state: 'incomplete', visited: ['CP-E-01', 'CP-E-02'] }),
      }),
    ]);
  });

  it('a late record that only changes a judged tour is judged again once the upload settles', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.tick(T0 + 41 * MIN);
    const docked = T0 + 11 * H;
    expect(b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 10 * MIN), docked)).records).toEqual([]);
    const settled = b.tick(docked + 31_000).records.filter((r) => r.type === 'tour');
    expect(settled).toEqual([
      expect.objectContaining({
        tour: expect.objectContaining({
          state: 'incomplete',
          revision: 1,
          previous: { state: 'missed', endedAt: T0 + 40 * MIN },
        }),
      }),
    ]);
  });

  it('replay of the journal rebuilds the same state (late records included)', () => {
    const b = bench();
    b.event(tagTap(b, 'G001-WAND', 'CP-E-01', T0));
    b.tick(T0 + 41 * MIN);
    const docked = T0 + 11 * H;
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-02', T0 + 10 * MIN), docked));
    b.event(offline(tagTap(b, 'G001-WAND', 'CP-E-03', T0 + 20 * MIN), docked));
    const fresh = new PatrolEngine(b.site);
    const before = b.engine.tours();
    b.restartInto(fresh);
    expect(fresh.tours()).toEqual(before);
  });
});
