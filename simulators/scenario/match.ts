/** Planned vs seen alerts, by kind + unit (each seen alert accounts for one planned one). Pure. */
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { jsonRecord } from '../json.js';
import type { ExpectedAlert } from './types.js';

export interface AlertMatch {
  matched: { planned: ExpectedAlert; seen: AlertPayload }[];
  missing: ExpectedAlert[];
  unplanned: AlertPayload[];
}

export function matchAlerts(planned: readonly ExpectedAlert[], seen: readonly AlertPayload[]): AlertMatch {
  const pool = [...seen].sort((a, b) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : 0));
  const matched: AlertMatch['matched'] = [];
  const missing: ExpectedAlert[] = [];
  // the most specific first: a planned alert naming a route/device takes the alert that names it too
  const order = [...planned].sort((a, b) => specificity(b) - specificity(a));
  for (const p of order) {
    let i = pool.findIndex((s) => same(p, s) && (p.route === undefined || s.route === p.route));
    if (i < 0) i = pool.findIndex((s) => same(p, s));
    if (i < 0) {
      missing.push(p);
      continue;
    }
    const [s] = pool.splice(i, 1);
    if (s) matched.push({ planned: p, seen: s });
  }
  return { matched, missing, unplanned: pool };
}

function same(p: ExpectedAlert, s: AlertPayload): boolean {
  return p.kind === s.kind && p.unit === s.unit;
}

function specificity(p: ExpectedAlert): number {
  return (p.route ? 2 : 0) + (p.device ? 1 : 0);
}

/** Counts by a key, e.g. alerts by kind. */
export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

/** Reads an alert payload off the wire; null when it is not one. */
export function asAlert(payload: Buffer): AlertPayload | null {
  const o = jsonRecord(payload);
  if (o === null) return null;
  if (typeof o.id !== 'string' || typeof o.kind !== 'string' || typeof o.unit !== 'string') return null;
  if (typeof o.state !== 'string') return null;
  return o as unknown as AlertPayload;
}
