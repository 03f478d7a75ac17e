/** Progress line and end-of-run summary of a scenario. Pure text. */
import { countBy, matchAlerts } from './match.js';
import type { ScenarioPlan, ScenarioResult } from './types.js';

export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k} ${v}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function formatProgress(p: {
  elapsedMs: number;
  durationMs: number;
  done: number;
  total: number;
  sent: Record<string, number>;
  alerts: number;
  plannedSeen: number;
  planned: number;
}): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  return (
    `[${s(p.elapsedMs)} / ${s(p.durationMs)}] actions ${p.done}/${p.total} · sent ${formatCounts(p.sent)} · ` +
    `alerts ${p.alerts} · planned seen ${p.plannedSeen}/${p.planned}`
  );
}

export function formatPlan(plan: ScenarioPlan): string {
  const lines = [
    `Plan for site ${plan.site}: seed ${plan.seed}, speed ${plan.speed}, ${plan.devices.length} devices, ` +
      `${plan.actions.length} actions, about ${(plan.durationMs / 1000).toFixed(0)} s`,
  ];
  for (const r of plan.rounds)
    lines.push(`  round ${r.route} #${r.round} (${r.kind}) at ${(r.start / 1000).toFixed(1)} s`);
  for (const e of plan.expected)
    lines.push(`  expect ${e.kind} at ${e.unit} by ${(e.by / 1000).toFixed(1)} s: ${e.why}`);
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

export function formatSummary(plan: ScenarioPlan, result: ScenarioResult): string {
  const lines: string[] = [];
  lines.push(
    `Scenario on ${plan.site} (seed ${plan.seed}, speed ${plan.speed}) ran ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  lines.push(`events sent:  ${formatCounts(result.sent)}`);
  lines.push(`alerts seen:  ${formatCounts(countBy(result.seen, (a) => a.kind))}`);
  const planned = countBy(result.planned, (e) => e.kind);
  const { matched } = matchAlerts(result.planned, result.seen);
  const hit = countBy(
    matched.map((m) => m.planned),
    (e) => e.kind,
  );
  lines.push('planned vs seen:');
  for (const kind of Object.keys(planned).sort()) {
    lines.push(`  ${kind.padEnd(16)} ${String(hit[kind] ?? 0).padStart(3)} of ${planned[kind]} seen`);
  }
  if (result.missing.length === 0) lines.push('missing: none — every planned alert was raised');
  else {
    lines.push(`missing: ${result.missing.length}`);
    for (const m of result.missing) lines.push(`  - ${m.kind} at ${m.unit}: ${m.why}`);
  }
  if (result.unplanned.length > 0) {
    lines.push(
      `unplanned alerts (not caused by this plan, e.g. schedule checks): ${result.unplanned.length}`,
    );
    for (const a of result.unplanned.slice(0, 10))
      lines.push(
        `  - ${a.kind} at ${a.unit}${a.route ? ` (${a.route})` : ''}${a.device ? ` (${a.device})` : ''}`,
      );
  }
  if (result.errors.length > 0) {
    lines.push(`errors: ${result.errors.length}`);
    for (const e of result.errors.slice(0, 10)) lines.push(`  - ${e}`);
  }
  return lines.join('\n');
}
