import type { Site } from '../../gateway/src/config/site.js';
import type { Effect, Engine } from '../../gateway/src/engines/engine.js';
import type { JournalBody, JournalEntry, OpInput } from '../../gateway/src/journal/types.js';
import type { AlertRequest } from '../../gateway/src/model/alert.js';
import type { DeviceEvent, RollcallEvent, TapEvent } from '../../gateway/src/model/event.js';
import { type RawSite, smallSite } from '../support/site.js';

/** 2026-11-28 20:00 in Asia/Shanghai. */
export const T0 = Date.parse('2026-11-28T12:00:00.000Z');
export const MIN = 60_000;

/** The small test site; `edit` may change the parsed YAML before validation. */
export function loadSite(edit?: (raw: RawSite) => void): Site {
  return smallSite(edit);
}

export type Outbound = Exclude<Effect, { type: 'record' } | { type: 'raise' }>;

export interface StepResult {
  records: JournalBody[];
  raises: AlertRequest[];
  out: Outbound[];
}

export class Bench<E extends Engine> {
  readonly journal: JournalEntry[] = [];
  readonly raises: AlertRequest[] = [];
  readonly out: Outbound[] = [];
  private seq = 0;

  constructor(
    readonly site: Site,
    public engine: E,
  ) {}

  private append(body: JournalBody, at: number): JournalEntry {
    const entry: JournalEntry = { seq: this.journal.length + 1, at, body };
    this.journal.push(entry);
    return entry;
  }

  /** Like the pipeline: annotate, journal at the event time, handle at `now`. */
  event(ev: DeviceEvent, now = ev.at): StepResult {
    this.engine.annotate?.(ev, now);
    const entry = this.append({ type: 'event', event: ev }, ev.at);
    return this.drain(this.engine.handle(entry, now, false), now);
  }

  op(input: OpInput, now: number): StepResult {
    const entry = this.append({ type: 'op', input, at: now }, now);
    return this.drain(this.engine.handle(entry, now, false), now);
  }

  tick(now: number): StepResult {
    return this.drain(this.engine.tick(now), now);
  }

  private drain(initial: Effect[], now: number): StepResult {
    const step: StepResult = { records: [], raises: [], out: [] };
    const queue = [...initial];
    while (queue.length > 0) {
      const effect = queue.shift() as Effect;
      if (effect.type === 'record') {
        step.records.push(effect.body);
        queue.push(...this.engine.handle(this.append(effect.body, now), now, false));
      } else if (effect.type === 'raise') {
        step.raises.push(effect.request);
        this.raises.push(effect.request);
      } else {
        step.out.push(effect);
        this.out.push(effect);
      }
    }
    return step;
  }

  /** Records of one type in the journal. */
  records<T extends JournalBody['type']>(type: T): Extract<JournalBody, { type: T }>[] {
    return this.journal
      .map((e) => e.body)
      .filter((b): b is Extract<JournalBody, { type: T }> => b.type === type);
  }

  /** Start-up: feed the whole journal (or the part after `afterSeq`) to `fresh` as a replay; effects discarded. */
  restartInto(fresh: E, afterSeq = 0): void {
    for (const entry of this.journal) {
      if (entry.seq > afterSeq) fresh.handle(structuredClone(entry), entry.at, true);
    }
    this.engine = fresh;
  }

  nextSeq(): number {
    return ++this.seq;
  }
}

/** The fields every event of `device` at `at` carries as the normaliser builds it (next seq, over MQTT, no skew). */
function eventBase(bench: Bench<Engine>, device: string, at: number) {
  const d = bench.site.devices.get(device);
  if (!d) throw new Error(`no device ${device}`);
  const unit = bench.site.units.get(d.unit);
  if (!unit) throw new Error(`no unit ${d.unit}`);
  const base = {
    device,
    zone: unit.zone,
    unit: unit.id,
    seq: bench.nextSeq(),
    at,
    receivedAt: at,
    skewed: false,
    transport: 'mqtt' as const,
  };
  return { d, base };
}

