/**
 * One journal batch to the upstream broker with a bounded window: at most
 * `window` QoS 1 publishes (and no more than the broker's Receive Maximum)
 * await their PUBACK at once, so a slow WAN holds
 * at most `window` messages in memory, never the backlog. Resolves when every
 * message of the batch was acknowledged (then the follower commits the
 * cursor). A link that drops mid-batch pauses it: once reconnected, the
 * messages not yet acknowledged are sent again, in order (the city drops
 * repeats by `jseq`). Rejects only when `signal` aborts (stop).
 */
import type { UplinkLink } from './link.js';
import type { UplinkMessage } from './messages.js';

/** What sending needs of the link (a fake one in unit tests). */
export type SendLink = Pick<UplinkLink, 'connected' | 'publish' | 'waitConnected' | 'windowLimit'>;

export async function sendBatch(
  link: SendLink,
  messages: readonly UplinkMessage[],
  window: number,
  signal: AbortSignal,
  onAcked: (count: number) => void = () => {},
): Promise<void> {
  let left: readonly UplinkMessage[] = messages;
  while (left.length > 0) {
    await link.waitConnected(signal);
    // never more than the broker's Receive Maximum (MQTT 5) allows
    left = await pump(link, left, Math.max(1, Math.min(window, link.windowLimit)), signal, onAcked);
    if (signal.aborted) throw new Error('uplink stopping');
  }
}

/** Publish with the window until done or the link drops; returns what was not acknowledged. */
function pump(
  link: SendLink,
  messages: readonly UplinkMessage[],
  window: number,
  signal: AbortSignal,
  onAcked: (count: number) => void,
): Promise<UplinkMessage[]> {
  const acked = new Array<boolean>(messages.length).fill(false);
  let next = 0;
  let inFlight = 0;
  let broken = false;
  return new Promise((resolve) => {
    const finish = () => resolve(messages.filter((_, i) => !acked[i]));
    const fill = () => {
      while (!broken && inFlight < window && next < messages.length) {
        if (!link.connected || signal.aborted) {
          broken = true;
          break;
        }
        const i = next++;
        const m = messages[i] as UplinkMessage;
        inFlight++;
        link.publish(m.topic, m.payload).then(
          () => {
            acked[i] = true;
            onAcked(1);
            settle();
          },
          () => {
            broken = true;
            settle();
          },
        );
      }
      if (inFlight === 0 && (broken || next >= messages.length)) finish();
    };
    const settle = () => {
      inFlight--;
      fill();
    };
    fill();
  });
}
