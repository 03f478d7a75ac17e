/** MQTT 5 mqtt.js clients for conformance tests: the CONNACK and every received PUBLISH packet kept. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet';
import { until } from './wait.js';

export interface V5Client {
  client: MqttClient;
  connack: IConnackPacket;
  /** PUBLISH packets received, in order (properties included). */
  received: IPublishPacket[];
  /** Waits until `n` PUBLISHes matching `pred` have arrived; returns them. */
  waitFor(n: number, pred?: (p: IPublishPacket) => boolean, what?: string): Promise<IPublishPacket[]>;
  /** The DISCONNECT the broker sent, if any. */
  disconnect: () => { reasonCode?: number } | null;
  end(): Promise<void>;
}

export function connect5(port: number, username: string, opts: IClientOptions = {}): Promise<V5Client> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      username,
      password: 'secret',
      clientId: `${username}-c5-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...opts,
    });
    const received: IPublishPacket[] = [];
    let bye: { reasonCode?: number } | null = null;
    client.on('message', (_topic, _payload, packet) => received.push(packet));
    client.on('disconnect', (p) => {
      bye = p;
    });
    const waitFor: V5Client['waitFor'] = (n, pred = () => true, what = 'messages') =>
      until(
        `${n} ${what}`,
        () => {
          const got = received.filter(pred);
          return got.length >= n && got;
        },
        10_000,
        10,
      );
    const onError = (err: Error): void => {
      client.end(true);
      reject(err);
    };
    client.once('error', onError);
    client.once('connect', (connack) => {
      client.off('error', onError);
      resolve({
        client,
        connack,
        received,
        waitFor,
        disconnect: () => bye,
        end: () => new Promise<void>((r) => client.end(false, {}, () => r())),
      });
    });
  });
}
