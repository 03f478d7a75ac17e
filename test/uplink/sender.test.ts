/**
 * The windowed batch send (uplink/sender.ts) against a fake link whose
 * PUBACKs the test releases by hand: never more than `window` publishes
 * await a PUBACK, the batch resolves only when all are acknowledged, and a
 * link that drops mid-batch re-sends, once reconnected, exactly the
 * messages not yet acknowledged, in order.
 */
import { describe, expect, it } from 'vitest';
import { LinkClosedError } from '../../gateway/src/uplink/link.js';
import type { UplinkMessage } from '../../gateway/src/uplink/messages.js';
import { type SendLink, sendBatch } from '../../gateway/src/uplink/sender.js';
import { until } from '../support/wait.js';

class FakeLink implements SendLink {
  connected = true;
  windowLimit = Number.POSITIVE_INFINITY;
  sent: number[] = [];
  pending: { seq: number; ack: () => void; fail: (e: Error) => void }[] = [];
  maxPending = 0;
  private onConnect: (() => void)[] = [];

  publish(_topic: string, payload: Buffer): Promise<void> {
    if (!this.connected) return Promise.reject(new LinkClosedError('not connected'));
    const seq = Number(payload.toString());
    this.sent.push(seq);
    return new Promise((ack, fail) => {
      this.pending.push({ seq, ack, fail });
      this.maxPending = Math.max(this.maxPending, this.pending.length);
    });
  }

  waitConnected(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((r) => this.onConnect.push(r));
  }

  ackAll(): void {
    for (const p of this.pending.splice(0)) p.ack();
  }

  drop(): void {
    this.connected = false;
    for (const p of this.pending.splice(0)) p.fail(new LinkClosedError('closed'));
  }

  reconnect(): void {
    this.connected = true;
    for (const r of this.onConnect.splice(0)) r();
  }
}

const messages = (n: number): UplinkMessage[] =>
  Array.from({ length: n }, (_, i) => ({ seq: i + 1, topic: 't', payload: Buffer.from(String(i + 1)) }));

describe('sendBatch', () => {
  it('keeps at most `window` publishes awaiting PUBACK and resolves when all are acknowledged', async () => {
    const link = new FakeLink();
    let done = false;
    const sending = sendBatch(link, messages(95), 10, new AbortController().signal).then(() => {
      done = true;
    });
    while (link.sent.length < 95) {
      await until(
        'a full window',
        () =>
          link.pending.length === Math.min(10, 95 - link.sent.length + link.pending.length) &&
          link.pending.length > 0,
        2000,
        1,
      );
      expect(done).toBe(false);
      link.ackAll();
    }
    await until('last window', () => link.pending.length > 0 || done, 2000, 1);
    link.ackAll();
    await sending;
    expect(link.maxPending).toBe(10);
    expect(link.sent).toEqual(Array.from({ length: 95 }, (_, i) => i + 1));
  });

  it('a link that drops mid-batch re-sends only what was not acknowledged, in order, after reconnecting', async () => {
    const link = new FakeLink();
    const sending = sendBatch(link, messages(30), 10, new AbortController().signal);
    await until('first window', () => link.pending.length === 10, 2000, 1);
    // 1..4 acknowledged, then the link drops with 5..10 in flight
    for (const p of link.pending.splice(0, 4)) p.ack();
    await until('refilled', () => link.pending.length === 10, 2000, 1);
    link.drop();
    const sentBefore = link.sent.length;
    link.reconnect();
    for (;;) {
      await until(
        'more in flight',
        () => link.pending.length > 0 || link.sent.length >= sentBefore + 26,
        2000,
        1,
      );
      if (link.pending.length === 0) break;
      link.ackAll();
      if (link.sent.length - sentBefore >= 26) break;
    }
    await sending;
    expect(link.sent.slice(sentBefore)).toEqual(Array.from({ length: 26 }, (_, i) => i + 5));
  });

  it('stop (abort) while disconnected rejects', async () => {
    const link = new FakeLink();
    link.connected = false;
    const ac = new AbortController();
    const sending = sendBatch(link, messages(3), 10, ac.signal);
    ac.abort();
    // the fake link's waitConnected ignores the signal: reconnect to let the pump see it
    link.reconnect();
    await expect(sending).rejects.toThrow();
  });
});
