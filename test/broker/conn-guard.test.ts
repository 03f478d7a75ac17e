/**
 * conn-guard's two outbound pieces on their own: the pending-bytes trip, and
 * aedes deliveries that complete without waiting for the write (checked on a
 * real aedes client, so an aedes upgrade that renames its delivery functions
 * fails here).
 */
import { Duplex, PassThrough } from 'node:stream';
import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { decoupleDeliveries, watchOutbound } from '../../gateway/src/broker/conn-guard.js';

describe('watchOutbound', () => {
  it('trips once past the limit, keeping what write reports', () => {
    const s = new PassThrough({ highWaterMark: 16 }); // never read: everything stays pending
    const trips: number[] = [];
    watchOutbound(
      s,
      1000,
      () => s.writableLength,
      (n) => trips.push(n),
    );
    expect(s.write(Buffer.alloc(300))).toBe(false); // over its 16-byte high-water mark, as before
    for (let i = 0; i < 4; i++) s.write(Buffer.alloc(300));
    expect(trips.length).toBe(1);
    expect(trips[0]).toBeGreaterThan(1000);
    s.destroy();
  });
});

describe('decoupleDeliveries', () => {
  it('completes a delivery before its write does', async () => {
    let written: (() => void) | null = null;
    const client = {
      deliverQoS: (_p: unknown, cb: () => void) => {
        written = cb; // a write waiting for a socket that never drains
      },
      deliver0: (_p: unknown, cb: () => void) => {
        written = cb;
      },
    };
    decoupleDeliveries(client);
    for (const deliver of [client.deliverQoS, client.deliver0]) {
      written = null;
      const done = new Promise<void>((r) => deliver({}, r));
      await done;
      expect(written).not.toBeNull();
    }
  });
  it('finds the delivery functions on a real aedes client', async () => {
    const broker = await Aedes.createBroker();
    const conn = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const client = broker.handle(conn);
    expect(() => decoupleDeliveries(client)).not.toThrow();
    conn.destroy();
    await new Promise<void>((r) => broker.close(() => r()));
  });
});
