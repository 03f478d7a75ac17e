/**
 * MQTT 5 front end (protocol.md §1: "MQTT 3.1.1 and 5"). aedes 1.x speaks
 * 3.1/3.1.1 only, so every accepted connection (TCP, TLS, WebSocket) first
 * goes through here: we read its CONNECT.
 * - v3/v4: the bytes read are put back (unshift) and the ORIGINAL stream is
 *   handed to aedes: 3.1.1 clients are handled exactly as before.
 * - v5: aedes gets one end of an in-memory duplex and sees a 3.1.1 client;
 *   every packet is translated both ways (mqtt5-translate.ts), with
 *   backpressure both ways (aedes' live deliveries never wait for it, see
 *   conn-guard.ts), and closing either side closes the other.
 * Every packet's size is checked from its fixed header, before CONNECT too
 * (conn-guard.ts). Never throws: a malformed packet closes the connection.
 */
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import mqttPacket, { type IDisconnectPacket, type Packet } from 'mqtt-packet';
import {
  type ConnInfo,
  type ConnLimits,
  DEFAULT_LIMITS,
  feedWatcher,
  guardPassThrough,
  type OnLimit,
  pendingOf,
  watchOutbound,
} from './conn-guard.js';
import type { Handle } from './listeners.js';
import { connectToV4, disconnectFor, fromClient, newSession, Reason, toClient } from './mqtt5-translate.js';
import { PacketSizeWatcher } from './packet-size.js';
import { rememberRemoteAddress, remoteAddressOf } from './remote-address.js';

export interface Mqtt5Options {
  /** Close a connection that has not sent a complete CONNECT by then (aedes' own default is 30 s). */
  connectTimeoutMs?: number;
  /** Called when a v5 connection is closed because of an error (for logs). */
  onError?: (err: Error) => void;
  /** Packet size and outbound buffer limits (conn-guard.ts). */
  limits?: ConnLimits;
  /** Called when a limit closes a connection (for logs and metrics). */
  onLimit?: OnLimit;
}

/** Wraps aedes' handle so MQTT 5 clients are bridged and the rest pass through untouched. */
export function withMqtt5(handle: Handle, opts: Mqtt5Options = {}): Handle {
  return (stream, info) => {
    peekConnect(stream, handle, opts, info ?? { transport: 'tcp' });
    return undefined;
  };
}

function peekConnect(stream: Duplex, handle: Handle, opts: Mqtt5Options, info: ConnInfo): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let decided = false;
  const parser = mqttPacket.parser();
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const watcher = new PacketSizeWatcher(limits.maxPacketBytes);
  const timer = setTimeout(() => stream.destroy(), opts.connectTimeoutMs ?? 30_000);
  timer.unref();

  const onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const tooLarge = feedWatcher(watcher, buf);
    if (tooLarge) {
      decided = true;
      detach();
      opts.onLimit?.(tooLarge, stream, info);
      stream.destroy();
      return;
    }
    chunks.push(buf);
    size += buf.length;
    parser.parse(buf);
  };
  const onEnd = (): void => {
    if (decided) return;
    decided = true;
    detach();
    stream.destroy();
  };
  const onError = (): void => {
    if (decided) return;
    decided = true;
    detach();
    stream.destroy();
  };
  const detach = (): void => {
    clearTimeout(timer);
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
  };
  /** Not MQTT 5: aedes gets the original stream with the bytes we read put back. */
  const passThrough = (): void => {
    decided = true;
    detach();
    stream.pause();
    if (size > 0) stream.unshift(Buffer.concat(chunks, size));
    handle(stream, info);
    guardPassThrough(stream, limits, info, opts.onLimit);
  };

  parser.on('packet', (packet: Packet) => {
    if (decided) return;
    if (packet.cmd === 'connect' && packet.protocolVersion === 5) {
      decided = true;
      detach();
      bridgeV5(stream, parser, packet, handle, opts, info, watcher);
    } else passThrough();
  });
  // not even a valid CONNECT: let aedes refuse it the way it always has
  parser.on('error', () => {
    if (!decided) passThrough();
  });
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
}

type Parser = ReturnType<typeof mqttPacket.parser>;

