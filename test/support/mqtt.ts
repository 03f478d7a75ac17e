/** Real mqtt.js clients for integration tests. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Arrivals } from './wait.js';

export function connectAs(
  port: number,
  username: string,
  password = 'secret',
  opts: IClientOptions = {},
  /** Called with the client before CONNECT goes out: attach listeners here to catch queued messages. */
  onCreate?: (client: MqttClient) => void,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username,
      password,
      clientId: opts.clientId ?? `${username}-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...opts,
    });
    onCreate?.(client);
    const onError = (err: Error): void => {
      client.end(true);
      reject(err);
    };
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
    client.once('error', onError);
  });
}

/** Collects messages on a client; `waitFor` resolves when a matching one arrives. */
export class Inbox {
  private readonly arrivals = new Arrivals<{ topic: string; payload: Buffer; json: unknown }>((ms) =>
    ms.map((m) => m.topic).join(', '),
  );
  readonly messages = this.arrivals.items;

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => {
      let json: unknown = null;
      try {
        json = JSON.parse(payload.toString());
      } catch {
        json = payload.toString();
      }
      this.arrivals.add({ topic, payload, json });
    });
  }

  waitFor(
    pred: (m: Inbox['messages'][number]) => boolean,
    timeoutMs = 10_000,
    what = 'message',
  ): Promise<Inbox['messages'][number]> {
    return this.arrivals.waitFor(pred, timeoutMs, what);
  }
}

/**
 * SUBSCRIBE and return the SUBACK codes in order (0/1/2 granted QoS, 128 refused).
 * mqtt.js turns any refusal into an error carrying the SUBACK packet; we read it from there.
 */
export function subscribe(
  client: MqttClient,
  topic: string | string[],
  qos: 0 | 1 = 1,
): Promise<{ topic: string; qos: number }[]> {
  const list = Array.isArray(topic) ? topic : [topic];
  return new Promise((resolve, reject) => {
    client.subscribe(list, { qos }, (err, granted) => {
      if (!err) return resolve((granted ?? []).map((g) => ({ topic: g.topic, qos: g.qos })));
      const packet = (err as Error & { packet?: { granted?: number[] } }).packet;
      if (packet?.granted)
        return resolve(packet.granted.map((code, i) => ({ topic: list[i] ?? '', qos: code })));
      reject(err);
    });
  });
}

export function publish(
  client: MqttClient,
  topic: string,
  payload: string | Buffer | object,
  qos: 0 | 1 = 1,
  retain = false,
): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    client.publish(topic, body, { qos, retain }, (err) => (err ? reject(err) : resolve()));
  });
}

export function end(...clients: (MqttClient | undefined)[]): Promise<void> {
  return Promise.all(
    clients.map((c) => (c ? new Promise<void>((r) => c.end(true, {}, () => r())) : Promise.resolve())),
  ).then(() => undefined);
}

/** Connect with an Inbox attached before the CONNACK, so messages queued for a persistent session are not missed. */
export async function connectWithInbox(
  port: number,
  username: string,
  password = 'secret',
  opts: IClientOptions = {},
): Promise<{ client: MqttClient; inbox: Inbox }> {
  let inbox: Inbox | undefined;
  const client = await connectAs(port, username, password, opts, (c) => {
    inbox = new Inbox(c);
  });
  return { client, inbox: inbox as Inbox };
}

/** Resolves true when the broker closes the client's connection (within the timeout), false otherwise. */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    if (client.disconnected || !client.connected) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    client.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
