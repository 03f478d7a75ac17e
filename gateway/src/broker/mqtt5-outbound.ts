/**
 * PUBLISH from the broker to one v5 client (mqtt5.ts), with what MQTT 5 asks
 * of the sender:
 * - properties as published (aedes keeps them on the message; a retained
 *   message re-sent to a new subscriber gets them back from mqtt5-sessions.ts);
 * - Message Expiry: an expired message is not sent, the rest carry the time
 *   they have left [MQTT-3.3.2-6];
 * - Retain Handling 1/2: retained messages a SUBSCRIBE did not want are not sent;
 * - subscription identifiers of every matching subscription [MQTT-3.3.4-3];
 * - the client's Receive Maximum: at most that many QoS 1/2 in flight, the
 *   rest held here in order (bounded by the outbound buffer limit, the bridge
 *   counts `heldBytes`) [MQTT-3.3.4-9];
 * - the client's Maximum Packet Size: a larger packet is not sent [MQTT-3.1.2-25].
 * A message not sent is acknowledged to the broker as if the client had
 * (PUBACK, or PUBREC then PUBCOMP), so it is not resent forever.
 */
import type { IPublishPacket, Packet } from 'mqtt-packet';
import type { RetainedProps } from './mqtt5-sessions.js';
import { topicMatches } from './mqtt5-sessions.js';
import type { V5Session } from './mqtt5-translate.js';

/** A PUBLISH as aedes writes it: v5 fields kept on the object. */
export type BrokerPublish = IPublishPacket & {
  properties?: IPublishPacket['properties'];
  messageExpiry?: number;
  clientId?: string;
};

export interface OutboundDeps {
  session: V5Session;
  /** filter → subscription identifier, for this client's session. */
  subIds: () => Map<string, number>;
  retained: Map<string, RetainedProps>;
  /** Writes a packet to the client; false when the socket wants a drain. */
  write: (p: Packet) => boolean;
  /** Encoded size of a v5 packet. */
  sizeOf: (p: Packet) => number;
  /** Answers the broker in the client's place. */
  ackUp: (cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number) => void;
  now: () => number;
}

export class OutboundFlow {
  private readonly inflight = new Set<number>();
  private readonly held: { packet: IPublishPacket; bytes: number }[] = [];
  private readonly swallowed = new Set<number>();
  /** filter → did its latest SUBSCRIBE want retained messages (Retain Handling). */
  readonly retainWanted = new Map<string, boolean>();
  heldBytes = 0;

  constructor(private readonly deps: OutboundDeps) {}

  /** A PUBLISH from the broker; returns the socket's write result. */
  publish(p: BrokerPublish): boolean {
    const { deps } = this;
    const now = deps.now();
    // a retained message re-sent on SUBSCRIBE: aedes made a new packet with no client id nor properties
    const stored = p.retain && p.clientId === undefined && p.properties === undefined;
    let properties = p.properties ? { ...p.properties } : {};
    let expiry = p.messageExpiry;
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    if (stored) {
      if (!this.wantsRetained(p.topic)) return this.drop(p);
      const kept = deps.retained.get(p.topic);
      if (kept?.payload.equals(payload)) {
        properties = { ...(kept.properties ?? {}) };
        expiry = kept.messageExpiry;
      }
    }
    delete properties.topicAlias;
    delete properties.subscriptionIdentifier;
    if (expiry !== undefined) {
      if (now >= expiry) return this.drop(p);
      properties.messageExpiryInterval = Math.max(1, Math.ceil((expiry - now) / 1000));
    }
    const ids: number[] = [];
    for (const [filter, id] of deps.subIds()) if (topicMatches(filter, p.topic)) ids.push(id);
    if (ids.length > 0) properties.subscriptionIdentifier = ids.length === 1 ? ids[0] : ids;
    const out: IPublishPacket = {
      cmd: 'publish',
      topic: p.topic,
      payload,
      qos: p.qos,
      retain: p.retain,
      dup: p.dup,
    };
    if (p.qos > 0) out.messageId = p.messageId;
    if (Object.keys(properties).length > 0) out.properties = properties;
    const bytes = deps.sizeOf(out);
    if (bytes > deps.session.clientMaxPacketBytes) return this.drop(p);
    if (out.qos > 0 && out.messageId !== undefined && !this.inflight.has(out.messageId)) {
      if (this.inflight.size >= deps.session.clientReceiveMaximum) {
        this.held.push({ packet: out, bytes });
        this.heldBytes += bytes;
        return true;
      }
      this.inflight.add(out.messageId);
    }
    return deps.write(out);
  }

  /** The client finished a QoS 1/2 exchange (PUBACK, PUBCOMP, or a PUBREC refusing it): send what was held. */
  acked(messageId: number): void {
    if (!this.inflight.delete(messageId)) return;
    while (this.held.length > 0 && this.inflight.size < this.deps.session.clientReceiveMaximum) {
      const next = this.held.shift();
      if (!next) break;
      this.heldBytes -= next.bytes;
      if (next.packet.messageId !== undefined) this.inflight.add(next.packet.messageId);
      this.deps.write(next.packet);
    }
  }

  /** A PUBREL from the broker: true when it is for a message we dropped (answered here, not sent). */
  pubrel(messageId: number): boolean {
    if (!this.swallowed.delete(messageId)) return false;
    this.deps.ackUp('pubcomp', messageId);
    return true;
  }

  private wantsRetained(topic: string): boolean {
    let matched = false;
    for (const [filter, wanted] of this.retainWanted) {
      if (!topicMatches(filter, topic)) continue;
      if (wanted) return true;
      matched = true;
    }
    return !matched;
  }

  private drop(p: BrokerPublish): boolean {
    if (p.qos === 1 && p.messageId !== undefined) this.deps.ackUp('puback', p.messageId);
    else if (p.qos === 2 && p.messageId !== undefined) {
      this.swallowed.add(p.messageId);
      this.deps.ackUp('pubrec', p.messageId);
    }
    return true;
  }
}
