/** Markdown tables for the benchmark output (also pasted into docs/performance.md). */
import type { Cell } from './types.js';

export function formatTable(rows: Record<string, Cell>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] ?? {});
  const text = (v: Cell | undefined): string => (v === null || v === undefined ? '–' : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join(' | ')} |`;
  return [
    line(cols),
    `|${width.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map((r) => line(cols.map((c) => text(r[c])))),
  ].join('\n');
}
