/**
 * DeviceMessage (what a driver decoded) + site config + clock → the
 * normalised DeviceEvent, or the reason it is refused. Pure.
 */
import type { Site } from '../config/site.js';
import type { Decoded, DeviceEvent, DeviceMessage, Transport } from '../model/event.js';

export const MAX_SKEW_MS = 5 * 60_000;

export function eventTime(ts: string | null, now: number): { at: number; skewed: boolean; drift?: number } {
  if (ts === null) return { at: now, skewed: true };
  const t = Date.parse(ts);
  if (!Number.isFinite(t)) return { at: now, skewed: true };
  // drift (extension): what the device clock says minus ours, for the clock_drift check
  if (Math.abs(t - now) > MAX_SKEW_MS) return { at: now, skewed: true, drift: t - now };
  return { at: t, skewed: false, drift: t - now };
}

export function normalise(
  msg: DeviceMessage,
  origin: { transport: Transport; port?: string },
  site: Site,
  now: number,
): Decoded<DeviceEvent> {
  const device = site.devices.get(msg.device);
  if (!device) return { ok: false, reason: `unknown device ${msg.device}` };
  const boundPort = site.serialPortOfDevice.get(device.id);
  if (origin.transport === 'serial' && boundPort !== origin.port) {
    return { ok: false, reason: `device ${device.id} is not bound to port ${origin.port ?? '?'}` };
  }
  // a zk-push terminal's identity is its SN on the /iclock/ endpoints, nothing else (docs/zkpush.md)
  if ((device.protocol === 'zk-push') !== (origin.transport === 'http')) {
    return { ok: false, reason: `device ${device.id} does not speak ${origin.transport}` };
  }
  const unit = site.units.get(device.unit);
  if (!unit) return { ok: false, reason: `device ${device.id} has no unit` };
  const base = {
    device: device.id,
    zone: unit.zone,
    unit: unit.id,
    receivedAt: now,
    transport: origin.transport,
  };
  switch (msg.kind) {
    case 'tap': {
      const { at, skewed, drift } = eventTime(msg.ts, now);
      // A tag UID: this reader's guard (a wand's, if known) visited that checkpoint.
      // A card UID: that guard visited the reader's own checkpoint (fixed readers).
      const cp = site.checkpointByTag.get(msg.uid);
      const cardOf = cp ? undefined : site.guardByCard.get(msg.uid);
      const meaning = cp
        ? { uidKind: 'tag' as const, checkpoint: cp.id, guard: device.guard ?? null }
        : cardOf
          ? { uidKind: 'card' as const, checkpoint: device.checkpoint ?? null, guard: cardOf.id }
          : { uidKind: 'unknown' as const, checkpoint: null, guard: null };
      return {
        ok: true,
        value: {
          ...base,
          kind: 'tap',
          seq: msg.seq,
          at,
          skewed,
          ...(drift !== undefined ? { drift } : {}),
          uid: msg.uid,
          ...meaning,
          route: null,
          tour: null,
        },
      };
    }
    case 'panic': {
      if (device.kind !== 'panic')
        return { ok: false, reason: `device ${device.id} is a ${device.kind}, not a panic button` };
      const { at, skewed, drift } = eventTime(msg.ts, now);
      const d = drift !== undefined ? { drift } : {};
      return {
        ok: true,
        value: { ...base, kind: 'panic', seq: msg.seq, at, skewed, ...d, state: msg.state },
      };
    }
    case 'rollcall': {
      if (device.kind !== 'rollcall') {
        return { ok: false, reason: `device ${device.id} is a ${device.kind}, not a roll-call terminal` };
      }
      const { at, skewed, drift } = eventTime(msg.ts, now);
      const guard = site.guardByCard.get(msg.uid);
      return {
        ok: true,
        value: {
          ...base,
          kind: 'rollcall',
          seq: msg.seq,
          at,
          skewed,
          ...(drift !== undefined ? { drift } : {}),
          call: msg.call,
          uid: msg.uid,
          guard: guard?.id ?? null,
          guardUnit: guard?.unit ?? null,
        },
      };
    }
    case 'heartbeat': {
      const { at, skewed, drift } = eventTime(msg.ts, now);
      return {
        ok: true,
        value: {
          ...base,
          kind: 'heartbeat',
          seq: msg.seq,
          at,
          skewed,
          ...(drift !== undefined ? { drift } : {}),
          battery: msg.battery,
          rssi: msg.rssi,
          tamper: msg.tamper,
        },
      };
    }
    case 'status':
      return {
        ok: true,
        value: { ...base, kind: 'status', seq: null, at: now, skewed: false, status: msg.status },
      };
    case 'records':
      return { ok: false, reason: 'records are expanded by ingest/records.ts' };
  }
}
