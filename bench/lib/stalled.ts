/**
 * A stalled consumer for the alert benchmark: a raw TCP MQTT 3.1.1 client
 * that logs in, subscribes (QoS 1) and then never reads its socket again, so
 * everything the broker sends it piles up in the kernel buffers and then in
 * the broker's own outbound queue. Packets are built by hand (CONNECT,
 * SUBSCRIBE) so no client library reads on our behalf.
 */
import { connect, type Socket } from 'node:net';
import { fixedHeader } from '../../test/support/raw-mqtt.js';

const utf8 = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

const packet = (header: number, body: Buffer): Buffer =>
  Buffer.concat([fixedHeader(header, body.length), body]);

function connectPacket(clientId: string, username: string | null, password: string | null): Buffer {
  // protocol name, level 4, flags (clean session, username, password), keepalive 0 (never pinged)
  let flags = 0x02;
  if (username !== null) flags |= 0x80;
  if (password !== null) flags |= 0x40;
  const head = Buffer.concat([utf8('MQTT'), Buffer.from([4, flags, 0, 0])]);
  const payload = [utf8(clientId)];
  if (username !== null) payload.push(utf8(username));
  if (password !== null) payload.push(utf8(password));
  return packet(0x10, Buffer.concat([head, ...payload]));
}

const subscribePacket = (filter: string): Buffer =>
  packet(0x82, Buffer.concat([Buffer.from([0, 1]), utf8(filter), Buffer.from([1])]));

export interface StalledConsumer {
  socket: Socket;
  close(): void;
}

/**
 * Connects, subscribes to `filter` and stops reading once the SUBACK is in.
 * Rejects if the broker refuses the login or the subscription.
 */
export function stalledConsumer(
  port: number,
  username: string | null,
  password: string | null,
  filter: string,
  timeoutMs = 30_000,
): Promise<StalledConsumer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let seen = Buffer.alloc(0);
    let connacked = false;
    const fail = (why: string): void => {
      clearTimeout(t);
      socket.destroy();
      reject(new Error(`stalled consumer ${username ?? 'anonymous'}: ${why}`));
    };
    const t = setTimeout(() => fail(`no SUBACK in ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (err) => fail(err.message));
    socket.once('connect', () => {
      socket.write(connectPacket(`stalled-${Math.random().toString(16).slice(2, 10)}`, username, password));
    });
    const onData = (d: Buffer): void => {
      seen = Buffer.concat([seen, d]);
      // CONNACK is 4 bytes: 0x20 0x02 flags code
      if (!connacked) {
        if (seen.length < 4) return;
        if (seen[0] !== 0x20 || seen[3] !== 0) {
          fail(`CONNACK refused (code ${seen[3]})`);
          return;
        }
        connacked = true;
        socket.write(subscribePacket(filter));
      }
      // SUBACK: 0x90 0x03 0x00 0x01 granted (packet id 1); publishes may follow it
      const at = seen.indexOf(Buffer.from([0x90, 0x03, 0x00, 0x01]), 4);
      if (at < 0 || seen.length < at + 5) return;
      if ((seen[at + 4] ?? 0x80) >= 0x80) {
        fail(`subscription to ${filter} refused`);
        return;
      }
      clearTimeout(t);
      socket.off('data', onData);
      socket.pause(); // from here on nothing is read: the receive window closes
      socket.on('error', () => undefined);
      resolve({ socket, close: () => socket.destroy() });
    };
    socket.on('data', onData);
  });
}
