/**
 * Smoke test of the benchmark harness: the quickest benchmark (QoS 1, one
 * device, ~2 s) against a bare aedes and the real gateway produces figures,
 * and the alert benchmark's parts (panic probe, stalled consumer, bench site
 * with raised limits) work on the gateway. Speeds are never asserted here
 * (see bench/ and docs/performance.md).
 */
import { describe, expect, it } from 'vitest';
import { measureBrokers } from '../../bench/broker.js';
import { probe } from '../../bench/lib/alert-probe.js';
import { startBenchGateway } from '../../bench/lib/brokers.js';
import { formatTable } from '../../bench/lib/format.js';
import { SMALL_SITE_PASSWORD, siteWithReaders } from '../../bench/lib/sites.js';
import { stalledConsumer } from '../../bench/lib/stalled.js';

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

  it('the alert probe times presses to four consoles beside a stalled consumer', async () => {
    const gw = await startBenchGateway({ siteYaml: siteWithReaders(2), password: SMALL_SITE_PASSWORD });
    try {
      const stalled = await stalledConsumer(gw.port, 'police-west', SMALL_SITE_PASSWORD, 'gp/v1/#');
      const r = await probe(gw, {
        samples: 3,
        budgetMs: 60_000,
        warmup: 1,
        timeoutMs: 10_000,
        password: SMALL_SITE_PASSWORD,
      });
      stalled.close();
      expect(r.undelivered).toBe(0);
      expect(r.latencies).toHaveLength(3);
      for (const ms of r.latencies) expect(ms).toBeGreaterThan(0);
      // a login the gateway refuses is an error, not a stalled consumer
      await expect(stalledConsumer(gw.port, 'police-west', 'wrong', 'gp/v1/#')).rejects.toThrow(/CONNACK/);
    } finally {
      await gw.stop();
    }
  }, 120_000);
});
