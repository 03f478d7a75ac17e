/**
 * Alarm-handling metrics (docs/alerts.md "Metrics"): the alert engine is pure,
 * so its outcomes are counted here from the `alert` records each commit
 * appended: troubles restored (closed by the gateway or left to a person),
 * alerts folded into storm groups, drills and tests raised, resolutions by
 * classification. One pass over a commit's entries; no state of its own.
 */
import { Counter, type Registry } from 'prom-client';
import type { JournalEntry } from '../journal/types.js';
import type { Extension, GatewayContext } from '../ports.js';

interface AlarmMetrics {
  restored: Counter<'kind' | 'closed'>;
  grouped: Counter<'kind'>;
  drills: Counter<'mode'>;
  resolved: Counter<'classification'>;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  return (
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

function alarmMetrics(registry: Registry): AlarmMetrics {
  return {
    restored: counter(
      registry,
      'guardpost_alerts_restored_total',
      'Troubles restored (closed: auto by the gateway, or left to a person)',
      ['kind', 'closed'],
    ),
    grouped: counter(
      registry,
      'guardpost_alerts_grouped_total',
      'Alerts folded into or joining a storm group',
      ['kind'],
    ),
    drills: counter(
      registry,
      'guardpost_alerts_drill_total',
      'Alerts raised in a drill or a button-test window',
      ['mode'],
    ),
    resolved: counter(
      registry,
      'guardpost_alerts_resolved_total',
      'Alerts resolved by a person, by classification (none: unclassified)',
      ['classification'],
    ),
  };
}

/** Count one commit's alert records. Exported for tests. */
export function countAlarmRecords(m: AlarmMetrics, entries: readonly JournalEntry[]): void {
  for (const e of entries) {
    if (e.body.type !== 'alert' || !e.body.action) continue;
    const { alert: a, action } = e.body;
    if (action.action === 'restore' && a.restored === true)
      m.restored.inc({ kind: a.kind, closed: action.detail?.autoResolved === true ? 'auto' : 'manual' });
    if (action.action === 'group' && (action.detail?.into !== undefined || action.detail?.join !== undefined))
      m.grouped.inc({ kind: a.kind });
    if (action.action === 'raise' && a.mode && !action.detail?.again) m.drills.inc({ mode: a.mode });
    if (action.action === 'resolve' && action.by !== 'system')
      m.resolved.inc({ classification: a.classification ?? 'none' });
  }
}

export function createAlarmExtension(): Extension {
  let off: (() => void) | null = null;
  return {
    name: 'alarm',
    async start(ctx: GatewayContext): Promise<void> {
      const m = alarmMetrics(ctx.metrics);
      off = ctx.onCommitted((entries) => countAlarmRecords(m, entries));
    },
    async stop(): Promise<void> {
      off?.();
      off = null;
    },
  };
}
