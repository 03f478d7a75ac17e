/**
 * Device supervision (site-config.md; Contact ID 147/381 practice): every
 * device's last sign of life, battery, signal and tamper, and `device_offline`
 * raises when a device with a `heartbeat:` interval is silent for two
 * intervals, or when its `status` goes `offline` (its MQTT will).
 *
 * Silence is counted from the later of the device's last event and the
 * gateway's start (`startedAt`): a device never heard since start gets two
 * intervals from start, and the gateway's own downtime never counts as the
 * device's silence. Any event from the device (except the `offline` will)
 * brings it back online and re-arms supervision; the alert engine restores
 * (and by default closes) its open alert (docs/alerts.md "Restore").
 *
 * Commissioning (gateway.supervision.commissioning, default 24 h): a device
 * never heard at all, within that time of the gateway first supervising it,
 * is not offline but "not yet commissioned": one info notice per unit lists
 * such devices (a fresh site is not a wall of red). Past it, silence is
 * silence.
 *
 * At replay the engine rebuilds from events and from the alert engine's
 * `device_offline` records, grouped ones included, and commissioning notices
 * (which tell that a silence or a notice was already raised).
 */

import { type DeviceKind, parseDuration } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { JournalEntry } from '../../journal/types.js';
import type { AlertPayload } from '../../model/alert.js';
import type { DeviceEvent } from '../../model/event.js';
import { commissioningText, offlineSilentText, offlineWillText } from '../alerts/messages.js';
import { clockStepOf } from '../clock-step.js';
import type { Effect, Engine } from '../engine.js';

export interface SupervisionOptions {
  /** The gateway's start time, epoch ms; silence of never-heard devices counts from here. */
  startedAt?: number;
}

export interface DeviceHealth {
  id: string;
  kind: DeviceKind;
  unit: string;
  zone: string;
  /** Heard since the gateway knows it, and not offline (will, or two heartbeats missed). */
  online: boolean;
  /** Last sign of life (gateway receive time), epoch ms; null when never heard. */
  lastSeen: number | null;
  battery: number | null;
  rssi: number | null;
  tamper: boolean | null;
  /** Configured heartbeat interval, ms; null when the device is not supervised. */
  heartbeatMs: number | null;
  /** Last heartbeat received, epoch ms (extension). */
  lastHeartbeat: number | null;
}

interface DeviceState {
  lastSeen: number | null;
  lastHeartbeat: number | null;
  battery: number | null;
  rssi: number | null;
  tamper: boolean | null;
  /** Offline decided (will or silence) and device_offline raised for this spell. */
  offline: boolean;
  /** When this engine first supervised it (the start of its commissioning time). */
  known?: number | null;
  /** Listed on its unit's "not yet commissioned" notice. */
  commissioning?: boolean;
}

interface SnapshotV1 {
  v: 1;
  devices: Record<string, DeviceState>;
}

const fresh = (): DeviceState => ({
  lastSeen: null,
  lastHeartbeat: null,
  battery: null,
  rssi: null,
  tamper: null,
  offline: false,
});

export class SupervisionEngine implements Engine {
  readonly name = 'supervision';
  private readonly state = new Map<string, DeviceState>();
  private startedAt: number | null;
  /**
   * Earliest silence deadline, or undefined when it must be recomputed. The
   * runtime asks after every commit; scanning every device each time made CPU
   * grow with the fleet. A sign of life only moves a device's deadline later,
   * so a cached minimum can only be early (a harmless early tick recomputes it).
   */
  private wake: number | null | undefined = undefined;
  private readonly commissioningMs: number;

  constructor(
    private readonly site: Site,
    opts: SupervisionOptions = {},
  ) {
    this.startedAt = opts.startedAt ?? null;
    this.commissioningMs = parseDuration(site.config.gateway?.supervision?.commissioning ?? '24h');
    for (const d of site.config.devices) this.state.set(d.id, fresh());
  }

