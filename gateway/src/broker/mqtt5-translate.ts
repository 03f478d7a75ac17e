/**
 * Pure MQTT 5 packet logic for the MQTT 5 front end (mqtt5.ts). The broker
 * core (aedes 1.2) accepts a 3.1.1 CONNECT only; after it, the bridge and
 * aedes exchange v5 packet objects (mqtt5-wire.ts), so properties,
 * subscription options and reason codes pass through. Here: the CONNECT
 * mapping (MQTT 5 session semantics on an aedes session, see connectToV4),
 * what a client may not do (topic aliases, enhanced authentication, `$share`
 * filters: refused with their reason codes and announced in CONNACK), the
 * Receive Maximum we announce and enforce, and the reason codes of the
 * broker's answers.
 */
import type {
  IConnackPacket,
  IConnectPacket,
  IDisconnectPacket,
  ISubackPacket,
  IUnsubackPacket,
  Packet,
} from 'mqtt-packet';

/** v5 reason codes used by the front end. */
export const Reason = {
  success: 0x00,
  disconnectWithWill: 0x04,
  unspecified: 0x80,
  malformed: 0x81,
  protocolError: 0x82,
  unsupportedVersion: 0x84,
  badClientId: 0x85,
  badCredentials: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  keepAliveTimeout: 0x8d,
  badAuthMethod: 0x8c,
  topicNameInvalid: 0x90,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  sharedSubscriptionsNotSupported: 0x9e,
} as const;

/** Largest packet a v5 client may send us when none is configured (advertised in CONNACK). */
export const MAX_PACKET_BYTES = 64 * 1024;

/**
 * QoS 1 and 2 PUBLISHes a v5 client may have unacknowledged towards us
 * (announced as Receive Maximum, enforced with DISCONNECT 0x93): aedes' own
 * bound on inbound QoS 2 (maxInflightInbound, 1000 by default).
 */
export const RECEIVE_MAXIMUM = 1000;

/** Per-connection state of a v5 client. */
export interface V5Session {
  /** Client id we assigned (the v5 client sent an empty one), to report in CONNACK. */
  assignedClientId: string | null;
  /** UNSUBSCRIBE messageId → number of filters: a v5 UNSUBACK carries one reason code per filter. */
  unsubscribeCounts: Map<number, number>;
  /** SUBSCRIBE messageId → the reason code of each filter we refused ourselves (null: the broker answers). */
  subscribeRefusals: Map<number, (number | null)[]>;
  /** Largest packet the client may send (gateway.limits.maxPacketKB), announced in CONNACK. */
  maxPacketBytes: number;
  /** From CONNECT: MQTT 5 session semantics. */
  cleanStart: boolean;
  /** Session Expiry Interval in seconds (CONNECT, changed by DISCONNECT). */
  expirySec: number;
  /** The will's delay and properties (aedes gets the will itself without them). */
  willDelaySec: number;
  willProperties: Record<string, unknown> | undefined;
  /** What the client accepts: its Receive Maximum, Maximum Packet Size, Topic Alias Maximum. */
  clientReceiveMaximum: number;
  clientMaxPacketBytes: number;
  clientTopicAliasMaximum: number;
  /** Message ids of the client's QoS 1/2 PUBLISHes not yet acknowledged by the broker. */
  inboundInflight: Set<number>;
}

export function newSession(maxPacketBytes = MAX_PACKET_BYTES): V5Session {
  return {
    assignedClientId: null,
    unsubscribeCounts: new Map(),
    subscribeRefusals: new Map(),
    maxPacketBytes,
    cleanStart: true,
    expirySec: 0,
    willDelaySec: 0,
    willProperties: undefined,
    clientReceiveMaximum: 65_535,
    clientMaxPacketBytes: 268_435_455,
    clientTopicAliasMaximum: 0,
    inboundInflight: new Set(),
  };
}

/** What to do with a packet from the v5 client. */
export type Upstream =
  | { kind: 'forward'; packet: Packet }
  /** Answer the client ourselves; nothing goes to the broker. */
  | { kind: 'reply'; packet: Packet }
  /** Close the connection, telling the client why (CONNACK before connect, DISCONNECT after). */
  | { kind: 'refuse'; reasonCode: number; reasonString: string }
  /** DISCONNECT 0x04: close without a DISCONNECT to the broker so the will is published. */
  | { kind: 'closeWithWill' };

/**
 * CONNECT v5 → the 3.1.1 CONNECT aedes accepts. Session mapping
 * ([MQTT-3.1.2-4/5]): clean = cleanStart, so cleanStart=1 always starts a new
 * session and cleanStart=0 resumes one if it exists. Whether the session
 * outlives the connection (Session Expiry Interval) is applied by the bridge
 * once connected (mqtt5.ts, mqtt5-sessions.ts). The client's Receive Maximum,
 * Maximum Packet Size and Topic Alias Maximum are kept for outbound packets.
 */
