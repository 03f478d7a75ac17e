/**
 * Benchmark load generator, run in its own process (one mqtt.js connection
 * per device). Two modes:
 *
 * - `window` (closed loop, for throughput): every device keeps at most
 *   `window` QoS 1 publishes unacknowledged and sends the next one as soon as
 *   a PUBACK frees a slot. At QoS 0 a device sends `window` messages and then
 *   one QoS 1 marker; the marker's PUBACK means the broker has handled every
 *   message before it (one connection is handled in order), so the next
 *   batch goes. Every message is counted, the marker too.
 * - `rate` (open loop): streams of taps or heartbeats at a fixed total rate,
 *   spread over their devices (simulators/load.ts sends taps only).
 *
 * Prints `CONNECTED <ms>` once every device is connected, then
 * `RESULT <json>` (a LoadResult). Usage:
 * node --import tsx bench/lib/load.ts '<LoadSpec as JSON>'
 */
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../gateway/src/topics.js';
import { type Summary, summarize } from './stats.js';

export type MessageKind = 'tap' | 'heartbeat';

export interface LoadSpec {
  url: string;
  devices: string[];
  /** null: anonymous (bare brokers). */
  password: string | null;
  qos: 0 | 1;
  mode:
    | { kind: 'window'; window: number }
    | { kind: 'rate'; streams: { kind: MessageKind; devices: string[]; perSecond: number }[] };
  warmupMs: number;
  durationMs: number;
  /** Card or tag UID sent in taps. */
  tapUid: string;
  /** First seq of every device (keep runs against one gateway apart: it drops duplicate seqs). */
  seqBase: number;
  /**
   * CONNECTs in flight at once (default 8): the gateway's login back-off
   * counts logins still being checked from one address as failures past a
   * free allowance, and every bench client comes from 127.0.0.1.
   */
  connectConcurrency?: number;
}

export interface LoadResult {
  devices: number;
  qos: 0 | 1;
  connectMs: number;
  /** Messages completed (acknowledged, or handled before an acknowledged marker) in the measured window. */
  messages: number;
  seconds: number;
  rate: number;
  sent: number;
  errors: number;
  /** PUBACK latency in the measured window, ms (QoS 1 publishes and QoS 0 markers excluded). */
  latency: Summary | null;
}

interface Device {
  id: string;
  client: MqttClient;
  seq: number;
  inflight: number;
}

function connectDevice(url: string, id: string, password: string | null): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: `${id}-bench-${Math.random().toString(16).slice(2, 8)}`,
      ...(password === null ? {} : { username: id, password }),
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      clean: true,
      keepalive: 120,
    });
    client.once('connect', () => {
      client.on('error', () => undefined);
      resolve(client);
    });
    client.once('error', (err) => {
      client.end(true);
      reject(new Error(`${id}: cannot connect to ${url}: ${err.message}`));
    });
  });
}

export async function runBenchLoad(spec: LoadSpec, onConnected?: (ms: number) => void): Promise<LoadResult> {
  const t0 = performance.now();
  const devices: Device[] = [];
  const size = spec.connectConcurrency ?? 8;
  try {
    for (let k = 0; k < spec.devices.length; k += size) {
      const batch = spec.devices.slice(k, k + size);
      const clients = await Promise.all(batch.map((id) => connectDevice(spec.url, id, spec.password)));
      clients.forEach((client, j) => {
        devices.push({ id: batch[j] ?? '', client, seq: spec.seqBase, inflight: 0 });
      });
    }
    const connectMs = performance.now() - t0;
    onConnected?.(connectMs);
    const byId = new Map(devices.map((d) => [d.id, d]));

    const start = performance.now();
    const measureFrom = start + spec.warmupMs;
    const end = measureFrom + spec.durationMs;
    const latencies: number[] = [];
    let messages = 0;
    let sent = 0;
    let errors = 0;
    let stopping = false;
    let outstanding = 0;

    const payload = (d: Device, kind: MessageKind): string => {
      d.seq = (d.seq + 1) >>> 0;
      if (kind === 'heartbeat') return `{"battery":87,"rssi":-61,"tamper":false,"seq":${d.seq}}`;
      return `{"uid":"${spec.tapUid}","seq":${d.seq},"ts":"${new Date().toISOString()}"}`;
    };
    const send = (
      d: Device,
      kind: MessageKind,
      qos: 0 | 1,
      done?: (err: boolean, ms: number) => void,
    ): void => {
      const t = performance.now();
      sent++;
      outstanding++;
      d.client.publish(topics.device(d.id, kind), payload(d, kind), { qos }, (err) => {
        outstanding--;
        if (err) errors++;
        done?.(Boolean(err), performance.now() - t);
      });
    };
    const inWindow = (): boolean => {
      const now = performance.now();
      return now >= measureFrom && now < end;
    };

    await new Promise<void>((resolve) => {
      const mode = spec.mode;
      if (mode.kind === 'window') {
        const w = Math.max(1, mode.window);
        const pump = (d: Device): void => {
          // a device the broker dropped (a rate limit, say) stops: no busy loop of failing publishes
          if (stopping || !d.client.connected) return;
          if (spec.qos === 1) {
            while (d.inflight < w) {
              d.inflight++;
              send(d, 'tap', 1, (err, ms) => {
                d.inflight--;
                if (!err && inWindow()) {
                  messages++;
                  latencies.push(ms);
                }
                pump(d);
              });
            }
          } else if (d.inflight === 0) {
            d.inflight = 1;
            for (let i = 0; i < w; i++) send(d, 'tap', 0);
            send(d, 'tap', 1, (err) => {
              d.inflight = 0;
              if (!err && inWindow()) messages += w + 1;
              setImmediate(() => pump(d));
            });
          }
        };
        for (const d of devices) pump(d);
        setTimeout(() => {
          stopping = true;
          resolve();
        }, end - performance.now());
      } else {
        // one scheduler: each stream catches up to rate × elapsed, round robin over its devices
        const streams = mode.streams.map((s) => ({
          ...s,
          members: s.devices.map((id) => byId.get(id)).filter((d): d is Device => d !== undefined),
          due: 0,
        }));
        const tick = (): void => {
          const now = performance.now();
          for (const s of streams) {
            const target = Math.floor(((Math.min(now, end) - start) / 1000) * s.perSecond);
            while (s.due < target && s.members.length > 0) {
              const d = s.members[s.due % s.members.length] as Device;
              s.due++;
              send(d, s.kind, spec.qos, (err, ms) => {
                if (err || !inWindow()) return;
                messages++;
                if (spec.qos === 1) latencies.push(ms);
              });
            }
          }
          if (now >= end) resolve();
          else setTimeout(tick, 5);
        };
        tick();
      }
    });
    // let the last acknowledgements in (bounded)
    const drainUntil = performance.now() + 5000;
    while (performance.now() < drainUntil && outstanding > 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = spec.durationMs / 1000;
    return {
      devices: devices.length,
      qos: spec.qos,
      connectMs,
      messages,
      seconds,
      rate: messages / seconds,
      sent,
      errors,
      latency: latencies.length > 0 ? summarize(latencies) : null,
    };
  } finally {
    await Promise.all(devices.map((d) => new Promise<void>((r) => d.client.end(true, {}, () => r()))));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  runBenchLoad(spec, (ms) => console.log(`CONNECTED ${ms.toFixed(0)}`)).then(
    (r) => {
      console.log(`RESULT ${JSON.stringify(r)}`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
