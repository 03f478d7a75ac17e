/**
 * Load mode: N device connections publishing at a steady rate for a while,
 * reporting the achieved rate and, at QoS 1, PUBACK latency. Aimed at the
 * gateway (device ids from the site config) or at any MQTT broker (ids,
 * credentials and topic from patterns), so the same load can be compared
 * against a bare aedes or mosquitto. Used by the benchmarks.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodeMqttPayload } from '../devices/codecs/mqtt-json.js';
import { topics } from '../gateway/src/topics.js';

export interface LoadOptions {
  url: string;
  /** Connections (default 10). */
  devices?: number;
  /** Messages per second per device (default 1), or in total when `totalRate` is true. */
  rate?: number;
  totalRate?: boolean;
  qos?: 0 | 1;
  durationMs?: number;
  /** Device ids to use, in order (e.g. the site's readers); else from `devicePattern`. */
  deviceIds?: string[];
  /** `{i}` is replaced by 1..N (default "LOAD-{i}"). */
  devicePattern?: string;
  /** `{device}` / `{i}` are replaced (default: the device id). */
  username?: string;
  password?: string;
  /** Topic pattern (default gp/v1/dev/{device}/tap, from topics.ts). */
  topic?: string;
  connectConcurrency?: number;
  /** How long to wait for outstanding PUBACKs after the sending stops (default 5 s). */
  drainMs?: number;
}

export interface LoadReport {
  devices: number;
  qos: 0 | 1;
  targetRate: number;
  sent: number;
  acked: number;
  errors: number;
  /** Sending phase, ms. */
  elapsedMs: number;
  /** Messages per second actually sent (and acknowledged, at QoS 1). */
  rate: number;
  ackedRate: number;
  /** PUBACK latency, ms (QoS 1 only). */
  latency: { p50: number; p99: number; max: number; mean: number; count: number } | null;
}

const fill = (pattern: string, i: number, device: string): string =>
  pattern.replaceAll('{i}', String(i)).replaceAll('{device}', device);

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const n = opts.deviceIds
    ? Math.min(opts.devices ?? opts.deviceIds.length, opts.deviceIds.length)
    : (opts.devices ?? 10);
  const qos = opts.qos ?? 1;
  const rate = opts.rate ?? 1;
  const perDevice = opts.totalRate ? rate / n : rate;
  const durationMs = opts.durationMs ?? 10_000;
  const topicPattern = opts.topic ?? topics.device('{device}', 'tap');
  const ids = Array.from(
    { length: n },
    (_, k) => opts.deviceIds?.[k] ?? fill(opts.devicePattern ?? 'LOAD-{i}', k + 1, ''),
  );

  const clients: MqttClient[] = [];
  const latencies: number[] = [];
  let sent = 0;
  let acked = 0;
  let errors = 0;
  const seq = new Array<number>(n).fill(0);
  const sentBy = new Array<number>(n).fill(0);
  try {
    const size = opts.connectConcurrency ?? 32;
    for (let k = 0; k < n; k += size) {
      const batch = ids.slice(k, k + size).map((device, j) =>
        connect(opts.url, {
          username: fill(opts.username ?? '{device}', k + j + 1, device),
          password: fill(opts.password ?? 'guardpost-demo', k + j + 1, device),
          clientId: `${device}-load-${Math.random().toString(16).slice(2, 8)}`,
        }),
      );
      clients.push(...(await Promise.all(batch)));
    }
    const uid = (k: number): string => (0x04000000 + k).toString(16).toUpperCase().padStart(8, '0');
    const publishOne = (k: number): void => {
      const client = clients[k];
      const device = ids[k] ?? '';
      if (!client) return;
      const s = ((seq[k] ?? 0) + 1) >>> 0;
      seq[k] = s;
      const { payload } = encodeMqttPayload({
        kind: 'tap',
        device,
        uid: uid(k),
        seq: s,
        ts: new Date().toISOString(),
      });
      const t = performance.now();
      sent++;
      client.publish(fill(topicPattern, k + 1, device), payload, { qos }, (err) => {
        if (err) {
          errors++;
          return;
        }
        acked++;
        if (qos === 1) latencies.push(performance.now() - t);
      });
    };

    // One scheduler for every device: each catches up to rate × elapsed (no timer per device).
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const step = (): void => {
        const elapsed = Math.min(performance.now() - t0, durationMs);
        for (let k = 0; k < n; k++) {
          // devices are staggered across the first interval so they do not all fire together
          const due = Math.floor((elapsed / 1000) * perDevice + k / n);
          while ((sentBy[k] ?? 0) < due) {
            sentBy[k] = (sentBy[k] ?? 0) + 1;
            publishOne(k);
          }
        }
        if (elapsed >= durationMs) resolve();
        else setTimeout(step, 5);
      };
      step();
    });
    const elapsedMs = performance.now() - t0;
    const drainUntil = performance.now() + (opts.drainMs ?? 5000);
    while (acked + errors < sent && performance.now() < drainUntil)
      await new Promise((r) => setTimeout(r, 20));
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      devices: n,
      qos,
      targetRate: perDevice * n,
      sent,
      acked,
      errors,
      elapsedMs,
      rate: sent / (elapsedMs / 1000),
      ackedRate: acked / (elapsedMs / 1000),
      latency:
        qos === 1 && sorted.length > 0
          ? {
              p50: percentile(sorted, 50),
              p99: percentile(sorted, 99),
              max: sorted[sorted.length - 1] ?? 0,
              mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
              count: sorted.length,
            }
          : null,
    };
  } finally {
    await Promise.all(clients.map((c) => new Promise<void>((r) => c.end(false, {}, () => r()))));
  }
}

export function formatLoadReport(r: LoadReport): string {
  const lines = [
    `load: ${r.devices} devices, QoS ${r.qos}, target ${r.targetRate.toFixed(1)} msg/s for ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `sent ${r.sent} (${r.rate.toFixed(1)} msg/s), acknowledged ${r.acked} (${r.ackedRate.toFixed(1)} msg/s), errors ${r.errors}`,
  ];
  if (r.latency) {
    const l = r.latency;
    lines.push(
      `PUBACK latency ms: p50 ${l.p50.toFixed(2)}, p99 ${l.p99.toFixed(2)}, max ${l.max.toFixed(2)}, mean ${l.mean.toFixed(2)} (${l.count} acks)`,
    );
  }
  return lines.join('\n');
}

function connect(
  url: string,
  o: { username: string; password: string; clientId: string },
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { ...o, reconnectPeriod: 0, connectTimeout: 10_000, clean: true });
    client.once('connect', () => {
      client.on('error', () => undefined);
      resolve(client);
    });
    client.once('error', (err) => {
      client.end(true);
      reject(new Error(`${o.username}: cannot connect to ${url}: ${err.message}`));
    });
  });
}