export function connectToV4(p: IConnectPacket, session: V5Session, newClientId: () => string): Upstream {
  const props = p.properties;
  if (props?.authenticationMethod !== undefined)
    return {
      kind: 'refuse',
      reasonCode: Reason.badAuthMethod,
      reasonString: 'enhanced authentication is not supported',
    };
  let clientId = p.clientId;
  if (clientId === '') {
    clientId = newClientId();
    session.assignedClientId = clientId;
  }
  session.cleanStart = p.clean !== false;
  session.expirySec = props?.sessionExpiryInterval ?? 0;
  if (props?.receiveMaximum !== undefined) session.clientReceiveMaximum = props.receiveMaximum;
  if (props?.maximumPacketSize !== undefined) session.clientMaxPacketBytes = props.maximumPacketSize;
  if (props?.topicAliasMaximum !== undefined) session.clientTopicAliasMaximum = props.topicAliasMaximum;
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: session.cleanStart,
    clientId,
    keepalive: p.keepalive ?? 0,
  };
  if (p.username !== undefined) {
    packet.username = p.username;
    // 3.1.1 forbids a password without a user name; such a client is anonymous and refused anyway
    if (p.password !== undefined) packet.password = p.password;
  }
  if (p.will) {
    const { willDelayInterval, ...willProps } = p.will.properties ?? {};
    session.willDelaySec = willDelayInterval ?? 0;
    session.willProperties = Object.keys(willProps).length > 0 ? willProps : undefined;
    packet.will = {
      topic: p.will.topic,
      payload: p.will.payload,
      qos: p.will.qos ?? 0,
      retain: p.will.retain ?? false,
    };
  }
  return { kind: 'forward', packet };
}

const refuse = (reasonCode: number, reasonString: string): Upstream => ({
  kind: 'refuse',
  reasonCode,
  reasonString,
});

