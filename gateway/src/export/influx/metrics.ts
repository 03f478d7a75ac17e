/** The exporter's Prometheus metrics (re-registered on every start). */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ExportMetrics {
  backlogEvents: Gauge;
  backlogAge: Gauge;
  written: Counter;
  errors: Counter<'kind'>;
  quarantined: Counter;
  lost: Counter;
}

const NAMES = [
  'guardpost_influx_backlog_events',
  'guardpost_influx_backlog_age_seconds',
  'guardpost_influx_points_written_total',
  'guardpost_influx_write_errors_total',
  'guardpost_influx_quarantined_total',
  'guardpost_influx_lost_to_retention_total',
];

/** `backlog` is read at scrape time. */
export function createExportMetrics(
  registry: Registry,
  backlog: () => { events: number; oldestAgeMs: number },
): ExportMetrics {
  for (const name of NAMES) registry.removeSingleMetric(name);
  return {
    backlogEvents: new Gauge({
      name: 'guardpost_influx_backlog_events',
      help: 'Journal entries not yet exported to InfluxDB',
      registers: [registry],
      collect() {
        this.set(backlog().events);
      },
    }),
    backlogAge: new Gauge({
      name: 'guardpost_influx_backlog_age_seconds',
      help: 'Age of the oldest journal entry not yet exported to InfluxDB',
      registers: [registry],
      collect() {
        this.set(backlog().oldestAgeMs / 1000);
      },
    }),
    written: new Counter({
      name: 'guardpost_influx_points_written_total',
      help: 'Points written to InfluxDB (re-sends after a crash count again)',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'guardpost_influx_write_errors_total',
      help: 'Failed InfluxDB requests by kind (connection, timeout, server, auth, not_found, bad_points, too_large, client)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'guardpost_influx_quarantined_total',
      help: 'Points InfluxDB refused, kept in the journal table influx_quarantine',
      registers: [registry],
    }),
    lost: new Counter({
      name: 'guardpost_influx_lost_to_retention_total',
      help: 'Journal entries deleted by retention before they reached InfluxDB',
      registers: [registry],
    }),
  };
}
