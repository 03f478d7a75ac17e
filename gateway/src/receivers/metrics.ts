/** The receivers' Prometheus metrics, per receiver (re-registered on every start). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReceiverHealth, WorkerCounters } from './worker.js';

const NAMES = [
  'guardpost_arc_backlog_entries',
  'guardpost_arc_backlog_age_seconds',
  'guardpost_arc_up',
  'guardpost_arc_missed_supervision',
  'guardpost_arc_frames_total',
];

export function createReceiverMetrics(registry: Registry, health: () => ReceiverHealth[]): WorkerCounters {
  for (const name of NAMES) registry.removeSingleMetric(name);
  const gauge = (name: string, help: string, value: (h: ReceiverHealth) => number): Gauge<'receiver'> =>
    new Gauge({
      name,
      help,
      labelNames: ['receiver'],
      registers: [registry],
      collect() {
        for (const h of health()) this.set({ receiver: h.id }, value(h));
      },
    });
  gauge(
    'guardpost_arc_backlog_entries',
    'Journal entries not yet past the receiver cursor (reports wait among them)',
    (h) => h.backlog.entries,
  );
  gauge(
    'guardpost_arc_backlog_age_seconds',
    'Age of the oldest journal entry not yet past the receiver cursor',
    (h) => h.backlog.oldestAgeMs / 1000,
  );
  gauge('guardpost_arc_up', '1 when the receiver ACKs (no missed supervision, no link error)', (h) =>
    h.state === 'down' ? 0 : 1,
  );
  gauge(
    'guardpost_arc_missed_supervision',
    'Supervision intervals in a row without any ACK',
    (h) => h.missedSupervision,
  );
  const frames = new Counter({
    name: 'guardpost_arc_frames_total',
    help: 'DC-09 frames sent by type (report, null) and what came back (ack, nak, duh, timeout, error)',
    labelNames: ['receiver', 'type', 'answer'],
    registers: [registry],
  });
  return {
    frame(receiver, type, answer) {
      frames.inc({ receiver, type, answer });
    },
  };
}
