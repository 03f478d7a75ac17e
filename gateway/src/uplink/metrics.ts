/** The uplink's Prometheus metrics (re-registered on every start); gauges are read at scrape time. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface UplinkMetrics {
  forwarded: Counter;
  reconnects: Counter;
  downstream: Counter<'result'>;
}

export interface UplinkGaugeSource {
  backlog(): { entries: number; oldestAgeMs: number };
  connected(): boolean;
  inFlight(): number;
}

const NAMES = [
  'guardpost_uplink_backlog_entries',
  'guardpost_uplink_backlog_age_seconds',
  'guardpost_uplink_connected',
  'guardpost_uplink_in_flight',
  'guardpost_uplink_forwarded_total',
  'guardpost_uplink_connects_total',
  'guardpost_uplink_downstream_total',
];

export function createUplinkMetrics(registry: Registry, src: UplinkGaugeSource): UplinkMetrics {
  for (const name of NAMES) registry.removeSingleMetric(name);
  new Gauge({
    name: 'guardpost_uplink_backlog_entries',
    help: 'Journal entries the city uplink has not yet had acknowledged upstream',
    registers: [registry],
    collect() {
      this.set(src.backlog().entries);
    },
  });
  new Gauge({
    name: 'guardpost_uplink_backlog_age_seconds',
    help: 'Age of the oldest journal entry not yet acknowledged upstream',
    registers: [registry],
    collect() {
      this.set(src.backlog().oldestAgeMs / 1000);
    },
  });
  new Gauge({
    name: 'guardpost_uplink_connected',
    help: '1 when the city uplink is connected to the upstream broker',
    registers: [registry],
    collect() {
      this.set(src.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'guardpost_uplink_in_flight',
    help: 'QoS 1 publishes awaiting their upstream PUBACK (bounded by uplink.window)',
    registers: [registry],
    collect() {
      this.set(src.inFlight());
    },
  });
  return {
    forwarded: new Counter({
      name: 'guardpost_uplink_forwarded_total',
      help: 'Messages acknowledged by the upstream broker (re-sends after a reconnect or crash count again)',
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'guardpost_uplink_connects_total',
      help: 'Successful connections to the upstream broker',
      registers: [registry],
    }),
    downstream: new Counter({
      name: 'guardpost_uplink_downstream_total',
      help: 'Commands from the city by result (applied, refused, throttled)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
