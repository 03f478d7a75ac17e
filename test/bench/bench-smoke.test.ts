/**
 * Smoke test of the benchmark harness: the quickest benchmark (QoS 1, one
 * device, ~2 s) against a bare aedes and the real gateway produces figures.
 * Speeds are never asserted here (see bench/ and docs/performance.md).
 */
import { describe, expect, it } from 'vitest';
import { measureBrokers } from '../../bench/broker.js';
import { formatTable } from '../../bench/lib/format.js';

describe('bench harness', () => {
  it('measures QoS 1 throughput and PUBACK latency on aedes and the gateway', async () => {
    const runs = await measureBrokers(
      { quick: true, log: () => undefined },
      { brokers: ['aedes', 'gateway'], qos: [1], devices: [1], warmupMs: 300, durationMs: 2000 },
    );
    expect(runs.map((r) => r.broker)).toEqual(['aedes', 'gateway']);
    for (const r of runs) {
      expect(r.load.devices).toBe(1);
      expect(r.load.errors).toBe(0);
      expect(r.load.messages).toBeGreaterThan(0);
      expect(r.load.rate).toBeGreaterThan(0);
      expect(r.load.latency?.count).toBe(r.load.messages);
      expect(r.load.latency?.p50).toBeGreaterThan(0);
      expect(r.load.latency?.p99).toBeGreaterThanOrEqual(r.load.latency?.p50 ?? Number.POSITIVE_INFINITY);
      expect(r.cpu).toBeGreaterThan(0);
    }
    const table = formatTable([{ broker: 'aedes', 'msg/s': 1 }]);
    expect(table.split('\n')).toHaveLength(3);
  }, 120_000);
});
