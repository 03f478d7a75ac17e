/**
 * The district's open alerts, retained at the city (extension, docs/city.md
 * "Open alerts"): `{prefix}/open/{zone}/{unit}/{alertId}` holds the current
 * state of each open alert (the v1 alert payload with `jseq`) and is cleared
 * (empty retained payload) when the alert is resolved, so a city wall
 * opened during an incident starts with the panics already open. The v1
 * alert messages are not retained and stay exactly as they are.
 *
 * Order: the states of a batch go up after the batch's v1 messages were
 * acknowledged and before the cursor commit (extension.ts), so a later
 * batch's state always follows an earlier one. Convergence: after each
 * connect, before any batch, `reconcile` reads which ids the city holds
 * (subscribe QoS 0 to `{prefix}/open/#`, then unsubscribe: the UNSUBACK
 * comes after every retained message the SUBSCRIBE produced), clears every
 * topic that is not an open alert of the engine now, and puts back an open
 * one the city lacks from its last journal entry (same `jseq`, same
 * content as when it was first sent: a `jseq` always names one entry).
 *
 * Never in the way of the v1 stream: a broker that refuses these topics
 * (ACL; Mosquitto then closes the link) or keeps closing the link on them
 * turns the feature off for an hour; so does a refused directory (an ACL
 * from before these extensions), so a refusal costs at most one reconnect.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/journal.js';
import type { JournalEntry } from '../journal/types.js';
import type { AlertPayload } from '../model/alert.js';
import { cityTopics } from '../topics.js';
import { LinkClosedError, type UplinkLink } from './link.js';
import type { UplinkMessage } from './messages.js';
import { type SendLink, sendBatch } from './sender.js';

/** Most ids read back from the city at a reconcile (a hostile broker cannot grow memory). */
export const OPEN_SEEN_MAX = 20_000;
/** Most open alerts re-published at a reconcile, and whose last seq is remembered. */
export const OPEN_PUBLISH_MAX = 5_000;
const HOLD_MS = 3600_000;
/** Link closures while publishing these, with no PUBACK between, before holding off. */
const CLOSURES_MAX = 3;
const SEGMENT = /^[^/+#\s]{1,128}$/;

function topicFor(prefix: string, a: AlertPayload): string | null {
  if (![a.zone, a.unit, a.id].every((s) => typeof s === 'string' && SEGMENT.test(s))) return null;
  return cityTopics.open(prefix, a.zone, a.unit, a.id);
}

function stateMessage(prefix: string, a: AlertPayload, jseq: number): UplinkMessage | null {
  const topic = topicFor(prefix, a);
  if (topic === null) return null;
  const payload = a.state === 'resolved' ? Buffer.alloc(0) : Buffer.from(JSON.stringify({ ...a, jseq }));
  return { seq: jseq, topic, payload };
}

/** The retained messages for a batch, pure: the last state of each alert, in journal order. */
export function openMessages(entries: readonly JournalEntry[], prefix: string): UplinkMessage[] {
  const last = new Map<string, UplinkMessage>();
  for (const entry of entries) {
    if (entry.body.type !== 'alert') continue;
    const m = stateMessage(prefix, entry.body.alert, entry.seq);
    if (!m) continue;
    last.delete(m.topic); // re-inserted: Map order is the order of the last states
    last.set(m.topic, m);
  }
  return [...last.values()];
}

/**
 * Reconcile, pure: each open alert the city lacks, from its last journal
 * entry (`lastEntry`; none: left to its next change), and a clear for every
 * other topic the city holds.
 */
export function reconcileMessages(
  prefix: string,
  open: readonly AlertPayload[],
  atCity: ReadonlySet<string>,
  lastEntry: (a: AlertPayload) => JournalEntry | null,
): UplinkMessage[] {
  const out: UplinkMessage[] = [];
  const keep = new Set<string>();
  let put = 0;
  for (const a of open) {
    const topic = a.state === 'resolved' ? null : topicFor(prefix, a);
    if (topic === null) continue;
    keep.add(topic);
    if (atCity.has(topic) || put >= OPEN_PUBLISH_MAX) continue;
    const e = lastEntry(a);
    if (e?.body.type !== 'alert' || e.body.alert.id !== a.id || e.body.alert.state === 'resolved') continue;
    const m = stateMessage(prefix, e.body.alert, e.seq);
    if (m?.topic !== topic) continue;
    out.push(m);
    put += 1;
  }
  for (const topic of atCity) if (!keep.has(topic)) out.push({ seq: 0, topic, payload: Buffer.alloc(0) });
  return out;
}

export interface OpenSetOptions {
  link: UplinkLink;
  prefix: string;
  window: number;
  log: Logger;
  /** The engine's open alerts now. */
  openAlerts(): AlertPayload[];
  journal: Pick<Journal, 'readAfter' | 'readByTime'>;
}

export class OpenSet {
  private syncedOn = 0;
  private holdUntil = 0;
  private closures = 0;
  /** Retained topics read back during a reconcile; null when not reading. */
  private seen: Set<string> | null = null;
  /** Open alert id → seq of its last state sent (oldest first, capped). */
  private readonly seqOf = new Map<string, number>();
  private readonly head: string;
  private readonly tolerant: SendLink;

  constructor(private readonly o: OpenSetOptions) {
    this.head = `${o.prefix}/open/`;
    const link = o.link;
    this.tolerant = {
      get connected() {
        return link.connected;
      },
      get windowLimit() {
        return link.windowLimit;
      },
      waitConnected: (signal) => link.waitConnected(signal),
      publish: (topic, payload) => this.publish(topic, payload),
    };
  }

  /** True when the message is one of ours (read back or an echo): not a command. */
  take(topic: string, retain: boolean): boolean {
    if (!topic.startsWith(this.head)) return false;
    if (retain && this.seen && this.seen.size < OPEN_SEEN_MAX) this.seen.add(topic);
    return true;
  }

  /** The states of a batch whose v1 messages were acknowledged. */
  async sendStates(entries: readonly JournalEntry[], signal: AbortSignal): Promise<void> {
    for (const e of entries) {
      if (e.body.type !== 'alert') continue;
      const a = e.body.alert;
      this.seqOf.delete(a.id);
      if (a.state === 'resolved') continue;
      this.seqOf.set(a.id, e.seq);
      if (this.seqOf.size > OPEN_PUBLISH_MAX) this.seqOf.delete(this.seqOf.keys().next().value as string);
    }
    if (this.held()) return;
    const messages = openMessages(entries, this.o.prefix);
    if (messages.length > 0) await sendBatch(this.tolerant, messages, this.o.window, signal);
  }

  /** Once per connection, before the first batch: the city's retained set becomes the open set. */
  async reconcile(signal: AbortSignal): Promise<void> {
    const link = this.o.link;
    const connect = link.connectCount;
    if (!link.connected || connect === this.syncedOn || this.held()) return;
    this.syncedOn = connect;
    const filter = cityTopics.openFilter(this.o.prefix);
    this.seen = new Set();
    let atCity: Set<string>;
    try {
      await link.subscribe(filter, 0);
      await link.unsubscribe(filter);
      atCity = this.seen;
    } catch (err) {
      if (!(err instanceof LinkClosedError)) this.refused(err);
      return; // closed: again on the next connection
    } finally {
      this.seen = null;
    }
    const messages = reconcileMessages(this.o.prefix, this.o.openAlerts(), atCity, (a) => this.lastEntry(a));
    await sendBatch(this.tolerant, messages, this.o.window, signal);
    this.o.log.info(
      { open: messages.filter((m) => m.payload.length > 0).length, atCity: atCity.size },
      'open alerts retained at the city reconciled',
    );
  }

  /**
   * An open alert's last journal entry: by the seq remembered when it was
   * sent, else (sent before this process started) among the alert entries
   * journaled at its `updatedAt` (one indexed lookup; a later change that
   * left `updatedAt` alone is missed and the older state is put back).
   */
  private lastEntry(a: AlertPayload): JournalEntry | null {
    const j = this.o.journal;
    const seq = this.seqOf.get(a.id);
    if (seq !== undefined) return j.readAfter(seq - 1, 1)[0] ?? null;
    const at = Date.parse(a.updatedAt);
    if (!Number.isFinite(at)) return null;
    let found: JournalEntry | null = null;
    for (const e of j.readByTime(['alert'], at, at + 1))
      if (e.body.type === 'alert' && e.body.alert.id === a.id) found = e;
    return found;
  }

  /** The city refused the directory: an ACL older than these topics too, so not tried for an hour (no reconnect per refusal). */
  suspend(): void {
    this.holdUntil = Date.now() + HOLD_MS;
    this.syncedOn = 0;
  }

  private held(): boolean {
    return Date.now() < this.holdUntil;
  }

  /** A retained publish; a refusal or repeated closures hold the feature off instead of failing the batch. */
  private async publish(topic: string, payload: Buffer): Promise<void> {
    if (this.held()) return;
    try {
      await this.o.link.publish(topic, payload, true);
      this.closures = 0;
    } catch (err) {
      if (!(err instanceof LinkClosedError)) return this.refused(err);
      this.closures += 1;
      if (this.closures < CLOSURES_MAX) throw err;
      this.refused(err);
    }
  }

  private refused(err: unknown): void {
    this.holdUntil = Date.now() + HOLD_MS;
    this.closures = 0;
    this.syncedOn = 0; // reconciled on the first connection after the hold
    this.o.log.warn(
      {
        topic: cityTopics.openFilter(this.o.prefix),
        error: err instanceof Error ? err.message : String(err),
      },
      'the city broker refused the open alerts (retained, for the city wall); tried again in an hour; see docs/city.md for the ACL',
    );
  }
}
