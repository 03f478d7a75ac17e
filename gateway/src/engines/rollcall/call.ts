/**
 * One roll call: its JSON state, the rules for an answer (present, late,
 * foreign, ignored), the per-unit result at the deadline, and the view the
 * API and the retained result topic show.
 */
import type { GuardConfig } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { RollcallStartRecord, RollcallUnitResult } from '../../journal/types.js';
import type { RollcallEvent } from '../../model/event.js';
import { iso } from '../patrol/time.js';

export interface Answer {
  guard: string;
  at: number;
  device: string;
}

export interface UnitAnswers {
  present: Answer[];
  late: Answer[];
  /** Cards of other units' guards read at this unit's terminal. */
  foreign: Answer[];
}

export interface CallState {
  call: string;
  by: string;
  startedAt: number;
  deadline: number;
  units: string[];
  answers: Record<string, UnitAnswers>;
  /** unit → result, once written (closed when every unit has one). */
  results: Record<string, RollcallUnitResult>;
  closed: boolean;
}

export type AnswerOutcome =
  | { kind: 'present' | 'late' | 'foreign' }
  | { kind: 'ignored'; level: 'info' | 'warn'; reason: string };

/** Who must answer: the unit's guards, or only those on duty when any guard of the unit has `onDuty` set. */
export function expectedGuards(site: Site, unit: string): GuardConfig[] {
  const guards = site.guardsOfUnit(unit);
  const roster = guards.some((g) => g.onDuty !== undefined);
  return roster ? guards.filter((g) => g.onDuty === true) : guards;
}

export function newCall(start: RollcallStartRecord): CallState {
  const answers: Record<string, UnitAnswers> = {};
  for (const u of start.units) answers[u] = { present: [], late: [], foreign: [] };
  return {
    call: start.call,
    by: start.by,
    startedAt: start.startedAt,
    deadline: start.deadline,
    units: [...start.units],
    answers,
    results: {},
    closed: false,
  };
}

export function lateAtOf(call: { startedAt: number; deadline: number }, lateFraction: number): number {
  return call.startedAt + Math.floor((call.deadline - call.startedAt) * lateFraction);
}

/** Apply one answer to an open call (mutates it). */
export function answer(site: Site, call: CallState, ev: RollcallEvent, lateFraction: number): AnswerOutcome {
  const at = call.answers[ev.unit];
  if (!at)
    return { kind: 'ignored', level: 'warn', reason: `terminal's unit ${ev.unit} is not in this roll call` };
  if (!ev.guard || !ev.guardUnit) return { kind: 'ignored', level: 'warn', reason: `unknown card ${ev.uid}` };
  if (ev.at > call.deadline) return { kind: 'ignored', level: 'info', reason: 'answer after the deadline' };
  const a: Answer = { guard: ev.guard, at: ev.at, device: ev.device };
  if (ev.guardUnit !== ev.unit) {
    if (at.foreign.some((f) => f.guard === ev.guard))
      return { kind: 'ignored', level: 'info', reason: 'duplicate answer' };
    at.foreign.push(a);
    return { kind: 'foreign' };
  }
  if (!expectedGuards(site, ev.unit).some((g) => g.id === ev.guard)) {
    return { kind: 'ignored', level: 'info', reason: `guard ${ev.guard} is not on duty` };
  }
  if (at.present.some((p) => p.guard === ev.guard) || at.late.some((p) => p.guard === ev.guard)) {
    return { kind: 'ignored', level: 'info', reason: 'duplicate answer' };
  }
  if (ev.at <= lateAtOf(call, lateFraction)) {
    at.present.push(a);
    return { kind: 'present' };
  }
  at.late.push(a);
  return { kind: 'late' };
}

export function unitResult(site: Site, call: CallState, unit: string): RollcallUnitResult {
  const a = call.answers[unit] ?? { present: [], late: [], foreign: [] };
  const answered = new Set([...a.present, ...a.late].map((x) => x.guard));
  return {
    call: call.call,
    zone: site.units.get(unit)?.zone ?? '',
    unit,
    at: call.deadline,
    present: a.present.map((x) => x.guard),
    late: a.late.map((x) => x.guard),
    absent: expectedGuards(site, unit)
      .filter((g) => !answered.has(g.id))
      .map((g) => g.id),
    foreign: a.foreign.map((x) => x.guard),
  };
}

export interface RollcallGuardView {
  guard: string;
  name: string;
  /** The guard's own unit (differs from the terminal's for foreign answers). */
  unit: string | null;
  at: string | null;
  device: string | null;
}

export interface RollcallUnitView {
  unit: string;
  unitName: string;
  zone: string;
  expected: number;
  present: RollcallGuardView[];
  late: RollcallGuardView[];
  /** While the call is open: not answered yet. */
  absent: RollcallGuardView[];
  foreign: RollcallGuardView[];
}

export interface RollcallView {
  call: string;
  /** The zone when every unit of the call is in one zone. */
  zone: string | null;
  by: string;
  state: 'open' | 'closed';
  startedAt: string;
  lateAfter: string;
  deadline: string;
  units: RollcallUnitView[];
  totals: { expected: number; present: number; late: number; absent: number; foreign: number };
}

export function callView(site: Site, call: CallState, lateFraction: number): RollcallView {
  const guardView = (id: string, answers: Answer[]): RollcallGuardView => {
    const g = site.guards.get(id);
    const a = answers.find((x) => x.guard === id);
    return {
      guard: id,
      name: g?.name ?? id,
      unit: g?.unit ?? null,
      at: a ? iso(a.at) : null,
      device: a?.device ?? null,
    };
  };
  const units = call.units.map((unit): RollcallUnitView => {
    const r = call.results[unit] ?? unitResult(site, call, unit);
    const a = call.answers[unit] ?? { present: [], late: [], foreign: [] };
    const u = site.units.get(unit);
    return {
      unit,
      unitName: u?.name ?? unit,
      zone: r.zone,
      expected: r.present.length + r.late.length + r.absent.length,
      present: r.present.map((id) => guardView(id, a.present)),
      late: r.late.map((id) => guardView(id, a.late)),
      absent: r.absent.map((id) => guardView(id, [])),
      foreign: r.foreign.map((id) => guardView(id, a.foreign)),
    };
  });
  const zones = new Set(units.map((u) => u.zone));
  const sum = (f: (u: RollcallUnitView) => number) => units.reduce((n, u) => n + f(u), 0);
  return {
    call: call.call,
    zone: zones.size === 1 ? ([...zones][0] ?? null) : null,
    by: call.by,
    state: call.closed ? 'closed' : 'open',
    startedAt: iso(call.startedAt),
    lateAfter: iso(lateAtOf(call, lateFraction)),
    deadline: iso(call.deadline),
    units,
    totals: {
      expected: sum((u) => u.expected),
      present: sum((u) => u.present.length),
      late: sum((u) => u.late.length),
      absent: sum((u) => u.absent.length),
      foreign: sum((u) => u.foreign.length),
    },
  };
}
