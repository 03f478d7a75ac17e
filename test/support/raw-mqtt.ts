/**
 * A bare MQTT client for adversity tests: packets encoded by mqtt-packet and
 * written to a raw TCP socket or WebSocket, so a test can do what mqtt.js
 * never would — stop reading its socket, or declare a 100 MB packet and
 * stream its body — and count what the gateway accepted before it closed.
 */
import { Socket } from 'node:net';
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { until } from './wait.js';

export type Via = 'tcp' | 'ws';

export interface RawClient {
  /** Packets received (while reading). */
  readonly packets: Packet[];
  send(packet: Packet): Promise<void>;
  /** Writes raw bytes; resolves once they are handed to the OS, rejects if the connection is gone. */
  write(bytes: Buffer): Promise<void>;
  /** Stop / start reading the socket (the OS buffers fill, then the gateway's). */
  pause(): void;
  resume(): void;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  destroy(): void;
}

export interface RawOptions {
  via?: Via;
  protocolVersion?: 4 | 5;
}

/** Opens the transport only (no CONNECT), for tests of what comes before it. */
export function openRaw(ports: { mqtt: number; ws: number }, opts: RawOptions = {}): Promise<RawClient> {
  const protocolVersion = opts.protocolVersion ?? 4;
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', () => undefined);
  let isClosed = false;
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => {
    onClosed = () => {
      isClosed = true;
      r();
    };
  });
  return new Promise((resolve, reject) => {
    if ((opts.via ?? 'tcp') === 'tcp') {
      const socket = new Socket();
      socket.on('data', (d: Buffer) => parser.parse(d));
      socket.on('error', () => undefined);
      socket.on('close', onClosed);
      socket.once('connect', () =>
        resolve({
          packets,
          send: (p) => writeSocket(socket, mqttPacket.generate(p, { protocolVersion })),
          write: (b) => writeSocket(socket, b),
          pause: () => socket.pause(),
          resume: () => socket.resume(),
          closed,
          isClosed: () => isClosed,
          destroy: () => socket.destroy(),
        }),
      );
      socket.once('error', reject);
      socket.connect(ports.mqtt, '127.0.0.1');
      return;
    }
    const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/mqtt`, ['mqtt']);
    ws.on('message', (d: Buffer) => parser.parse(d));
    ws.on('error', () => undefined);
    ws.on('close', onClosed);
    const wsWrite = (b: Buffer): Promise<void> =>
      new Promise((res, rej) => {
        if (ws.readyState !== WebSocket.OPEN) return rej(new Error('closed'));
        ws.send(b, (err) => (err ? rej(err) : res()));
      });
    ws.once('open', () =>
      resolve({
        packets,
        send: (p) => wsWrite(mqttPacket.generate(p, { protocolVersion })),
        write: wsWrite,
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        closed,
        isClosed: () => isClosed,
        destroy: () => ws.terminate(),
      }),
    );
    ws.once('error', reject);
  });
}

function writeSocket(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('closed'));
    socket.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/** Opens the transport, logs in, and waits for a successful CONNACK. */
export async function connectRaw(
  ports: { mqtt: number; ws: number },
  username: string,
  opts: RawOptions & { clientId?: string; clean?: boolean; password?: string } = {},
): Promise<RawClient> {
  const c = await openRaw(ports, opts);
  const connect: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: opts.protocolVersion ?? 4,
    clientId: opts.clientId ?? `${username}-raw-${Math.random().toString(16).slice(2, 10)}`,
    clean: opts.clean ?? true,
    keepalive: 0,
    username,
    password: Buffer.from(opts.password ?? 'secret'),
    ...(opts.protocolVersion === 5 && opts.clean === false
      ? { properties: { sessionExpiryInterval: 3600 } }
      : {}),
  };
  await c.send(connect);
  const ack = await until(
    `CONNACK for ${username}`,
    () => {
      if (c.isClosed()) throw new Error('connection closed');
      return c.packets.find((p) => p.cmd === 'connack');
    },
    10_000,
    10,
  );
  const code = 'returnCode' in ack ? ack.returnCode : 'reasonCode' in ack ? ack.reasonCode : 0;
  if (code) throw new Error(`${username}: CONNACK ${code}`);
  return c;
}

/** An MQTT fixed header: packet type byte `type`, then `remaining` as a variable-length integer (no body). */
export function fixedHeader(type: number, remaining: number): Buffer {
  const out = [type];
  let n = remaining;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/**
 * A CONNECT with an empty client id and cleanSession/cleanStart 0, which
 * mqtt-packet refuses to encode: encoded clean, then the flag cleared.
 */
export function emptyIdUncleanConnect(username: string, protocolVersion: 4 | 5 = 4): Buffer {
  const bytes = mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion,
      clientId: '',
      clean: true,
      keepalive: 0,
      username,
      password: Buffer.from('secret'),
    },
    { protocolVersion },
  );
  // fixed header (2 bytes here), protocol name (6), level (1), then the connect flags
  bytes[9] = (bytes[9] ?? 0) & ~0x02;
  return bytes;
}