  handle(entry: JournalEntry, now: number, replay: boolean): Effect[] {
    if (!replay && this.startedAt === null) {
      this.startedAt = now;
      this.know(now);
      this.wake = undefined; // every device's silence now counts from here
    }
    const step = clockStepOf(entry);
    if (step !== null) {
      this.shift(step, replay);
      return [];
    }
    const body = entry.body;
    if (body.type === 'event') return this.onEvent(body.event, replay);
    if (body.type === 'alert') this.onAlertRecord(body.alert, body.key);
    return [];
  }

  /** What the alert engine already raised: a silence (alone or in a group), a commissioning notice. */
  private onAlertRecord(a: AlertPayload, key: string): void {
    if (a.kind === 'device_offline' && a.state === 'raised') {
      // a silence raised before a restart (or by the live path): do not raise it again
      const s = a.device ? this.state.get(a.device) : undefined;
      if (s && key === `offline:${a.device}`) s.offline = true;
    }
    if (a.kind === 'device_offline' && a.group && a.state !== 'resolved') {
      for (const m of a.group.members) {
        const s = m.device && !m.restored ? this.state.get(m.device) : undefined;
        if (s) s.offline = true; // joined the group without a record of its own
      }
    }
    if (a.notice === 'commissioning' && a.state === 'raised' && key === `commissioning:${a.unit}`) {
      for (const d of a.details ?? []) {
        const s = this.state.get(d);
        if (s) s.commissioning = true;
      }
    }
  }

  /** Still within its commissioning time and never heard: not offline, listed on a notice. */
  private commissioning(s: DeviceState, now: number): boolean {
    return s.lastSeen === null && s.known != null && now < s.known + this.commissioningMs;
  }

  tick(now: number): Effect[] {
    if (this.startedAt === null) this.startedAt = now;
    this.know(this.startedAt);
    this.wake = undefined;
    const out: Effect[] = [];
    const uncommissioned = new Map<string, string[]>();
    for (const [id, s] of this.state) {
      const since = this.silenceSince(s);
      const hb = this.site.heartbeatMs(id);
      if (s.offline || hb === null || since === null || now < since + 2 * hb) continue;
      if (this.commissioning(s, now)) {
        if (s.commissioning) continue;
        s.commissioning = true;
        const unit = this.site.devices.get(id)?.unit ?? '';
        uncommissioned.set(unit, [...(uncommissioned.get(unit) ?? []), id]);
        continue;
      }
      s.offline = true;
      out.push(this.offlineRaise(id, 'silence', now - since));
    }
    for (const [unit, devices] of uncommissioned) out.push(this.commissioningNotice(unit, devices));
    return out;
  }

  /** Devices supervised for the first time start their commissioning time now. */
  private know(at: number): void {
    for (const s of this.state.values()) if (s.known == null) s.known = at;
  }

  nextWakeAt(): number | null {
    if (this.wake !== undefined) return this.wake;
    let next: number | null = null;
    for (const [id, s] of this.state) {
      const hb = this.site.heartbeatMs(id);
      const since = this.silenceSince(s);
      if (s.offline || hb === null || since === null) continue;
      // a listed never-heard device is due again when its commissioning time ends
      const due =
        s.commissioning && s.lastSeen === null && s.known != null
          ? Math.max(since + 2 * hb, s.known + this.commissioningMs)
          : since + 2 * hb;
      if (next === null || due < next) next = due;
    }
    this.wake = next;
    return next;
  }

  snapshot(): unknown {
    const devices: Record<string, DeviceState> = {};
    for (const [id, s] of this.state) devices[id] = { ...s };
    return { v: 1, devices } satisfies SnapshotV1;
  }

  restore(snapshot: unknown): void {
    if (!isSnapshotV1(snapshot)) throw new Error('supervision: unreadable snapshot');
    this.wake = undefined;
    for (const [id, s] of Object.entries(snapshot.devices)) {
      // devices removed from the config since are dropped
      if (this.state.has(id)) this.state.set(id, { ...fresh(), ...s });
    }
  }

