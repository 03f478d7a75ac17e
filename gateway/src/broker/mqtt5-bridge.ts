/**
 * One MQTT 5 connection bridged to aedes (called by mqtt5.ts once it has read
 * a v5 CONNECT). aedes gets one end of an in-memory duplex and a 3.1.1
 * CONNECT; after that the two sides exchange v5 packet OBJECTS
 * (mqtt5-wire.ts): client packets are checked (mqtt5-translate.ts) and fed to
 * aedes' parser as v5; what aedes writes reaches this file as objects and
 * goes to the client as v5, PUBLISH through the outbound flow
 * (mqtt5-outbound.ts). MQTT 5 session semantics (expiry, delayed will,
 * subscription identifiers) are applied on top of aedes' session
 * (mqtt5-sessions.ts). Backpressure: aedes waits for the socket's drain;
 * the outbound buffer limit counts what the socket and the flow hold
 * (conn-guard.ts). Closing either side closes the other. Never throws.
 */
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import mqttPacket, { type IConnectPacket, type IDisconnectPacket, type Packet } from 'mqtt-packet';
import { type ConnInfo, DEFAULT_LIMITS, feedWatcher, pendingOf, watchOutbound } from './conn-guard.js';
import type { Handle } from './listeners.js';
import type { Mqtt5Options } from './mqtt5.js';
import { type BrokerPublish, OutboundFlow } from './mqtt5-outbound.js';
import { type SessionState, sessionsOf } from './mqtt5-sessions.js';
import { connectToV4, disconnectFor, fromClient, newSession, Reason, toClient } from './mqtt5-translate.js';
import { aedesClientOf, registerSink, speakV5Inside } from './mqtt5-wire.js';
import type { PacketSizeWatcher } from './packet-size.js';
import { rememberRemoteAddress, remoteAddressOf } from './remote-address.js';

type Parser = ReturnType<typeof mqttPacket.parser>;
const noop = (): void => undefined;

