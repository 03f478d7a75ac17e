/** Pieces shared by the bulletin's HTML sections: tables, key figures, colours, unit charts. */
import { pct } from './suggestions.js';
import { escapeXml as esc, type HBarChartSpec, hbarChart } from './svg.js';
import type { UnitRef } from './types.js';

export const C = { now: '#c62828', before: '#90a4ae', ok: '#2e7d32', warn: '#ef6c00', blue: '#1565c0' };

export const share = (v: number | null): string => (v === null ? '—' : pct(v));
export const signed = (v: number): string => (v > 0 ? `+${v}` : String(v));

export function table(head: [string, string][], rows: (string | number)[][], cls = ''): string {
  const th = head.map(([zh, en]) => `<th>${esc(zh)}<br><small lang="en">${esc(en)}</small></th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${head.length}" class="empty">无 / none</td></tr>`
      : rows
          .map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? c : esc(c)}</td>`).join('')}</tr>`)
          .join('');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

export function kpi(value: string, zh: string, en: string): string {
  return `<div class="kpi"><div class="v">${esc(value)}</div><div class="l">${esc(zh)}<br><small lang="en">${esc(en)}</small></div></div>`;
}

/**
 * A chart of one figure per unit as horizontal bars with the units' full
 * names; a scope of several zones gets one chart per zone (small
 * multiples), so 200 units stay as readable as 37.
 */
export function unitChart(
  units: readonly UnitRef[],
  zones: readonly { id: string; name: string }[],
  spec: Omit<HBarChartSpec, 'categories' | 'series'> & {
    series: { name: string; color: string; value: (i: number) => number }[];
  },
): string {
  const present = zones.filter((z) => units.some((u) => u.zone === z.id));
  const draw = (rows: number[], title: string, width: number) =>
    hbarChart({
      ...spec,
      title,
      width,
      categories: rows.map((i) => units[i]?.name ?? ''),
      series: spec.series.map((s) => ({ name: s.name, color: s.color, values: rows.map((i) => s.value(i)) })),
    });
  const all = units.map((_, i) => i);
  if (present.length <= 1) return draw(all, spec.title, 720);
  return `<div class="multiples">${present
    .map((z) =>
      draw(
        all.filter((i) => units[i]?.zone === z.id),
        `${spec.title} · ${z.name}`,
        480,
      ),
    )
    .join('')}</div>`;
}
