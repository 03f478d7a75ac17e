/** The gateway's own Prometheus metrics (extensions add theirs to the same registry). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  connections: Gauge;
  events: Counter<'kind' | 'transport'>;
  duplicates: Counter;
  rejects: Counter<'reason'>;
  refusals: Counter<'action'>;
  authFailures: Counter<'transport' | 'reason'>;
  journalBytes: Gauge;
  journalEntries: Gauge;
  journalWritable: Gauge;
  ackLatency: Histogram;
  alertsPublished: Counter;
  limitCloses: Counter<'limit' | 'transport'>;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'guardpost_process_' });
  return {
    registry,
    connections: new Gauge({
      name: 'guardpost_mqtt_connections',
      help: 'Connected MQTT clients',
      registers: [registry],
    }),
    events: new Counter({
      name: 'guardpost_events_total',
      help: 'Accepted device events by kind',
      labelNames: ['kind', 'transport'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'guardpost_events_duplicate_total',
      help: 'Repeats of (device, seq) within 10 minutes, recorded once',
      registers: [registry],
    }),
    rejects: new Counter({
      name: 'guardpost_rejects_total',
      help: 'Refused device inputs by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'guardpost_acl_refusals_total',
      help: 'Publishes and subscriptions refused by the ACL',
      labelNames: ['action'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'guardpost_auth_failures_total',
      help: 'Refused logins by transport (mqtt, http, nodered) and reason (bad_credentials, anonymous, throttled, client_id, error)',
      labelNames: ['transport', 'reason'],
      registers: [registry],
    }),
    journalBytes: new Gauge({
      name: 'guardpost_journal_bytes',
      help: 'Journal size on disk',
      registers: [registry],
    }),
    journalEntries: new Gauge({
      name: 'guardpost_journal_entries',
      help: 'Entries in the journal',
      registers: [registry],
    }),
    journalWritable: new Gauge({
      name: 'guardpost_journal_writable',
      help: '1 when the journal can write',
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'guardpost_ingest_ack_seconds',
      help: 'From PUBLISH received to the event durable in the journal (PUBACK may go out)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    alertsPublished: new Counter({
      name: 'guardpost_alert_messages_total',
      help: 'Alert state messages published to units',
      registers: [registry],
    }),
    limitCloses: new Counter({
      name: 'guardpost_mqtt_limit_closes_total',
      help: 'MQTT connections closed by a connection limit (outbound_buffer, max_packet, malformed_length)',
      labelNames: ['limit', 'transport'],
      registers: [registry],
    }),
  };
}

/**
 * A short label for a reject reason with a bounded set of values: the text
 * before any ":" or "(", without words that carry ids, numbers or paths
 * ("unknown device U02-X" → "unknown device"), at most four words.
 * (Ids in a site almost always carry digits; one that does not still only
 * adds a label per such device.)
 */
export function reasonLabel(reason: string): string {
  const head = reason.split(/[:(]/)[0] ?? reason;
  const words = head
    .trim()
    .split(/\s+/)
    .filter((w) => w === 'UTF-8' || (w.length > 0 && !/[0-9/]/.test(w)));
  return words.slice(0, 4).join(' ').slice(0, 40) || 'other';
}
