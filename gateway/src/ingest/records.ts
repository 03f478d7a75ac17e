/**
 * An offline wand's records message → the tap events it stands for, or the
 * reason the whole message is refused. Pure. Each record becomes a tap whose
 * `at` is the device time (tours are computed from it) and whose
 * `receivedAt` is the upload; a record with an impossible time is refused on
 * its own, by index, and the others go on (docs/protocol-extensions.md
 * "Offline wands").
 */
import type { Site } from '../config/site.js';
import type { DeviceMessage, TapEvent } from '../model/event.js';
import type { MessageOrigin } from '../ports.js';
import { MAX_SKEW_MS, normalise } from './normalise.js';

/** Records older than this (device time) are refused: the wand's clock is wrong, or the memory is stale. */
export const MAX_RECORD_AGE_MS = 7 * 86_400_000;

/** Records keep their (device, seq) for dedupe this long: a wand re-uploading its memory the next morning. */
export const RECORD_DEDUPE_MS = 36 * 3_600_000;

export interface Expanded {
  events: TapEvent[];
  /** Refused records, with a reason naming the index. */
  invalid: { index: number; reason: string }[];
}

export function expandRecords(
  msg: Extract<DeviceMessage, { kind: 'records' }>,
  origin: MessageOrigin,
  site: Site,
  now: number,
): { ok: true; value: Expanded } | { ok: false; reason: string } {
  const device = site.devices.get(msg.device);
  if (!device) return { ok: false, reason: `unknown device ${msg.device}` };
  if (device.kind !== 'reader') {
    return { ok: false, reason: `device ${device.id} is a ${device.kind}, not a reader (wand)` };
  }
  const invalid = [...msg.invalid];
  const events: TapEvent[] = [];
  msg.records.forEach((r, i) => {
    const index = r.index ?? i;
    if (r.ts > now + MAX_SKEW_MS) {
      invalid.push({
        index,
        reason: `records[${index}]: ts in the future (${new Date(r.ts).toISOString()})`,
      });
      return;
    }
    if (r.ts < now - MAX_RECORD_AGE_MS) {
      invalid.push({ index, reason: `records[${index}]: ts older than 7 days` });
      return;
    }
    const tap = normalise(
      { kind: 'tap', device: msg.device, uid: r.uid, seq: r.seq, ts: null },
      origin,
      site,
      now,
    );
    if (!tap.ok) {
      invalid.push({ index, reason: `records[${index}]: ${tap.reason}` });
      return;
    }
    if (tap.value.kind !== 'tap') return;
    events.push({ ...tap.value, at: r.ts, skewed: false, offline: true });
  });
  // a message's records are applied in device time order (a wand's memory may wrap)
  events.sort((a, b) => a.at - b.at || (a.seq ?? 0) - (b.seq ?? 0));
  return { ok: true, value: { events, invalid } };
}

/** At most this many refused records of one message are reported one by one; the rest in one line. */
const MAX_RECORD_REPORTS = 20;

/** The reject reasons to report for a message's refused records. */
export function recordRejects(invalid: readonly { index: number; reason: string }[]): string[] {
  const out = invalid.slice(0, MAX_RECORD_REPORTS).map((r) => r.reason);
  if (invalid.length > MAX_RECORD_REPORTS) {
    out.push(`records: ${invalid.length - MAX_RECORD_REPORTS} more refused records not listed`);
  }
  return out;
}
