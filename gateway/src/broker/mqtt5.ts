/**
 * MQTT 5 front end (protocol.md §1: "MQTT 3.1.1 and 5"). aedes 1.x speaks
 * 3.1/3.1.1 only, so every accepted connection (TCP, TLS, WebSocket) first
 * goes through here: we read its CONNECT.
 * - v3/v4: the bytes read are put back (unshift) and the ORIGINAL stream is
 *   handed to aedes: 3.1.1 clients are handled exactly as before.
 * - v5: aedes gets one end of an in-memory duplex and sees a 3.1.1 client;
 *   every packet is translated both ways (mqtt5-translate.ts), with
 *   backpressure both ways, and closing either side closes the other.
 * Never throws: a malformed packet closes the connection.
 */
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import mqttPacket, { type IDisconnectPacket, type Packet } from 'mqtt-packet';
import type { Handle } from './listeners.js';
import {
  connectToV4,
  disconnectFor,
  fromClient,
  MAX_PACKET_BYTES,
  newSession,
  Reason,
  toClient,
} from './mqtt5-translate.js';

export interface Mqtt5Options {
  /** Close a connection that has not sent a complete CONNECT by then (aedes' own default is 30 s). */
  connectTimeoutMs?: number;
  /** Called when a v5 connection is closed because of an error (for logs). */
  onError?: (err: Error) => void;
}

/** Wraps aedes' handle so MQTT 5 clients are bridged and the rest pass through untouched. */
export function withMqtt5(handle: Handle, opts: Mqtt5Options = {}): Handle {
  return (stream) => {
    peekConnect(stream, handle, opts);
    return undefined;
  };
}

function peekConnect(stream: Duplex, handle: Handle, opts: Mqtt5Options): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let decided = false;
  const parser = mqttPacket.parser();
  const timer = setTimeout(() => stream.destroy(), opts.connectTimeoutMs ?? 30_000);
  timer.unref();

  const onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buf);
    size += buf.length;
    parser.parse(buf);
    if (!decided && size > MAX_PACKET_BYTES) {
      decided = true;
      detach();
      stream.destroy();
    }
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
    handle(stream);
  };

  parser.on('packet', (packet: Packet) => {
    if (decided) return;
    if (packet.cmd === 'connect' && packet.protocolVersion === 5) {
      decided = true;
      detach();
      bridgeV5(stream, parser, packet, handle, opts);
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
): void {
  const session = newSession();
  const newClientId = (): string => `v5-${randomUUID()}`;
  const down = mqttPacket.parser({ protocolVersion: 4 });
  let connected = false; // a successful CONNACK went out
  let closed = false;
  let pendingWrite: (() => void) | null = null;

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
    const w = pendingWrite;
    pendingWrite = null;
    w?.();
  };
  const fail = (err: Error, reasonCode: number = Reason.unspecified): void => {
    opts.onError?.(err);
    finish({ cmd: 'disconnect', reasonCode, properties: { reasonString: err.message.slice(0, 200) } });
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
    const left = up.parse(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (left > MAX_PACKET_BYTES) fail(new Error('packet too large'), Reason.packetTooLarge);
  });
  socket.on('end', () => {
    if (!closed) inner.push(null);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    inner.destroy(); // aedes closes the client: the will is published unless it sent DISCONNECT
    const w = pendingWrite;
    pendingWrite = null;
    w?.();
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
  handle(inner);
  pushUp(first.packet);
  socket.resume();
}
