/**
 * A bare in-process aedes broker on 127.0.0.1 and a free port, recording
 * every CONNECT's credentials and every client PUBLISH (topic, payload, QoS,
 * retain): the device simulators are checked against exactly what a broker
 * receives.
 */
import { createServer, type Server } from 'node:net';
import type { Aedes } from 'aedes';

export interface Received {
  client: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

export interface TestBroker {
  port: number;
  url: string;
  aedes: Aedes;
  logins: { clientId: string; username: string; password: string }[];
  received: Received[];
  /** Resolves with the first publish matching (already received or future). */
  waitFor(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Publish from the broker itself (the gateway's side of a command). */
  publish(topic: string, payload: string, qos?: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  const logins: TestBroker['logins'] = [];
  const received: Received[] = [];
  let waiters: { pred: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, cb) => {
      logins.push({ clientId: client.id, username: username ?? '', password: password?.toString() ?? '' });
      cb(null, true);
    },
  });
  aedes.on('publish', (packet, client) => {
    if (packet.topic.startsWith('$SYS')) return;
    const r: Received = {
      // '' for the broker's own publishes
      client: client?.id ?? '',
      topic: packet.topic,
      payload: Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
    };
    received.push(r);
    waiters = waiters.filter((w) => {
      if (!w.pred(r)) return true;
      w.resolve(r);
      return false;
    });
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    logins,
    received,
    waitFor: (pred, timeoutMs = 5000) => {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timed out; got ${received.map((r) => r.topic).join(', ')}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (r) => {
            clearTimeout(t);
            resolve(r);
          },
        });
      });
    },
    publish: (topic, payload, qos = 1) =>
      new Promise<void>((resolve, reject) =>
        aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
