/** Publishing until the gateway stops acknowledging: the journal-filling floods of the disk tests. */
import type { MqttClient } from 'mqtt';

/**
 * Publishes `body(seq)` for seq 1, 2, … on `topic` at QoS 1 with `inFlight`
 * messages outstanding (each PUBACK sends the next) until `max` are sent or
 * the broker closes the connection; resolves with the acknowledged seqs.
 */
export function floodUntilClosed(
  client: MqttClient,
  topic: string,
  body: (seq: number) => object,
  max = 20_000,
  inFlight = 20,
): Promise<number[]> {
  const acked: number[] = [];
  return new Promise((resolve) => {
    client.once('close', () => resolve(acked));
    let seq = 0;
    const next = (): void => {
      if (seq >= max) {
        resolve(acked);
        return;
      }
      seq += 1;
      const s = seq;
      client.publish(topic, JSON.stringify(body(s)), { qos: 1 }, (err) => {
        if (!err) {
          acked.push(s);
          next();
        }
      });
    };
    for (let i = 0; i < inFlight; i++) next();
  });
}
