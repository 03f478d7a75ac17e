/** Turning InfluxDB /query JSON into rows for assertions. */
import type { RunningInfluxd } from '../support/influxd.js';

export type Row = Record<string, unknown>;

interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface QueryBody {
  results?: { series?: Series[]; error?: string }[];
}

/** Every row of every series of the first statement, with `measurement` from the series name. */
export async function rows(influx: RunningInfluxd, q: string, db: string): Promise<Row[]> {
  const body = (await influx.query(q, db)) as QueryBody;
  const result = body.results?.[0];
  if (result?.error) throw new Error(`${q}: ${result.error}`);
  const out: Row[] = [];
  for (const s of result?.series ?? []) {
    for (const v of s.values) {
      const row: Row = { measurement: s.name, ...(s.tags ?? {}) };
      s.columns.forEach((c, i) => {
        row[c] = v[i];
      });
      out.push(row);
    }
  }
  return out;
}

/** `SELECT count(x) FROM m` as a number (0 when the measurement is empty). */
export async function count(influx: RunningInfluxd, q: string, db: string): Promise<number> {
  const r = await rows(influx, q, db);
  const value = r[0]?.count;
  return typeof value === 'number' ? value : 0;
}

/** SHOW TAG KEYS / SHOW FIELD KEYS of one measurement. */
export async function tagKeys(influx: RunningInfluxd, m: string, db: string): Promise<string[]> {
  return (await rows(influx, `SHOW TAG KEYS FROM "${m}"`, db)).map((r) => String(r.tagKey)).sort();
}

export async function fieldKeys(
  influx: RunningInfluxd,
  m: string,
  db: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await rows(influx, `SHOW FIELD KEYS FROM "${m}"`, db))
    out[String(r.fieldKey)] = String(r.fieldType);
  return out;
}