/** Any client packet after CONNECT; what is forwarded is a v5 packet for aedes' (v5) parser. */
export function fromClient(p: Packet, session: V5Session, newClientId: () => string): Upstream {
  switch (p.cmd) {
    case 'connect':
      return connectToV4(p, session, newClientId); // a second CONNECT: the broker refuses it
    case 'publish': {
      if (p.properties?.topicAlias !== undefined || p.topic === '')
        return refuse(Reason.topicAliasInvalid, 'topic aliases are not supported (topicAliasMaximum is 0)');
      if (p.properties?.subscriptionIdentifier !== undefined)
        return refuse(Reason.protocolError, 'a PUBLISH from a client carries no subscription identifier');
      if (p.qos > 0 && p.messageId !== undefined && !session.inboundInflight.has(p.messageId)) {
        if (session.inboundInflight.size >= RECEIVE_MAXIMUM)
          return refuse(
            Reason.receiveMaximumExceeded,
            `more than ${RECEIVE_MAXIMUM} QoS 1/2 messages unacknowledged`,
          );
        session.inboundInflight.add(p.messageId);
      }
      return { kind: 'forward', packet: p };
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { kind: 'forward', packet: { cmd: p.cmd, messageId: p.messageId } as Packet };
    case 'subscribe': {
      const codes = p.subscriptions.map((s) =>
        s.topic.startsWith('$share/') ? Reason.sharedSubscriptionsNotSupported : null,
      );
      if (codes.every((c) => c === null)) return { kind: 'forward', packet: p };
      const kept = p.subscriptions.filter((_, i) => codes[i] === null);
      if (kept.length === 0)
        return {
          kind: 'reply',
          packet: { cmd: 'suback', messageId: p.messageId, granted: codes as number[] },
        };
      session.subscribeRefusals.set(p.messageId ?? 0, codes);
      return { kind: 'forward', packet: { ...p, subscriptions: kept } };
    }
    case 'unsubscribe':
      if (p.messageId !== undefined) session.unsubscribeCounts.set(p.messageId, p.unsubscriptions.length);
      return {
        kind: 'forward',
        packet: { cmd: 'unsubscribe', messageId: p.messageId, unsubscriptions: p.unsubscriptions },
      };
    case 'pingreq':
      return { kind: 'forward', packet: { cmd: 'pingreq' } };
    case 'disconnect': {
      const expiry = p.properties?.sessionExpiryInterval;
      if (expiry !== undefined) {
        // [MQTT-3.14.2-2]: a session that was to end with the connection cannot be kept afterwards
        if (session.expirySec === 0 && expiry > 0)
          return refuse(Reason.protocolError, 'session expiry set in DISCONNECT after 0 in CONNECT');
        session.expirySec = expiry;
      }
      if (p.reasonCode === Reason.disconnectWithWill) return { kind: 'closeWithWill' };
      return { kind: 'forward', packet: { cmd: 'disconnect' } };
    }
    case 'auth':
      return refuse(Reason.badAuthMethod, 'enhanced authentication is not supported');
    default:
      return refuse(Reason.protocolError, `${p.cmd} is not a client packet`);
  }
}

/** CONNACK return code (3.1.1) → reason code (5). */
export function connackReasonCode(returnCode: number): number {
  switch (returnCode) {
    case 0:
      return Reason.success;
    case 1:
      return Reason.unsupportedVersion;
    case 2:
      return Reason.badClientId;
    case 3:
      return Reason.serverUnavailable;
    case 4:
      return Reason.badCredentials;
    case 5:
      return Reason.notAuthorized;
    default:
      return Reason.unspecified;
  }
}

/**
 * SUBACK granted QoS (3.1.1) → reason code (5). Our broker refuses a filter
 * only in the subscribe ACL, so a 3.1.1 failure (0x80) is "Not authorized".
 */
export function subackReasonCode(granted: number): number {
  return granted === 0 || granted === 1 || granted === 2 ? granted : Reason.notAuthorized;
}

/** What the broker tells every v5 client at CONNACK. */
export function connackProperties(session: V5Session): NonNullable<IConnackPacket['properties']> {
  return {
    receiveMaximum: RECEIVE_MAXIMUM,
    topicAliasMaximum: 0,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: false,
    maximumPacketSize: session.maxPacketBytes,
    ...(session.assignedClientId ? { assignedClientIdentifier: session.assignedClientId } : {}),
  };
}

/**
 * A broker packet (aedes' object) → the packet for the v5 client, for all but
 * PUBLISH (mqtt5-outbound.ts); null when nothing is to be sent.
 */
export function toClient(p: Packet, session: V5Session): Packet | null {
  switch (p.cmd) {
    case 'connack': {
      const reasonCode = connackReasonCode(p.returnCode ?? 0);
      // [MQTT-3.2.2-2]: a clean start never reports a session present
      const present = reasonCode === Reason.success && !session.cleanStart && p.sessionPresent;
      const out: IConnackPacket = { cmd: 'connack', sessionPresent: present, reasonCode };
      if (reasonCode === Reason.success) out.properties = connackProperties(session);
      return out;
    }
    case 'suback': {
      const fromBroker = p.granted.map((g) =>
        subackReasonCode(typeof g === 'number' ? g : Reason.unspecified),
      );
      const refusals = session.subscribeRefusals.get(p.messageId ?? 0);
      session.subscribeRefusals.delete(p.messageId ?? 0);
      let next = 0;
      const granted = refusals
        ? refusals.map((code) => code ?? fromBroker[next++] ?? Reason.unspecified)
        : fromBroker;
      const out: ISubackPacket = { cmd: 'suback', messageId: p.messageId, granted };
      return out;
    }
    case 'unsuback': {
      const id = p.messageId ?? 0;
      const count = session.unsubscribeCounts.get(id) ?? 1;
      session.unsubscribeCounts.delete(id);
      const out: IUnsubackPacket = {
        cmd: 'unsuback',
        messageId: id,
        granted: new Array<number>(count).fill(Reason.success),
      };
      return out;
    }
    case 'puback':
    case 'pubcomp':
      // the broker answered the client's QoS 1 / QoS 2 PUBLISH: one less in flight
      if (p.messageId !== undefined) session.inboundInflight.delete(p.messageId);
      return { cmd: p.cmd, messageId: p.messageId } as Packet;
    case 'pubrec':
    case 'pubrel':
      return { cmd: p.cmd, messageId: p.messageId } as Packet;
    case 'pingresp':
      return { cmd: 'pingresp' };
    default:
      return null; // the broker sends nothing else to a client; PUBLISH is the outbound flow's
  }
}

/**
 * Why the broker dropped a connected client (aedes' error) → DISCONNECT reason.
 * Not authorized only for our ACL refusals (acl.ts wording); anything else,
 * e.g. a journal write failure, is "Unspecified error" so a device resends.
 */
export function disconnectFor(err: Error): IDisconnectPacket {
  const m = err.message;
  const reasonCode = /keep ?alive timeout/i.test(m)
    ? Reason.keepAliveTimeout
    : /not allowed in PUBLISH|too many levels|only allowed in|empty topic/i.test(m)
      ? Reason.topicNameInvalid
      : /queue limit/i.test(m)
        ? Reason.quotaExceeded
        : /maxInflightInbound/.test(m)
          ? Reason.receiveMaximumExceeded
          : /\bmay (publish|subscribe|only|not)\b|refused|not logged in|for admins only/i.test(m)
            ? Reason.notAuthorized
            : Reason.unspecified;
  return { cmd: 'disconnect', reasonCode, properties: { reasonString: m.slice(0, 200) } };
}