/** A tap event as the pipeline's normaliser builds it. */
export function tap(bench: Bench<Engine>, device: string, uid: string, at: number): TapEvent {
  const site = bench.site;
  const { d, base } = eventBase(bench, device, at);
  const cp = site.checkpointByTag.get(uid);
  const guard = site.guardByCard.get(uid);
  return {
    kind: 'tap',
    ...base,
    uid,
    uidKind: cp ? 'tag' : guard ? 'card' : 'unknown',
    checkpoint: cp ? cp.id : guard ? (d.checkpoint ?? null) : null,
    guard: cp ? (d.guard ?? null) : (guard?.id ?? null),
    route: null,
    tour: null,
  };
}

/** A wand reading the tag of a checkpoint. */
export function tagTap(bench: Bench<Engine>, wand: string, checkpoint: string, at: number): TapEvent {
  const cp = bench.site.checkpoints.get(checkpoint);
  if (!cp) throw new Error(`no checkpoint ${checkpoint}`);
  return tap(bench, wand, cp.tag, at);
}

/** A fixed reader reading a guard's card. */
export function cardTap(bench: Bench<Engine>, reader: string, guard: string, at: number): TapEvent {
  const g = bench.site.guards.get(guard);
  if (!g) throw new Error(`no guard ${guard}`);
  return tap(bench, reader, g.card, at);
}

/** A guard's card (or any UID) answering a roll call at a terminal. */
export function rollcallAnswer(
  bench: Bench<Engine>,
  terminal: string,
  call: string,
  uidOrGuard: string,
  at: number,
): RollcallEvent {
  const site = bench.site;
  const { base } = eventBase(bench, terminal, at);
  const byId = site.guards.get(uidOrGuard);
  const uid = byId ? byId.card : uidOrGuard;
  const guard = site.guardByCard.get(uid);
  return {
    kind: 'rollcall',
    ...base,
    call,
    uid,
    guard: guard?.id ?? null,
    guardUnit: guard?.unit ?? null,
  };
}

export type Action<E extends Engine> = (b: Bench<E>) => unknown;

export interface RunOutcome {
  journal: JournalBody[];
  raises: AlertRequest[];
  out: Outbound[];
}

/** A retained publish repeating one already made (same topic and content) changes nothing: dropped. */
function outcome(b: Bench<Engine>): RunOutcome {
  const seen = new Set<string>();
  const out = b.out.filter((e) => {
    if (e.type !== 'publish' || !e.retain) return true;
    const key = JSON.stringify([e.topic, e.payload]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { journal: b.journal.map((e) => e.body), raises: [...b.raises], out };
}

/** Run the actions on one engine, no restart. */
export function runStraight<E extends Engine>(site: Site, make: () => E, actions: Action<E>[]): RunOutcome {
  const b = new Bench(site, make());
  for (const a of actions) a(b);
  return outcome(b);
}

/**
 * Run the actions with a restart after action `at`:
 * - 'replay': a fresh engine rebuilt from the whole journal;
 * - 'snapshot': a fresh engine restored from a snapshot taken right then;
 * - 'old-snapshot': a snapshot taken after action `snapAt` (< at), plus replay of the entries after it.
 */
export function runWithRestart<E extends Engine>(
  site: Site,
  make: () => E,
  actions: Action<E>[],
  at: number,
  mode: 'replay' | 'snapshot' | 'old-snapshot',
  snapAt = 0,
): RunOutcome {
  const b = new Bench(site, make());
  let snap: { state: unknown; seq: number } | null = null;
  actions.forEach((a, i) => {
    a(b);
    if (mode === 'old-snapshot' && i === snapAt) {
      snap = { state: JSON.parse(JSON.stringify(b.engine.snapshot())), seq: b.journal.length };
    }
    if (i !== at) return;
    const fresh = make();
    if (mode === 'replay') b.restartInto(fresh);
    else if (mode === 'snapshot') {
      fresh.restore(JSON.parse(JSON.stringify(b.engine.snapshot())));
      b.restartInto(fresh, b.journal.length);
    } else {
      const s = snap as { state: unknown; seq: number } | null;
      if (!s) throw new Error('no snapshot taken');
      fresh.restore(s.state);
      b.restartInto(fresh, s.seq);
    }
  });
  return outcome(b);
}
