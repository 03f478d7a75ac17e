import type { Site } from '../../gateway/src/config/site.js';
import type { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import type { Effect, Engine } from '../../gateway/src/engines/engine.js';
import type { JournalBody, JournalEntry, OpInput } from '../../gateway/src/journal/types.js';
import type { AlertPayload, AlertRequest } from '../../gateway/src/model/alert.js';
import type { DeviceEvent } from '../../gateway/src/model/event.js';
import { smallSite } from '../support/site.js';

export const T0 = Date.parse('2026-11-28T20:00:00.000Z');

export function loadSite(yamlText?: string): Site {
  return smallSite(undefined, yamlText);
}

export type Outbound = Exclude<Effect, { type: 'record' } | { type: 'raise' }>;
export type Publish = Extract<Effect, { type: 'publish' }>;

export class Harness {
  readonly journal: JournalEntry[] = [];
  constructor(
    readonly engines: Engine[],
    readonly alerts: AlertEngine | null,
  ) {}

  private append(body: JournalBody, at: number): JournalEntry {
    const entry: JournalEntry = { seq: this.journal.length + 1, at, body };
    this.journal.push(entry);
    return entry;
  }

  /** Journal an input at `now` and run the engines on it, like the gateway. */
  input(body: JournalBody, now: number): Outbound[] {
    return this.drain(this.feed(this.append(body, now), now), now);
  }

  event(ev: DeviceEvent): Outbound[] {
    return this.input({ type: 'event', event: ev }, ev.receivedAt);
  }

  op(input: OpInput, now: number): Outbound[] {
    return this.input({ type: 'op', input, at: now }, now);
  }

  /** A raise request from another engine, routed like the runner does. */
  raise(request: AlertRequest, now: number): Outbound[] {
    return this.alerts ? this.drain(this.alerts.raise(request, now), now) : [];
  }

  tick(now: number): Outbound[] {
    const out: Outbound[] = [];
    for (const e of this.engines) out.push(...this.drain(e.tick(now), now));
    return out;
  }

  private feed(entry: JournalEntry, now: number): Effect[] {
    return this.engines.flatMap((e) => e.handle(entry, now, false));
  }

  private drain(initial: Effect[], now: number): Outbound[] {
    const out: Outbound[] = [];
    const queue = [...initial];
    while (queue.length > 0) {
      const effect = queue.shift() as Effect;
      if (effect.type === 'record') queue.push(...this.feed(this.append(effect.body, now), now));
      else if (effect.type === 'raise') {
        if (this.alerts) queue.push(...this.alerts.raise(effect.request, now));
      } else out.push(effect);
    }
    return out;
  }

  /** Feed the journal (or a slice of it) to engines at replay, as start-up does. */
  static replay(entries: readonly JournalEntry[], engines: Engine[]): void {
    for (const entry of entries) for (const e of engines) e.handle(entry, entry.at, true);
  }

  alertRecords(): AlertPayload[] {
    return this.journal.flatMap((e) => (e.body.type === 'alert' ? [e.body.alert] : []));
  }
}

export function publishes(effects: readonly Outbound[]): Publish[] {
  return effects.filter((e): e is Publish => e.type === 'publish');
}

export function logs(effects: readonly Outbound[]): Extract<Effect, { type: 'log' }>[] {
  return effects.filter((e): e is Extract<Effect, { type: 'log' }> => e.type === 'log');
}

export function topicsOf(effects: readonly Outbound[]): string[] {
  return publishes(effects)
    .map((p) => p.topic)
    .sort();
}

export function alertOf(p: Publish): AlertPayload {
  return p.payload as AlertPayload;
}

function base(site: Site, device: string, at: number) {
  const d = site.devices.get(device);
  if (!d) throw new Error(`no device ${device}`);
  const zone = site.units.get(d.unit)?.zone ?? '';
  return { device, zone, unit: d.unit, at, receivedAt: at, skewed: false, transport: 'mqtt' as const };
}

let seqCounter = 0;

export function panic(site: Site, device: string, state: 'pressed' | 'released', at: number): DeviceEvent {
  return { ...base(site, device, at), kind: 'panic', state, seq: ++seqCounter };
}

export function heartbeat(
  site: Site,
  device: string,
  at: number,
  f: { battery?: number; rssi?: number; tamper?: boolean } = {},
): DeviceEvent {
  return {
    ...base(site, device, at),
    kind: 'heartbeat',
    seq: ++seqCounter,
    battery: f.battery ?? null,
    rssi: f.rssi ?? null,
    tamper: f.tamper ?? null,
  };
}

export function status(site: Site, device: string, s: 'online' | 'offline', at: number): DeviceEvent {
  return { ...base(site, device, at), kind: 'status', status: s, seq: null };
}

export function tap(site: Site, device: string, uid: string, at: number): DeviceEvent {
  return {
    ...base(site, device, at),
    kind: 'tap',
    seq: ++seqCounter,
    uid,
    uidKind: 'unknown',
    checkpoint: null,
    guard: null,
    route: null,
    tour: null,
  };
}
