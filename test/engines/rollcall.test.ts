import { describe, expect, it } from 'vitest';
import { RollcallEngine } from '../../gateway/src/engines/rollcall/index.js';
import type { OpInput } from '../../gateway/src/journal/types.js';
import { topics } from '../../gateway/src/topics.js';
import {
  type Action,
  Bench,
  loadSite,
  MIN,
  rollcallAnswer,
  runStraight,
  runWithRestart,
  T0,
} from './patrol-harness.js';

const S = 1000;
type RollcallOp = Extract<OpInput, { op: 'rollcall' }>;

function op(over: Partial<RollcallOp> = {}): RollcallOp {
  return { op: 'rollcall', by: 'police-east', zone: null, unit: 'U02', windowMs: 120 * S, ...over };
}

function bench(site = loadSite()) {
  return new Bench(site, new RollcallEngine(site));
}

describe('roll calls', () => {
  it('starts a call on an operator input: start record and a command to each terminal of the unit', () => {
    const b = bench();
    const step = b.op(op(), T0);
    expect(step.records).toEqual([
      {
        type: 'rollcall-start',
        call: {
          call: 'RC-202611282000-U02',
          startedAt: T0,
          deadline: T0 + 120 * S,
          units: ['U02'],
          by: 'police-east',
        },
      },
    ]);
    expect(step.out.filter((e) => e.type === 'command')).toEqual([
      {
        type: 'command',
        device: 'U02-RC-1',
        command: { kind: 'rollcall', call: 'RC-202611282000-U02', deadline: T0 + 120 * S, unit: 'U02' },
      },
    ]);
    expect(b.engine.get('RC-202611282000-U02')).toMatchObject({
      state: 'open',
      zone: 'east',
      by: 'police-east',
    });
    expect(b.engine.nextWakeAt()).toBe(T0 + 120 * S);
    // a second call in the same minute gets its own id
    expect(b.op(op(), T0 + 10 * S).records[0]).toMatchObject({ call: { call: 'RC-202611282000-U02-2' } });
  });

  it('records present, late, absent and foreign answers at the deadline, counting duplicates once', () => {
    const b = bench();
    b.op(op(), T0);
    const call = 'RC-202611282000-U02';
    const answer = (who: string, dt: number) => b.event(rollcallAnswer(b, 'U02-RC-1', call, who, T0 + dt));
    expect(answer('G001', 10 * S).out).toEqual([]); // present
    expect(answer('G001', 20 * S).out).toMatchObject([
      { type: 'log', msg: expect.stringContaining('duplicate') },
    ]);
    answer('G002', 61 * S); // late: after half the window
    answer('G004', 30 * S); // a U01 guard at U02's terminal: foreign
    expect(answer('0499999999', 40 * S).out).toMatchObject([
      { type: 'log', level: 'warn', msg: expect.stringContaining('unknown card') },
    ]);
    const open = b.engine.get(call);
    expect(open?.units[0]?.absent.map((g) => g.guard)).toEqual(['G003']);

    expect(b.tick(T0 + 120 * S - 1).records).toEqual([]);
    const step = b.tick(T0 + 120 * S);
    expect(step.records).toEqual([
      {
        type: 'rollcall-result',
        result: {
          call,
          zone: 'east',
          unit: 'U02',
          at: T0 + 120 * S,
          present: ['G001'],
          late: ['G002'],
          absent: ['G003'],
          foreign: ['G004'],
        },
      },
    ]);
    expect(step.raises).toEqual([
      expect.objectContaining({
        kind: 'rollcall_absent',
        unit: 'U02',
        zone: 'east',
        targets: ['U02'],
        key: `rollcall_absent:${call}:U02`,
        details: ['G003'],
        call,
      }),
    ]);
    expect(step.raises[0]?.messageZh).toContain('张建国');
    expect(step.raises[0]?.messageEn).toContain('张建国(G003)');
    expect(step.raises[0]?.messageEn).not.toContain('G001');
    const publish = step.out.find((e) => e.type === 'publish');
    expect(publish).toMatchObject({ topic: topics.rollcallResult(call), qos: 1, retain: true });
    const view = b.engine.get(call);
    expect(publish?.type === 'publish' ? publish.payload : null).toEqual(view);
    expect(view).toMatchObject({
      state: 'closed',
      startedAt: new Date(T0).toISOString(),
      lateAfter: new Date(T0 + 60 * S).toISOString(),
      deadline: new Date(T0 + 120 * S).toISOString(),
      totals: { expected: 3, present: 1, late: 1, absent: 1, foreign: 1 },
    });
    expect(view?.units[0]).toMatchObject({
      unit: 'U02',
      unitName: '新城名苑',
      expected: 3,
      present: [{ guard: 'G001', name: '李大爷', unit: 'U02', at: new Date(T0 + 10 * S).toISOString() }],
      late: [{ guard: 'G002', name: '王师傅' }],
      absent: [{ guard: 'G003', name: '张建国', at: null }],
      foreign: [{ guard: 'G004', name: '赵卫东', unit: 'U01' }],
    });
    // closed: later answers are logged, nothing more is written
    expect(answer('G003', 121 * S).out).toMatchObject([
      { type: 'log', msg: expect.stringContaining('closed') },
    ]);
    expect(b.tick(T0 + 200 * S).records).toEqual([]);
    expect(b.engine.nextWakeAt()).toBeNull();
  });

  it('logs answers for unknown calls and ignores answers timed after the deadline', () => {
    const b = bench();
    expect(b.event(rollcallAnswer(b, 'U02-RC-1', 'RC-nope', 'G001', T0)).out).toMatchObject([
      { type: 'log', level: 'warn', msg: expect.stringContaining('unknown call') },
    ]);
    b.op(op({ windowMs: 60 * S }), T0);
    // the device says it read the card after the deadline; the timer has not fired yet
    b.event(rollcallAnswer(b, 'U02-RC-1', 'RC-202611282000-U02', 'G001', T0 + 61 * S));
    b.tick(T0 + 62 * S);
    expect(b.records('rollcall-result')[0]?.result.absent).toEqual(['G001', 'G002', 'G003']);
  });

  it('calls every unit with a terminal of a zone, or of the site, and reports each unit', () => {
    const b = bench();
    const zone = b.op(op({ zone: 'east', unit: null }), T0);
    expect(zone.records[0]).toMatchObject({ call: { call: 'RC-202611282000-east', units: ['U01', 'U02'] } });
    expect(
      zone.out.filter((e) => e.type === 'command').map((e) => (e.type === 'command' ? e.device : '')),
    ).toEqual(['U01-RC-1', 'U02-RC-1']);
    const all = b.op(op({ zone: null, unit: null }), T0 + MIN);
    expect(all.records[0]).toMatchObject({ call: { call: 'RC-202611282001-all', units: ['U01', 'U02'] } });
    b.event(rollcallAnswer(b, 'U01-RC-1', 'RC-202611282000-east', 'G004', T0 + 5 * S));
    const step = b.tick(T0 + 120 * S);
    expect(
      step.records.map((r) => (r.type === 'rollcall-result' ? [r.result.unit, r.result.absent] : [])),
    ).toEqual([
      ['U01', []],
      ['U02', ['G001', 'G002', 'G003']],
    ]);
    expect(step.raises.map((r) => r.key)).toEqual(['rollcall_absent:RC-202611282000-east:U02']);
    expect(b.engine.list().map((v) => [v.call, v.state])).toEqual([
      ['RC-202611282001-all', 'open'],
      ['RC-202611282000-east', 'closed'],
    ]);
    expect(b.op(op({ zone: 'west', unit: null }), T0 + 2 * MIN).out).toMatchObject([
      { type: 'log', level: 'warn', msg: expect.stringContaining('no unit in scope') },
    ]);
  });

  it('expects only the guards on duty when the unit keeps a roster', () => {
    const site = loadSite((raw) => {
      for (const g of raw.guards ?? []) {
        if (g.id === 'G001') g.onDuty = true;
        if (g.id === 'G002') g.onDuty = false;
      }
    });
    const b = bench(site);
    b.op(op(), T0);
    const r = b.event(rollcallAnswer(b, 'U02-RC-1', 'RC-202611282000-U02', 'G002', T0 + 5 * S));
    expect(r.out).toMatchObject([{ type: 'log', msg: expect.stringContaining('not on duty') }]);
    b.tick(T0 + 120 * S);
    expect(b.records('rollcall-result')[0]?.result).toMatchObject({
      present: [],
      late: [],
      absent: ['G001'],
    });
  });

  it('makes the late share configurable', () => {
    const site = loadSite();
    const b = new Bench(site, new RollcallEngine(site, { lateFraction: 0.25 }));
    b.op(op(), T0);
    b.event(rollcallAnswer(b, 'U02-RC-1', 'RC-202611282000-U02', 'G001', T0 + 31 * S));
    b.tick(T0 + 120 * S);
    expect(b.records('rollcall-result')[0]?.result.late).toEqual(['G001']);
  });
});

