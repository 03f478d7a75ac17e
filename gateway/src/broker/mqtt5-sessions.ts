/**
 * MQTT 5 session state the broker core (aedes, 3.1.1 semantics) does not
 * keep, per broker and client id, for the bridge (mqtt5.ts):
 * - session expiry: aedes keeps a clean=false session forever; here a timer
 *   ends it `sessionExpiryInterval` seconds after its connection closed
 *   (its stored subscriptions and QoS 2 dedup state are wiped), and a
 *   reconnect within that time cancels it;
 * - delayed wills (Will Delay Interval): published when the delay or the
 *   session ends, whichever comes first, unless the client came back;
 * - subscription identifiers (filter → id), which outlive a connection;
 * - properties of retained messages: aedes re-creates a retained message
 *   without them when it sends it to a new subscriber.
 * All in memory, like aedes' own sessions (a restart forgets them), and
 * bounded: one entry per live session, retained properties capped.
 */
import type { AedesBrokerInternals } from './mqtt5-wire.js';

export interface SessionState {
  /** filter → subscription identifier */
  subIds: Map<string, number>;
  expiryTimer: NodeJS.Timeout | null;
  willTimer: NodeJS.Timeout | null;
  /** Publishes the held will now (session end); null when there is none. */
  publishWill: (() => void) | null;
}

export interface RetainedProps {
  payload: Buffer;
  properties: Record<string, unknown> | undefined;
  messageExpiry: number | undefined;
}

/** Retained messages whose properties are kept; past this, a new retained topic is sent without them. */
export const MAX_RETAINED_PROPS = 10_000;

export class V5Sessions {
  private readonly sessions = new Map<string, SessionState>();
  readonly retained = new Map<string, RetainedProps>();

  constructor(private readonly broker: AedesBrokerInternals) {
    // every publish that reaches the broker, from any client or the gateway: keep retained properties in step
    broker.on('publish', (p) => {
      if (p.cmd !== 'publish' || !p.retain) return;
      const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
      const props = p.properties as Record<string, unknown> | undefined;
      if (payload.length === 0 || (!props && p.messageExpiry === undefined)) {
        this.retained.delete(p.topic);
        return;
      }
      if (!this.retained.has(p.topic) && this.retained.size >= MAX_RETAINED_PROPS) return;
      this.retained.set(p.topic, { payload, properties: props, messageExpiry: p.messageExpiry });
    });
  }

  /** The state of `clientId` for a new connection: a fresh one when `cleanStart`. Cancels a pending expiry and will. */
  attach(clientId: string, cleanStart: boolean): SessionState {
    const old = this.sessions.get(clientId);
    if (old) {
      if (old.expiryTimer) clearTimeout(old.expiryTimer);
      if (old.willTimer) clearTimeout(old.willTimer); // [MQTT-3.1.3-9]: the client is back, no will
      old.expiryTimer = null;
      old.willTimer = null;
      old.publishWill = null;
      if (!cleanStart) return old;
    }
    const s: SessionState = { subIds: new Map(), expiryTimer: null, willTimer: null, publishWill: null };
    this.sessions.set(clientId, s);
    return s;
  }

  /**
   * The connection of `clientId` closed. `expirySec` 0 ends the session now;
   * otherwise it ends then unless the client reconnects. `will` (held back from
   * aedes) is published after `willDelaySec` or at session end.
   */
  detach(
    clientId: string,
    /** The aedes client of the connection that ends. */
    client: object,
    state: SessionState,
    expirySec: number,
    will: { delaySec: number; publish: () => void } | null,
  ): void {
    if (this.sessions.get(clientId) !== state) return; // a newer connection took the session over
    if (will) {
      state.publishWill = will.publish;
      if (will.delaySec < expirySec) {
        state.willTimer = setTimeout(() => {
          state.willTimer = null;
          const p = state.publishWill;
          state.publishWill = null;
          p?.();
        }, will.delaySec * 1000);
        state.willTimer.unref();
      }
    }
    if (expirySec === 0) {
      this.end(clientId, state, client);
      return;
    }
    // 0xFFFFFFFF means "never expires" [MQTT-3.1.2-11]; timers cap at ~24.8 days
    if (expirySec >= 0xffffffff) return;
    state.expiryTimer = setTimeout(
      () => this.end(clientId, state, client),
      Math.min(expirySec * 1000, 2 ** 31 - 1),
    );
    state.expiryTimer.unref();
  }

  /** Session end: the will (if still held) goes out, aedes' stored state for the id is wiped. */
  private end(clientId: string, state: SessionState, client: object): void {
    if (this.sessions.get(clientId) !== state) return;
    this.sessions.delete(clientId);
    if (state.willTimer) clearTimeout(state.willTimer);
    if (state.expiryTimer) clearTimeout(state.expiryTimer);
    const will = state.publishWill;
    state.publishWill = null;
    will?.();
    const live = this.broker.clients[clientId];
    // taken over by a new connection: its session now
    if (live && live !== client && !(live as { closed?: boolean }).closed) return;
    const p = this.broker.persistence;
    const noop = (): void => undefined;
    p.cleanSubscriptions({ id: clientId }).then(noop, noop);
    p.cleanIncoming?.({ id: clientId }).then(noop, noop);
  }

  get size(): number {
    return this.sessions.size;
  }
}

const perBroker = new WeakMap<object, V5Sessions>();

export function sessionsOf(broker: AedesBrokerInternals): V5Sessions {
  let s = perBroker.get(broker);
  if (!s) {
    s = new V5Sessions(broker);
    perBroker.set(broker, s);
  }
  return s;
}

/** Does `filter` match `topic` (MQTT rules, `$` topics not matched by a leading wildcard)? */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
