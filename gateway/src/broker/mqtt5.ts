/**
 * MQTT 5 front end (protocol.md §1: "MQTT 3.1.1 and 5"). aedes 1.x speaks
 * 3.1/3.1.1 only, so every accepted connection (TCP, TLS, WebSocket) first
 * goes through here: we read its CONNECT.
 * - v3/v4: the bytes read are put back (unshift) and the ORIGINAL stream is
 *   handed to aedes: 3.1.1 clients are handled exactly as before.
 * - v5: bridged to aedes (mqtt5-bridge.ts), with MQTT 5 semantics: sessions
 *   with expiry, properties, subscription options and identifiers, message
 *   expiry, will delay, flow control; what is not supported is refused with
 *   its reason code and announced in CONNACK (docs/operators.md, "MQTT 5").
 * Every packet's size is checked from its fixed header, before CONNECT too
 * (conn-guard.ts). Never throws: a malformed packet closes the connection.
 */
import type { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';
import {
  type ConnInfo,
  type ConnLimits,
  DEFAULT_LIMITS,
  feedWatcher,
  guardPassThrough,
  type OnLimit,
} from './conn-guard.js';
import type { Handle } from './listeners.js';
import { bridgeV5 } from './mqtt5-bridge.js';
import { PacketSizeWatcher } from './packet-size.js';

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
