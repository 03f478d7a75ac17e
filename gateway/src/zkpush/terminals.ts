/**
 * The push terminals of the site, keyed by SN (their only identity), with
 * what the gateway knows of each between requests: last contact, firmware
 * line, the ATTLOG Stamp it last reported, its command queue and punch
 * counts for /healthz, and the PIN → guard map. Built once from the site.
 */
import { Counter, type Registry } from 'prom-client';
import { type DeviceConfig, type GuardConfig, normaliseUidOrNull } from '../config/schema.js';
import type { Site } from '../config/site.js';
import { normalisePin } from '../config/validate-zkpush.js';
import { CommandQueue } from './commands.js';

export type PunchOutcome = 'accepted' | 'duplicate' | 'outside' | 'unknown_pin' | 'malformed' | 'refused';

export interface Terminal {
  device: DeviceConfig;
  sn: string;
  queue: CommandQueue;
  lastSeen: number | null;
  /** The `INFO=` of the last poll (firmware, counts, IP), bounded. */
  info: string | null;
  attlogStamp: string | null;
  heartbeatSentAt: number | null;
  /** Receive time minus the newest punch time of the last upload: a steady large lag is a wrong clock. */
  lastPunchLagMs: number | null;
  punches: Record<PunchOutcome, number>;
}

export interface ZkMetrics {
  requests: Counter<'endpoint' | 'status'>;
  punches: Counter<'outcome'>;
}

export function zkMetrics(registry: Registry): ZkMetrics {
  const get = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  return {
    requests:
      get<Counter<'endpoint' | 'status'>>('guardpost_zkpush_requests_total') ??
      new Counter({
        name: 'guardpost_zkpush_requests_total',
        help: 'Requests of push terminals on /iclock/ by endpoint and HTTP status',
        labelNames: ['endpoint', 'status'],
        registers: [registry],
      }),
    punches:
      get<Counter<'outcome'>>('guardpost_zkpush_punches_total') ??
      new Counter({
        name: 'guardpost_zkpush_punches_total',
        help: 'ATTLOG lines by outcome (accepted, duplicate, outside a roll call, unknown_pin, malformed, refused)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
  };
}

export class Terminals {
  readonly bySerial = new Map<string, Terminal>();
  readonly byDevice = new Map<string, Terminal>();
  /** Normalised PIN → guard with a card (the answer names the guard by card, as every terminal does). */
  readonly guardByPin = new Map<string, GuardConfig & { uid: string }>();

  constructor(site: Site) {
    // command ids: distinct across restarts (a late result for an old command matches nothing), int32
    let id = (Math.floor(Date.now() / 1000) % 10_000_000) * 100;
    const nextId = (): number => (id = id >= 2_000_000_000 ? 1 : id + 1);
    for (const d of site.config.devices) {
      if (d.protocol !== 'zk-push' || !d.serial) continue;
      const t: Terminal = {
        device: d,
        sn: d.serial,
        queue: new CommandQueue(nextId),
        lastSeen: null,
        info: null,
        attlogStamp: null,
        heartbeatSentAt: null,
        lastPunchLagMs: null,
        punches: { accepted: 0, duplicate: 0, outside: 0, unknown_pin: 0, malformed: 0, refused: 0 },
      };
      this.bySerial.set(d.serial, t);
      this.byDevice.set(d.id, t);
    }
    for (const g of site.config.guards) {
      const uid = normaliseUidOrNull(g.card);
      if (g.pin !== undefined && uid) this.guardByPin.set(normalisePin(g.pin), { ...g, uid });
    }
  }

  health(): Record<string, unknown>[] {
    return [...this.bySerial.values()].map((t) => ({
      device: t.device.id,
      serial: t.sn,
      lastSeen: t.lastSeen === null ? null : new Date(t.lastSeen).toISOString(),
      info: t.info,
      pendingCommands: t.queue.pending,
      commandResults: t.queue.lastResults.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      punchLagS: t.lastPunchLagMs === null ? null : Math.round(t.lastPunchLagMs / 1000),
      punches: { ...t.punches },
    }));
  }
}
