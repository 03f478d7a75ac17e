/**
 * Journal entries to city uplink messages (integrations.md §2), pure: an
 * alert state change goes to `{prefix}/alert/{zone}/{unit}` with the alert
 * payload of protocol.md §1.3, an accepted event to
 * `{prefix}/events/{kind}/{zone}/{unit}` with the payload of
 * gp/v1/events/…; each carries the journal sequence as `jseq`, so the city
 * side can drop repeats (a batch is re-sent after a reconnect or a crash
 * before its cursor commit). Everything else in the journal stays local.
 */
import type { JournalEntry } from '../journal/types.js';
import type { EventKind } from '../model/event.js';
import { eventToWire } from '../model/wire.js';
import { cityTopics } from '../topics.js';

export interface UplinkMessage {
  /** The journal seq (`jseq`). */
  seq: number;
  topic: string;
  payload: Buffer;
}

export interface ForwardRules {
  prefix: string;
  alerts: boolean;
  events: boolean;
  /** null: every kind. */
  eventKinds: ReadonlySet<EventKind> | null;
}

/** The upstream message for one entry, or null when it is not forwarded. */
export function toUplinkMessage(entry: JournalEntry, rules: ForwardRules): UplinkMessage | null {
  const body = entry.body;
  if (body.type === 'alert' && rules.alerts) {
    const a = body.alert;
    const payload = Buffer.from(JSON.stringify({ ...a, jseq: entry.seq }));
    return { seq: entry.seq, topic: cityTopics.alert(rules.prefix, a.zone, a.unit), payload };
  }
  if (body.type === 'event' && rules.events) {
    const e = body.event;
    if (rules.eventKinds !== null && !rules.eventKinds.has(e.kind)) return null;
    const payload = Buffer.from(JSON.stringify({ ...eventToWire(e), jseq: entry.seq }));
    return { seq: entry.seq, topic: cityTopics.event(rules.prefix, e.kind, e.zone, e.unit), payload };
  }
  return null;
}

export function toUplinkMessages(entries: readonly JournalEntry[], rules: ForwardRules): UplinkMessage[] {
  const out: UplinkMessage[] = [];
  for (const entry of entries) {
    const m = toUplinkMessage(entry, rules);
    if (m) out.push(m);
  }
  return out;
}