describe('scheduled roll calls', () => {
  const site = loadSite((raw) => {
    raw.rollcall = { at: ['22:00'], window: '2m', zone: 'east' };
  });
  const at22 = Date.parse('2026-11-28T14:00:00Z'); // 22:00 in Asia/Shanghai

  it('fires at 22:00 site time, once, and closes at the end of its window', () => {
    const b = new Bench(site, new RollcallEngine(site));
    expect(b.tick(at22 - 60 * MIN).records).toEqual([]);
    expect(b.engine.nextWakeAt()).toBe(at22);
    expect(b.tick(at22 - 1).records).toEqual([]);
    const step = b.tick(at22);
    expect(step.records).toEqual([
      {
        type: 'rollcall-start',
        call: {
          call: 'RC-202611282200-east',
          startedAt: at22,
          deadline: at22 + 2 * MIN,
          units: ['U01', 'U02'],
          by: '@schedule',
        },
      },
    ]);
    expect(step.out.filter((e) => e.type === 'command')).toHaveLength(2);
    expect(b.tick(at22 + 30 * S).records).toEqual([]);
    b.event(rollcallAnswer(b, 'U01-RC-1', 'RC-202611282200-east', 'G004', at22 + 40 * S));
    const end = b.tick(at22 + 2 * MIN);
    expect(end.records.map((r) => r.type)).toEqual(['rollcall-result', 'rollcall-result']);
    expect(b.engine.nextWakeAt()).toBe(at22 + 24 * 60 * MIN);
    // next evening again
    expect(b.tick(at22 + 24 * 60 * MIN).records[0]).toMatchObject({ call: { call: 'RC-202611292200-east' } });
  });

  it('skips a call whose whole window passed while the gateway was down', () => {
    const b = new Bench(site, new RollcallEngine(site));
    b.tick(at22 - 60 * MIN);
    expect(b.tick(at22 + 3 * MIN).records).toEqual([]);
  });

  it('catches up late within the window, keeping the original deadline', () => {
    const b = new Bench(site, new RollcallEngine(site));
    const step = b.tick(at22 + 30 * S);
    expect(step.records[0]).toMatchObject({ call: { startedAt: at22, deadline: at22 + 2 * MIN } });
  });
});

