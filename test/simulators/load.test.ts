/** Load mode against a real broker (in-process aedes over TCP): rates, acks and PUBACK latency. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMqttPayload } from '../../devices/codecs/mqtt-json.js';
import { formatLoadReport, percentile, runLoad } from '../../simulators/load.js';
import { until } from '../support/wait.js';
import { startBroker, type TestBroker } from './broker.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('runLoad', () => {
  it('QoS 1: every message acknowledged, a positive rate and PUBACK latency', async () => {
    const report = await runLoad({ url: broker.url, devices: 4, rate: 25, qos: 1, durationMs: 1000 });
    expect(report.sent).toBeGreaterThan(0);
    expect(report.acked).toBe(report.sent);
    expect(report.errors).toBe(0);
    expect(report.rate).toBeGreaterThan(0);
    expect(report.latency?.count).toBe(report.acked);
    expect(report.latency?.p50).toBeGreaterThan(0);
    expect(report.latency?.p99).toBeGreaterThanOrEqual(report.latency?.p50 ?? Infinity);
    expect(report.latency?.max).toBeGreaterThanOrEqual(report.latency?.p99 ?? Infinity);
    // credentials and topics from the patterns; payloads are valid device taps
    expect(broker.logins.map((l) => l.username)).toEqual(expect.arrayContaining(['LOAD-1', 'LOAD-4']));
    const taps = broker.received.filter((r) => /^gp\/v1\/dev\/LOAD-\d\/tap$/.test(r.topic));
    expect(taps.length).toBe(report.sent);
    for (const r of taps.slice(0, 20)) {
      const d = decodeMqttPayload(r.topic.split('/')[3] ?? '', 'tap', r.payload);
      expect(d.ok).toBe(true);
    }
    expect(formatLoadReport(report)).toMatch(/PUBACK latency ms: p50/);
  });

  it('QoS 0, total rate, custom topic and credentials: no latency, still a positive rate', async () => {
    const before = broker.received.length;
    const report = await runLoad({
      url: broker.url,
      devices: 3,
      rate: 30,
      totalRate: true,
      qos: 0,
      durationMs: 600,
      devicePattern: 'bench-{i}',
      username: 'user-{i}',
      password: 'pw-{device}',
      topic: 'bench/{device}/x',
    });
    expect(report.latency).toBeNull();
    expect(report.targetRate).toBeCloseTo(30);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.rate).toBeGreaterThan(0);
    expect(broker.logins.some((l) => l.username === 'user-2' && l.password === 'pw-bench-2')).toBe(true);
    const benchReceived = () => broker.received.slice(before).filter((r) => r.topic.startsWith('bench/'));
    await until('every sent message at the broker', () => benchReceived().length >= report.sent, 15_000, 20);
    const got = benchReceived();
    expect(got.length).toBe(report.sent);
    expect(new Set(got.map((r) => r.topic))).toEqual(
      new Set(['bench/bench-1/x', 'bench/bench-2/x', 'bench/bench-3/x']),
    );
  });

  it('percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 50)).toBe(0);
  });
});
