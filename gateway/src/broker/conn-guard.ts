/**
 * Connection limits, so no participant can stall or exhaust the broker for
 * the others (applied by mqtt5.ts to every stream before aedes sees it, and
 * by runtime/gateway.ts to every aedes client):
 * - outbound: aedes completes a live delivery only once the client's socket
 *   has drained, and while it waits on one slow client its delivery slots
 *   (mqemitter's concurrency) are held for everyone. So a live delivery is
 *   reported done as soon as it is handed to the client (decoupleDeliveries);
 *   the client's unsent bytes are counted after each write instead, and past
 *   the limit the client is disconnected, never waited on (its persistent
 *   session keeps its QoS 1 messages). Backpressure still paces what only
 *   that client waits for: the replay of its queued messages on reconnect.
 *   This wraps the stream's own write: no extra stream hop per message.
 * - inbound: every packet's declared size is checked from its fixed header
 *   (packet-size.ts); a packet over the limit closes the connection before
 *   its body is buffered.
 */
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Account } from '../config/site.js';
import type { GatewayMetrics } from '../metrics.js';
import { PacketSizeWatcher } from './packet-size.js';

export interface ConnLimits {
  /** Largest MQTT packet a client may send, fixed header included. */
  maxPacketBytes: number;
  /** Unsent bytes a client may have queued before it is disconnected. */
  outboundBufferBytes: number;
}

export const DEFAULT_LIMITS: ConnLimits = { maxPacketBytes: 64 * 1024, outboundBufferBytes: 1024 * 1024 };

export type Transport = 'tcp' | 'tls' | 'ws';

/** What a listener knows about a connection it hands over. */
export interface ConnInfo {
  transport: Transport;
  /** Bytes queued below the stream itself (a WebSocket's own buffer). */
  belowPending?: () => number;
}

export type LimitEvent =
  | { limit: 'outbound_buffer'; pendingBytes: number }
  | { limit: 'max_packet'; size: number }
  | { limit: 'malformed_length' };

/** Told when a limit closes a connection; `stream` is the one aedes handles (its client, if any, is on it). */
export type OnLimit = (ev: LimitEvent, stream: Duplex, info: ConnInfo) => void;

/** Bytes written to `stream` (and what is below it) but not yet handed to the OS. */
export function pendingOf(stream: Duplex, info?: ConnInfo): number {
  return stream.writableLength + (info?.belowPending?.() ?? 0);
}

/**
 * After each `stream.write`, if `pending()` exceeds `limit`, `overflow` is
 * called once (it must close the connection). Writes report what they
 * always did.
 */
export function watchOutbound(
  stream: Duplex,
  limit: number,
  pending: () => number,
  overflow: (pendingBytes: number) => void,
): void {
  const write = stream.write;
  let tripped = false;
  const guarded = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const ok = write.call(stream, chunk, encoding as BufferEncoding, cb as () => void);
    if (!tripped) {
      const n = pending();
      if (n > limit) {
        tripped = true;
        overflow(n);
        return true; // closed: nothing to wait for
      }
    }
    return ok;
  };
  stream.write = guarded as Duplex['write'];
}

type Deliver = (packet: unknown, cb: () => void) => void;
const noop = (): void => undefined;

/**
 * aedes' per-client delivery functions (instance properties, taken by each
 * SUBSCRIBE), wrapped so the broker's callback does not wait for the write: it still
 * happens, in order, but mqemitter never waits for this client's socket.
 * Call right after aedes.handle(), before the client subscribes.
 */
export function decoupleDeliveries<T>(client: T): T {
  const c = client as { deliverQoS?: Deliver; deliver0?: Deliver };
  const qos = c.deliverQoS;
  const qos0 = c.deliver0;
  if (typeof qos !== 'function' || typeof qos0 !== 'function') {
    throw new Error(
      'aedes client has no deliverQoS/deliver0: conn-guard needs updating for this aedes version',
    );
  }
  // after the current stack, so a burst of deliveries never recurses
  c.deliverQoS = (packet, cb) => {
    qos(packet, noop);
    queueMicrotask(cb);
  };
  c.deliver0 = (packet, cb) => {
    qos0(packet, noop);
    queueMicrotask(cb);
  };
  return client;
}

/** The size verdict of a watcher as a limit event, or null when the bytes are fine. */
export function feedWatcher(watcher: PacketSizeWatcher, chunk: Buffer | string): LimitEvent | null {
  const v = watcher.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  if (v.ok) return null;
  return v.reason === 'too-large' ? { limit: 'max_packet', size: v.size } : { limit: 'malformed_length' };
}

/**
 * Guards a 3.1/3.1.1 stream handed to aedes as it is: bounded outbound, and
 * the size of every packet aedes reads. Call after aedes attached its reader
 * (a 'data' listener then only observes what aedes reads, in order).
 */
export function guardPassThrough(
  stream: Duplex,
  limits: ConnLimits,
  info: ConnInfo,
  onLimit?: OnLimit,
): void {
  watchOutbound(
    stream,
    limits.outboundBufferBytes,
    () => pendingOf(stream, info),
    (pendingBytes) => {
      onLimit?.({ limit: 'outbound_buffer', pendingBytes }, stream, info);
      stream.destroy();
    },
  );
  const watcher = new PacketSizeWatcher(limits.maxPacketBytes);
  const onData = (chunk: Buffer | string): void => {
    const ev = feedWatcher(watcher, chunk);
    if (!ev) return;
    stream.off('data', onData);
    onLimit?.(ev, stream, info);
    stream.destroy();
  };
  stream.on('data', onData);
}

/** The gateway's OnLimit: a warning naming the client and its account, and a metric. */
export function limitReporter(deps: {
  logger: Logger;
  metrics: GatewayMetrics;
  accounts: WeakMap<Client, Account>;
  limits: ConnLimits;
}): OnLimit {
  return (ev, stream, info) => {
    deps.metrics.limitCloses.inc({ limit: ev.limit, transport: info.transport });
    const client = (stream as Duplex & { client?: Client }).client;
    const who = {
      clientId: client?.id ?? null,
      account: client ? (deps.accounts.get(client)?.id ?? null) : null,
    };
    if (ev.limit === 'outbound_buffer') {
      deps.logger.warn(
        {
          ...who,
          transport: info.transport,
          pendingBytes: ev.pendingBytes,
          limit: deps.limits.outboundBufferBytes,
        },
        'client disconnected: it is not reading (outbound buffer over the limit); its persistent session keeps QoS 1 messages',
      );
    } else {
      deps.logger.warn(
        {
          ...who,
          transport: info.transport,
          ...(ev.limit === 'max_packet' ? { size: ev.size } : {}),
          limit: deps.limits.maxPacketBytes,
        },
        ev.limit === 'max_packet'
          ? 'connection closed: packet larger than the maximum packet size'
          : 'connection closed: malformed packet length',
      );
    }
  };
}