  devices(filter: { unit?: string; zone?: string } = {}): DeviceHealth[] {
    const out: DeviceHealth[] = [];
    for (const d of this.site.config.devices) {
      const zone = this.site.units.get(d.unit)?.zone ?? '';
      if (filter.unit !== undefined && d.unit !== filter.unit) continue;
      if (filter.zone !== undefined && zone !== filter.zone) continue;
      const s = this.state.get(d.id) ?? fresh();
      out.push({
        id: d.id,
        kind: d.kind,
        unit: d.unit,
        zone,
        online: s.lastSeen !== null && !s.offline,
        lastSeen: s.lastSeen,
        battery: s.battery,
        rssi: s.rssi,
        tamper: s.tamper,
        heartbeatMs: this.site.heartbeatMs(d.id),
        lastHeartbeat: s.lastHeartbeat,
      });
    }
    return out;
  }

  /**
   * A clock step: last signs of life move with engine time, so silence stays
   * elapsed time. The start time is this run's: at replay (start-up or rebuild)
   * it is already in the current time base, steps in the journal came before it.
   */
  private shift(deltaMs: number, replay: boolean): void {
    this.wake = undefined;
    if (!replay && this.startedAt !== null) this.startedAt += deltaMs;
    for (const s of this.state.values()) {
      if (s.lastSeen !== null) s.lastSeen += deltaMs;
      if (s.lastHeartbeat !== null) s.lastHeartbeat += deltaMs;
    }
  }

  /** Silence is counted from the later of the last sign of life and the gateway's start. */
  private silenceSince(s: DeviceState): number | null {
    if (this.startedAt === null) return s.lastSeen;
    return s.lastSeen === null ? this.startedAt : Math.max(s.lastSeen, this.startedAt);
  }

  private onEvent(ev: DeviceEvent, replay: boolean): Effect[] {
    const s = this.state.get(ev.device);
    if (!s) return [];
    if (ev.kind === 'status' && ev.status === 'offline') {
      if (s.offline) return [];
      s.offline = true;
      return replay ? [] : [this.offlineRaise(ev.device, 'will', 0)];
    }
    // any other event is a sign of life: back online, supervision re-armed
    s.lastSeen = s.lastSeen === null ? ev.receivedAt : Math.max(s.lastSeen, ev.receivedAt);
    const wasOffline = s.offline;
    s.offline = false;
    s.commissioning = false;
    const hb = this.site.heartbeatMs(ev.device);
    const since = this.silenceSince(s);
    if (wasOffline && hb !== null && since !== null && this.wake !== undefined) {
      // a device back from offline has a deadline again: it may be the earliest
      const due = since + 2 * hb;
      if (this.wake === null || due < this.wake) this.wake = due;
    }
    if (ev.kind === 'heartbeat') {
      s.lastHeartbeat = ev.receivedAt;
      if (ev.battery !== null) s.battery = ev.battery;
      if (ev.rssi !== null) s.rssi = ev.rssi;
      if (ev.tamper !== null) s.tamper = ev.tamper;
    }
    return [];
  }

  private commissioningNotice(unit: string, devices: string[]): Effect {
    const t = commissioningText(this.site, unit, devices);
    return {
      type: 'raise',
      request: {
        kind: 'custom',
        severity: 'info',
        zone: this.site.units.get(unit)?.zone ?? '',
        unit,
        key: `commissioning:${unit}`,
        messageZh: t.zh,
        messageEn: t.en,
        details: devices,
        notice: 'commissioning',
      },
    };
  }

  private offlineRaise(device: string, why: 'will' | 'silence', silentMs: number): Effect {
    const d = this.site.devices.get(device);
    const unit = d?.unit ?? '';
    const zone = this.site.units.get(unit)?.zone ?? '';
    const t =
      why === 'will'
        ? offlineWillText(this.site, unit, device)
        : offlineSilentText(this.site, unit, device, silentMs);
    return {
      type: 'raise',
      request: {
        kind: 'device_offline',
        severity: 'warning',
        zone,
        unit,
        device,
        key: `offline:${device}`,
        messageZh: t.zh,
        messageEn: t.en,
      },
    };
  }
}

function isSnapshotV1(s: unknown): s is SnapshotV1 {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return o.v === 1 && typeof o.devices === 'object' && o.devices !== null && !Array.isArray(o.devices);
}