function bridgeV5(
  socket: Duplex,
  up: Parser,
  connect: Extract<Packet, { cmd: 'connect' }>,
  handle: Handle,
  opts: Mqtt5Options,
  info: ConnInfo,
  watcher: PacketSizeWatcher,
): void {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const session = newSession(limits.maxPacketBytes);
  const newClientId = (): string => `v5-${randomUUID()}`;
  const down = mqttPacket.parser({ protocolVersion: 4 });
  let connected = false; // a successful CONNACK went out
  let closed = false;
  let pendingWrite: (() => void) | null = null;
  /** Lets a write held for the socket's drain complete (the connection is gone). */
  const release = (): void => {
    const w = pendingWrite;
    pendingWrite = null;
    w?.();
  };

  const send = (packet: Packet): boolean => {
    try {
      return socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
      return true;
    }
  };

  /** Close both sides once; DISCONNECT first when the client is connected and a reason is given. */
  const finish = (disconnect?: IDisconnectPacket): void => {
    if (closed) return;
    closed = true;
    if (disconnect && connected && socket.writable) send(disconnect);
    if (!socket.destroyed) {
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    }
    if (!inner.destroyed) inner.destroy();
    release();
  };
  const fail = (err: Error, reasonCode: number = Reason.unspecified): void => {
    opts.onError?.(err);
    finish({ cmd: 'disconnect', reasonCode, properties: { reasonString: err.message.slice(0, 200) } });
  };
  /** A packet over the limit is still arriving: DISCONNECT, then close at once rather than read on. */
  const tooLargeClose = (reasonCode: number): void => {
    if (closed) return;
    closed = true;
    const bye = (): void => {
      socket.destroy();
    };
    if (connected && socket.writable) {
      socket.write(mqttPacket.generate({ cmd: 'disconnect', reasonCode }, { protocolVersion: 5 }), bye);
      setTimeout(bye, 500).unref();
    } else bye();
    if (!inner.destroyed) inner.destroy();
    release();
  };

  // the broker's end: what aedes writes is 3.1.1, translated to v5 for the client
  const inner = new Duplex({
    read() {
      if (!closed) socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (closed) return cb();
      down.parse(chunk);
      if (socket.writableNeedDrain && !closed) {
        pendingWrite = cb;
        socket.once('drain', () => {
          const w = pendingWrite;
          pendingWrite = null;
          w?.();
        });
      } else cb();
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

  // what the client has not taken: below us, and held here while the socket drains
  watchOutbound(
    inner,
    limits.outboundBufferBytes,
    () => pendingOf(socket, info) + inner.writableLength,
    (pendingBytes) => {
      opts.onLimit?.({ limit: 'outbound_buffer', pendingBytes }, inner, info);
      // nothing more can reach this client: no DISCONNECT, just close both ends
      closed = true;
      socket.destroy();
      if (!inner.destroyed) inner.destroy();
      release();
    },
  );

  down.on('packet', (packet: Packet) => {
    if (closed) return;
    const out = toClient(packet, session);
    if (!out) return;
    if (out.cmd === 'connack') connected = out.reasonCode === Reason.success;
    send(out);
  });
  down.on('error', (err: Error) => fail(err));

  /** A packet from the v5 client. */
  const forward = (packet: Packet): void => {
    if (closed) return;
    const step = fromClient(packet, session, newClientId);
    if (step.kind === 'closeWithWill') finish();
    else if (step.kind === 'refuse') fail(new Error(step.reasonString), step.reasonCode);
    else pushUp(step.packet);
  };
  /** A 3.1.1 packet to the broker. */
  const pushUp = (packet: Packet): void => {
    let bytes: Buffer;
    try {
      bytes = mqttPacket.generate(packet, { protocolVersion: 4 });
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)), Reason.malformed);
      return;
    }
    if (!inner.push(bytes)) socket.pause();
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
    if (!closed) inner.push(null);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    inner.destroy(); // aedes closes the client: the will is published unless it sent DISCONNECT
    release();
  });

  // CONNECT itself
  const first = connectToV4(connect, session, newClientId);
  if (first.kind !== 'forward') {
    const reasonCode = first.kind === 'refuse' ? first.reasonCode : Reason.protocolError;
    send({ cmd: 'connack', sessionPresent: false, reasonCode });
    closed = true;
    socket.end();
    setTimeout(() => socket.destroy(), 2_000).unref();
    return;
  }
  rememberRemoteAddress(inner, remoteAddressOf(socket)); // the login back-off is keyed by it
  handle(inner);
  pushUp(first.packet);
  socket.resume();
}
