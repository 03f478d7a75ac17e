/**
 * Pure MQTT 5 ⇄ MQTT 3.1.1 packet translation for the MQTT 5 front end
 * (mqtt5.ts). The broker core (aedes) speaks 3.1.1 only; a v5 client is
 * bridged packet by packet. v5-only features are dropped here, on purpose and
 * documented in docs/operators.md ("MQTT 5"): properties (user properties,
 * content type, response topic, correlation data, message expiry, will
 * delay…), topic aliases (refused: CONNACK says topicAliasMaximum 0),
 * subscription options (no local, retain as published, retain handling),
 * subscription identifiers, enhanced authentication, reason strings from the
 * client.
 */
import type {
  IConnackPacket,
  IConnectPacket,
  IDisconnectPacket,
  IPublishPacket,
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
} as const;

/** Largest packet a v5 client may send us when none is configured (advertised in CONNACK). */
export const MAX_PACKET_BYTES = 64 * 1024;

/** Per-connection translation state. */
export interface V5Session {
  /** Client id we assigned (the v5 client sent an empty one), to report in CONNACK. */
  assignedClientId: string | null;
  /** UNSUBSCRIBE messageId → number of filters: a v5 UNSUBACK carries one reason code per filter. */
  unsubscribeCounts: Map<number, number>;
  /** Largest packet the client may send (gateway.limits.maxPacketKB), announced in CONNACK. */
  maxPacketBytes: number;
}

/** A PUBLISH without its v5 properties: the same in both directions. */
function barePublish(p: IPublishPacket): IPublishPacket {
  const out: IPublishPacket = {
    cmd: 'publish',
    topic: p.topic,
    payload: p.payload,
    qos: p.qos,
    retain: p.retain,
    dup: p.dup,
  };
  if (p.qos > 0) out.messageId = p.messageId;
  return out;
}

export function newSession(maxPacketBytes = MAX_PACKET_BYTES): V5Session {
  return { assignedClientId: null, unsubscribeCounts: new Map(), maxPacketBytes };
}

/** What to do with a packet from the v5 client. */
export type Upstream =
  | { kind: 'forward'; packet: Packet }
  /** Close the connection, telling the client why (CONNACK before connect, DISCONNECT after). */
  | { kind: 'refuse'; reasonCode: number; reasonString: string }
  /** DISCONNECT 0x04: close without a 3.1.1 DISCONNECT so the broker publishes the will. */
  | { kind: 'closeWithWill' };

/**
 * CONNECT v5 → v3.1.1. Session mapping: MQTT 5 separates "start clean"
 * (cleanStart) from "keep the session after disconnect" (sessionExpiryInterval
 * > 0); 3.1.1 has one flag for both. We map clean = !(sessionExpiryInterval > 0):
 * a client asking for its session to outlive the connection gets a persistent
 * session (so queued alerts are not lost), resumed even if it also set
 * cleanStart; a client with expiry 0 gets a clean session. sessionPresent in
 * the CONNACK reports truthfully which one happened. The expiry duration is not
 * enforced (sessions live until a clean connect or a gateway restart).
 */
export function connectToV4(p: IConnectPacket, session: V5Session, newClientId: () => string): Upstream {
  if (p.properties?.authenticationMethod !== undefined)
    return {
      kind: 'refuse',
      reasonCode: Reason.badAuthMethod,
      reasonString: 'enhanced authentication is not supported',
    };
  const expiry = p.properties?.sessionExpiryInterval ?? 0;
  let clientId = p.clientId;
  if (clientId === '') {
    clientId = newClientId();
    session.assignedClientId = clientId;
  }
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: !(expiry > 0),
    clientId,
    keepalive: p.keepalive ?? 0,
  };
  if (p.username !== undefined) {
    packet.username = p.username;
    // 3.1.1 forbids a password without a user name; such a client is anonymous and refused anyway
    if (p.password !== undefined) packet.password = p.password;
  }
  if (p.will)
    packet.will = {
      topic: p.will.topic,
      payload: p.will.payload,
      qos: p.will.qos ?? 0,
      retain: p.will.retain ?? false,
    };
  return { kind: 'forward', packet };
}

/** Any client packet after CONNECT, v5 → v3.1.1. */
export function fromClient(p: Packet, session: V5Session, newClientId: () => string): Upstream {
  switch (p.cmd) {
    case 'connect':
      return connectToV4(p, session, newClientId); // a second CONNECT: the broker refuses it
    case 'publish': {
      if (p.properties?.topicAlias !== undefined || p.topic === '')
        return {
          kind: 'refuse',
          reasonCode: Reason.topicAliasInvalid,
          reasonString: 'topic aliases are not supported (topicAliasMaximum is 0)',
        };
      return { kind: 'forward', packet: barePublish(p) };
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { kind: 'forward', packet: { cmd: p.cmd, messageId: p.messageId } as Packet };
    case 'subscribe':
      return {
        kind: 'forward',
        packet: {
          cmd: 'subscribe',
          messageId: p.messageId,
          subscriptions: p.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })),
        },
      };
    case 'unsubscribe':
      if (p.messageId !== undefined) session.unsubscribeCounts.set(p.messageId, p.unsubscriptions.length);
      return {
        kind: 'forward',
        packet: { cmd: 'unsubscribe', messageId: p.messageId, unsubscriptions: p.unsubscriptions },
      };
    case 'pingreq':
      return { kind: 'forward', packet: { cmd: 'pingreq' } };
    case 'disconnect':
      if (p.reasonCode === Reason.disconnectWithWill) return { kind: 'closeWithWill' };
      return { kind: 'forward', packet: { cmd: 'disconnect' } };
    case 'auth':
      return {
        kind: 'refuse',
        reasonCode: Reason.badAuthMethod,
        reasonString: 'enhanced authentication is not supported',
      };
    default:
      return {
        kind: 'refuse',
        reasonCode: Reason.protocolError,
        reasonString: `${p.cmd} is not a client packet`,
      };
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
    topicAliasMaximum: 0,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: false,
    sharedSubscriptionAvailable: false,
    maximumPacketSize: session.maxPacketBytes,
    ...(session.assignedClientId ? { assignedClientIdentifier: session.assignedClientId } : {}),
  };
}

/** A broker packet (3.1.1) → the packet for the v5 client; null when nothing is to be sent. */
export function toClient(p: Packet, session: V5Session): Packet | null {
  switch (p.cmd) {
    case 'connack': {
      const reasonCode = connackReasonCode(p.returnCode ?? 0);
      const out: IConnackPacket = { cmd: 'connack', sessionPresent: p.sessionPresent, reasonCode };
      if (reasonCode === Reason.success) out.properties = connackProperties(session);
      return out;
    }
    case 'suback': {
      const out: ISubackPacket = {
        cmd: 'suback',
        messageId: p.messageId,
        granted: p.granted.map((g) => subackReasonCode(typeof g === 'number' ? g : Reason.unspecified)),
      };
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
    case 'publish': {
      return barePublish(p);
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: p.cmd, messageId: p.messageId } as Packet;
    case 'pingresp':
      return { cmd: 'pingresp' };
    default:
      return null; // the broker sends nothing else to a client
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
