/** What every benchmark returns to bench/run.ts. */
export interface BenchContext {
  quick: boolean;
  log(line: string): void;
}

export type Cell = string | number | null;

export interface BenchReport {
  name: string;
  title: string;
  /** Printed as a table, in order; the first row's keys are the columns. */
  rows: Record<string, Cell>[];
  /** Lines printed under the table (targets met or not, what the numbers mean). */
  notes: string[];
  /** Everything measured, written to bench/results. */
  data: unknown;
}

export const ratio = (x: number, ref: number): number | null =>
  ref > 0 && Number.isFinite(x) ? Math.round((x / ref) * 100) / 100 : null;
