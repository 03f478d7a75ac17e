/** Prometheus metrics of the serial ports, registered once per registry. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface SerialMetrics {
  up: Gauge<'port'>;
  lines: Counter<'port' | 'result'>;
  reopens: Counter<'port'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function serialMetrics(registry: Registry): SerialMetrics {
  return {
    up:
      existing<Gauge<'port'>>(registry, 'guardpost_serial_port_up') ??
      new Gauge({
        name: 'guardpost_serial_port_up',
        help: 'Serial port open (1) or down (0)',
        labelNames: ['port'],
        registers: [registry],
      }),
    lines:
      existing<Counter<'port' | 'result'>>(registry, 'guardpost_serial_lines_total') ??
      new Counter({
        name: 'guardpost_serial_lines_total',
        help: 'Serial lines by result (accepted, duplicate, rejected, error)',
        labelNames: ['port', 'result'],
        registers: [registry],
      }),
    reopens:
      existing<Counter<'port'>>(registry, 'guardpost_serial_reopens_total') ??
      new Counter({
        name: 'guardpost_serial_reopens_total',
        help: 'Serial ports reopened after being lost',
        labelNames: ['port'],
        registers: [registry],
      }),
  };
}