export function bridgeV5(
  socket: Duplex,
  up: Parser,
  connect: IConnectPacket,
  handle: Handle,
  opts: Mqtt5Options,
  info: ConnInfo,
  watcher: PacketSizeWatcher,
): void {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const session = newSession(limits.maxPacketBytes);
  const newClientId = (): string => `v5-${randomUUID()}`;
  let connected = false; // a successful CONNACK went out
  let closed = false;
  let ended = false; // the MQTT 5 session rules were applied to this connection's end
  let state: SessionState | null = null;

  const encode = (packet: Packet): Buffer => mqttPacket.generate(packet, { protocolVersion: 5 });
  const send = (packet: Packet): boolean => {
    if (closed || !socket.writable) return true;
    try {
      return socket.write(encode(packet));
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
      return true;
    }
  };

  const first = connectToV4(connect, session, newClientId);
  if (first.kind !== 'forward') {
    const reasonCode = first.kind === 'refuse' ? first.reasonCode : Reason.protocolError;
    send({ cmd: 'connack', sessionPresent: false, reasonCode });
    closed = true;
    socket.end();
    setTimeout(() => socket.destroy(), 2_000).unref();
    return;
  }

  // the broker's end: aedes reads v5 bytes from it; what it writes comes to `sink` as objects
  const inner = new Duplex({
    read() {
      if (!closed) socket.resume();
    },
    write(_chunk, _enc, cb) {
      cb(); // aedes writes through the sink; nothing else writes here
    },
    final(cb) {
      finish();
      cb();
    },
    destroy(err, cb) {
      if (!closed) finish(err ? disconnectFor(err) : undefined);
      cb(null);
    },
  });
  rememberRemoteAddress(inner, remoteAddressOf(socket)); // the login back-off is keyed by it
  handle(inner);
  const client = aedesClientOf(inner);
  const broker = client.broker;
  const sessions = sessionsOf(broker);

  /** A packet to aedes: the CONNECT as 3.1.1, everything after it as v5. */
  const pushUp = (packet: Packet): void => {
    let bytes: Buffer;
    try {
      bytes = mqttPacket.generate(packet, { protocolVersion: packet.cmd === 'connect' ? 4 : 5 });
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)), Reason.malformed);
      return;
    }
    if (!inner.push(bytes)) socket.pause();
  };

  const flow = new OutboundFlow({
    session,
    subIds: () => state?.subIds ?? new Map(),
    retained: sessions.retained,
    write: send,
    sizeOf: (p) => encode(p).length,
    ackUp: (cmd, messageId) => pushUp({ cmd, messageId } as Packet),
    now: Date.now,
  });

  /**
   * This connection is ending: apply MQTT 5's session rules before aedes
   * closes its client. A will with a delay is taken from aedes and published
   * by the session (mqtt5-sessions.ts) unless the client returns in time;
   * an expiry of 0 ends the session now.
   */
  const endConnection = (normal: boolean): void => {
    if (ended || !connected || !state) return;
    ended = true;
    let will: { delaySec: number; publish: () => void } | null = null;
    const w = client.will;
    if (!normal && w && session.willDelaySec > 0) {
      client.will = null;
      const packet = { cmd: 'publish', dup: false, ...w } as Packet;
      will = {
        delaySec: session.willDelaySec,
        publish: () =>
          broker.authorizePublish(client, packet, (err) => {
            if (!err) broker.publish(packet, client, noop);
          }),
      };
    }
    if (session.expirySec === 0) client.clean = true; // aedes drops its dedup state; the id's binding is released
    sessions.detach(client.id, client, state, session.expirySec, will);
  };

  /** Close both sides once; DISCONNECT first when the client is connected and a reason is given. */
  const finish = (disconnect?: IDisconnectPacket): void => {
    if (closed) return;
    if (disconnect && connected && socket.writable) send(disconnect);
    closed = true;
    endConnection(false);
    if (!socket.destroyed) {
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    }
    if (!inner.destroyed) inner.destroy();
  };
  const fail = (err: Error, reasonCode: number = Reason.unspecified): void => {
    opts.onError?.(err);
    finish({ cmd: 'disconnect', reasonCode, properties: { reasonString: err.message.slice(0, 200) } });
  };
  /** A packet over the limit is still arriving: DISCONNECT, then close at once rather than read on. */
  const tooLargeClose = (reasonCode: number): void => {
    if (closed) return;
    closed = true;
    endConnection(false);
    const bye = (): void => {
      socket.destroy();
    };
    if (connected && socket.writable) {
      socket.write(encode({ cmd: 'disconnect', reasonCode }), bye);
      setTimeout(bye, 500).unref();
    } else bye();
    if (!inner.destroyed) inner.destroy();
  };

  // what the client has not taken: in the socket (and below it), and held by the flow for its Receive Maximum
  watchOutbound(
    socket,
    limits.outboundBufferBytes,
    () => pendingOf(socket, info) + flow.heldBytes,
    (pendingBytes) => {
      opts.onLimit?.({ limit: 'outbound_buffer', pendingBytes }, inner, info);
      // nothing more can reach this client: no DISCONNECT, just close both ends
      closed = true;
      endConnection(false);
      socket.destroy();
      if (!inner.destroyed) inner.destroy();
    },
  );
  socket.on('drain', () => inner.emit('drain')); // aedes waits for it when a write returned false

  /** A packet aedes writes to this client. */
  registerSink(inner, (packet) => {
    if (closed) return true;
    if (packet.cmd === 'publish') return flow.publish(packet as BrokerPublish);
    if (packet.cmd === 'pubrel' && packet.messageId !== undefined && flow.pubrel(packet.messageId))
      return true;
    const out = toClient(packet, session);
    if (!out) return true;
    if (out.cmd === 'connack' && out.reasonCode === Reason.success) onConnected();
    return send(out);
  });

  /** CONNACK success: the v5 session is attached, and aedes' session made to outlive the connection or not. */
  const onConnected = (): void => {
    connected = true;
    state = sessions.attach(client.id, session.cleanStart);
    // the session outlives the connection; one with expiry 0 is made clean when it ends (endConnection),
    // not now: aedes would drop the queued messages of a resumed session
    if (session.expirySec > 0) client.clean = false;
    if (client.will && session.willProperties) client.will.properties = session.willProperties;
  };

  // each client packet as aedes is about to handle it: message expiry becomes an absolute time
  speakV5Inside(client, (p) => {
    if (p.cmd !== 'publish') return;
    const seconds = p.properties?.messageExpiryInterval;
    if (seconds !== undefined) (p as BrokerPublish).messageExpiry = Date.now() + seconds * 1000;
  });

  /** Bookkeeping of a client packet the bridge forwards. */
  const beforeForward = (p: Packet): void => {
    switch (p.cmd) {
      case 'subscribe': {
        const id = p.properties?.subscriptionIdentifier;
        for (const s of p.subscriptions) {
          const existed = client.subscriptions[s.topic] !== undefined;
          const rh = s.rh ?? 0;
          flow.retainWanted.set(s.topic, rh === 0 || (rh === 1 && !existed));
          if (typeof id === 'number') state?.subIds.set(s.topic, id);
          else state?.subIds.delete(s.topic);
        }
        break;
      }
      case 'unsubscribe':
        for (const t of p.unsubscriptions) {
          state?.subIds.delete(t);
          flow.retainWanted.delete(t);
        }
        break;
      case 'puback':
      case 'pubcomp':
        if (p.messageId !== undefined) flow.acked(p.messageId);
        break;
      case 'pubrec':
        if (p.messageId !== undefined && (p.reasonCode ?? 0) >= 0x80) flow.acked(p.messageId);
        break;
      case 'disconnect':
        endConnection(true);
        break;
    }
  };

  /** A packet from the v5 client. */
  const forward = (packet: Packet): void => {
    if (closed) return;
    const step = fromClient(packet, session, newClientId);
    if (step.kind === 'closeWithWill') finish();
    else if (step.kind === 'refuse') fail(new Error(step.reasonString), step.reasonCode);
    else if (step.kind === 'reply') send(step.packet);
    else {
      beforeForward(packet.cmd === 'subscribe' ? step.packet : packet);
      pushUp(step.packet);
    }
  };

  up.removeAllListeners('packet');
  up.removeAllListeners('error');
  up.on('packet', forward);
  up.on('error', (err: Error) => fail(err, Reason.malformed));

  socket.on('data', (chunk: Buffer | string) => {
    if (closed) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const tooLarge = feedWatcher(watcher, buf);
    if (tooLarge) {
      opts.onLimit?.(tooLarge, inner, info);
      tooLargeClose(tooLarge.limit === 'max_packet' ? Reason.packetTooLarge : Reason.malformed);
      return;
    }
    up.parse(buf);
  });
  socket.on('end', () => {
    if (closed) return;
    endConnection(false); // before aedes, on this end, looks at the will
    inner.push(null);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    endConnection(false);
    inner.destroy(); // aedes closes the client: the will is published unless it sent DISCONNECT
  });

  pushUp(first.packet);
  socket.resume();
}