describe('roll-call engine restart', () => {
  const site = loadSite((raw) => {
    raw.rollcall = { at: ['22:00'], window: '2m' };
  });
  const make = () => new RollcallEngine(site);
  const at22 = Date.parse('2026-11-28T14:00:00Z');
  const call = 'RC-202611282000-east';
  const evening: Action<RollcallEngine>[] = [
    (b) => b.tick(T0 - MIN),
    (b) => b.op(op({ zone: 'east', unit: null }), T0),
    (b) => b.event(rollcallAnswer(b, 'U02-RC-1', call, 'G001', T0 + 10 * S)),
    (b) => b.event(rollcallAnswer(b, 'U02-RC-1', call, 'G001', T0 + 11 * S)),
    (b) => b.event(rollcallAnswer(b, 'U02-RC-1', call, 'G004', T0 + 20 * S)),
    (b) => b.tick(T0 + 30 * S),
    (b) => b.event(rollcallAnswer(b, 'U02-RC-1', call, 'G002', T0 + 90 * S)),
    (b) => b.tick(T0 + 120 * S),
    (b) => b.event(rollcallAnswer(b, 'U01-RC-1', call, 'G004', T0 + 125 * S)),
    (b) => b.tick(at22),
    (b) => b.event(rollcallAnswer(b, 'U01-RC-1', 'RC-202611282200-all', 'G004', at22 + 5 * S)),
    (b) => b.tick(at22 + 60 * S),
    (b) => b.tick(at22 + 120 * S),
  ];
  const straight = runStraight(site, make, evening);

  it('the evening itself has the expected outcome', () => {
    const results = straight.journal.flatMap((b) => (b.type === 'rollcall-result' ? [b.result] : []));
    expect(results.map((r) => [r.call, r.unit, r.present, r.late, r.absent, r.foreign])).toEqual([
      [call, 'U01', [], [], ['G004'], []],
      [call, 'U02', ['G001'], ['G002'], ['G003'], ['G004']],
      ['RC-202611282200-all', 'U01', ['G004'], [], [], []],
      ['RC-202611282200-all', 'U02', [], [], ['G001', 'G002', 'G003'], []],
    ]);
    expect(straight.raises.map((r) => r.key)).toEqual([
      `rollcall_absent:${call}:U01`,
      `rollcall_absent:${call}:U02`,
      'rollcall_absent:RC-202611282200-all:U02',
    ]);
    expect(straight.out.filter((e) => e.type === 'publish')).toHaveLength(2);
  });

  for (let at = 0; at < evening.length - 1; at++) {
    it(`restarting after step ${at + 1} changes nothing (replay, snapshot, older snapshot + replay)`, () => {
      expect(runWithRestart(site, make, evening, at, 'replay')).toEqual(straight);
      expect(runWithRestart(site, make, evening, at, 'snapshot')).toEqual(straight);
      expect(runWithRestart(site, make, evening, at, 'old-snapshot', Math.floor(at / 2))).toEqual(straight);
    });
  }

  it('a restarted engine answers queries for the call in progress', () => {
    const b = new Bench(site, make());
    for (const a of evening.slice(0, 5)) a(b);
    const fresh = make();
    b.restartInto(fresh);
    expect(fresh.get(call)).toEqual(runStraightView());
    expect(fresh.nextWakeAt()).toBe(T0 + 120 * S);
  });

  it('a new engine publishes the retained results of closed calls again, once (the broker keeps retained messages in memory)', () => {
    const b = new Bench(site, make());
    for (const a of evening.slice(0, 8)) a(b);
    const before = b.out.filter((e) => e.type === 'publish');
    expect(before).toHaveLength(1);
    b.restartInto(make());
    const first = b.tick(T0 + 130 * S).out.filter((e) => e.type === 'publish');
    expect(first).toEqual(before);
    expect(b.tick(T0 + 131 * S).out.filter((e) => e.type === 'publish')).toEqual([]);
  });

  function runStraightView() {
    const b = new Bench(site, make());
    for (const a of evening.slice(0, 5)) a(b);
    return b.engine.get(call);
  }

  it('refuses a snapshot that is not its own', () => {
    expect(() => make().restore({ v: 1 })).toThrow();
    expect(() => make().restore('x')).toThrow();
  });
});
