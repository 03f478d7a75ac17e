/**
 * Cross-reference checks of the patrol rules of issue 15 (docs/site-config.md
 * "Patrol rules"): checkpoint windows and walking-time pairs that name
 * checkpoints of their route, windows a tap can meet, dock ports that carry
 * wands, protection levels a route can satisfy. Each check is a value the
 * engine (engines/patrol/rules.ts, tour.ts, overdue.ts, ingest/records.ts)
 * would silently ignore or could never honour. Works on the raw YAML like
 * validate.ts (values of the wrong type are the schema's).
 */
import { joinPath, type Problem } from './problem.js';
import { parseDuration } from './schema.js';
import { didYouMean } from './suggest.js';

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (root: Rec, key: string): Rec[] => {
  const v = root[key];
  return Array.isArray(v) ? v.map((e) => (isRec(e) ? e : {})) : [];
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** ms, or undefined for a missing or malformed duration (the schema reports those). */
function ms(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
}

export function validatePatrol(raw: Rec, problems: Problem[], warnings: Problem[]): void {
  const checkpointIds = new Set<string>();
  for (const c of list(raw, 'checkpoints')) {
    const id = str(c.id);
    if (id !== undefined) checkpointIds.add(id);
  }
  list(raw, 'routes').forEach((r, i) => {
    checkRoute(r, i, checkpointIds, problems, warnings);
  });
  checkDocks(raw, warnings, problems);
  checkProtection(raw, warnings);
}

function checkRoute(
  r: Rec,
  i: number,
  checkpointIds: Set<string>,
  problems: Problem[],
  warnings: Problem[],
): void {
  const routeId = str(r.id) ?? '?';
  const onRoute = strings(r.checkpoints);
  const path = (...s: Array<string | number>) => joinPath(['routes', i, ...s]);
  /** Why a checkpoint named by a window or pair does not apply, or undefined when it is on the route. */
  const offRoute = (cp: string, unused: string): string | undefined => {
    if (onRoute.includes(cp)) return undefined;
    if (!checkpointIds.has(cp)) return `no checkpoint "${cp}"${didYouMean(cp, onRoute)}`;
    return `checkpoint "${cp}" is not on route "${routeId}" (${onRoute.join(', ')}): ${unused}`;
  };

  // Windows (tour.ts: early = offset < notBefore, late = offset > notAfter; the tour is missed at maxDuration).
  const max = ms(r.maxDuration);
  const routeNb = ms(r.notBefore);
  const routeNa = ms(r.notAfter);
  const impossible = (nb: number | undefined, na: number | undefined): string | undefined => {
    if (nb !== undefined && na !== undefined && nb > na)
      return `notBefore ${nb / 1000}s is after notAfter ${na / 1000}s: every tap would be early or late`;
    if (nb !== undefined && max !== undefined && nb >= max)
      return `notBefore ${nb / 1000}s is not before maxDuration ${max / 1000}s: every tap would be early`;
    return undefined;
  };
  const routeWrong = impossible(routeNb, routeNa);
  if (routeWrong !== undefined) problems.push({ path: path('notBefore'), message: routeWrong });
  const windows = r.windows;
  if (isRec(windows))
    for (const [cp, w] of Object.entries(windows)) {
      const p = path('windows', cp);
      const why = offRoute(cp, 'this window is never used');
      if (why !== undefined) {
        problems.push({ path: p, message: why });
        continue;
      }
      if (cp === onRoute[0]) {
        warnings.push({
          path: p,
          message: `"${cp}" is the route's first checkpoint: its tap starts the tour, a window on it is ignored`,
        });
        continue;
      }
      if (!isRec(w) || (w.notBefore === undefined && w.notAfter === undefined)) continue;
      const wrong = impossible(ms(w.notBefore) ?? routeNb, ms(w.notAfter) ?? routeNa);
      // the route's own pair is reported once, at the route
      if (wrong !== undefined && wrong !== routeWrong) problems.push({ path: p, message: wrong });
    }

  // Walking times (rules.ts: pairs are looked up by the route's consecutive taps, both directions; the last wins).
  const travel = r.travel;
  if (!isRec(travel) || !Array.isArray(travel.pairs)) return;
  const seen = new Map<string, string>();
  travel.pairs.forEach((pair: unknown, j: number) => {
    if (!isRec(pair) || !Array.isArray(pair.between)) return;
    const between = pair.between;
    const [a, b] = between;
    let bad = false;
    between.forEach((cp: unknown, k: number) => {
      const why = typeof cp === 'string' ? offRoute(cp, 'this pair is never checked') : undefined;
      if (why === undefined) return;
      bad = true;
      problems.push({ path: path('travel', 'pairs', j, 'between', k), message: why });
    });
    if (bad || typeof a !== 'string' || typeof b !== 'string') return;
    const p = path('travel', 'pairs', j, 'between');
    if (a === b) {
      problems.push({
        path: p,
        message: `a walking time is between two different checkpoints, not "${a}" and itself`,
      });
      return;
    }
    const key = [a, b].sort().join('\u0000');
    const first = seen.get(key);
    if (first)
      warnings.push({
        path: p,
        message: `"${a}" and "${b}" are already paired at ${first}: this min replaces that one`,
      });
    else seen.set(key, path('travel', 'pairs', j));
  });
}

/** A dock uploads offline wand records; ingest/records.ts refuses records of a device that is not a reader. */
function checkDocks(raw: Rec, warnings: Problem[], problems: Problem[]): void {
  const devices = new Map<string, Rec>();
  for (const d of list(raw, 'devices')) {
    const id = str(d.id);
    if (id !== undefined && !devices.has(id)) devices.set(id, d);
  }
  list(raw, 'serial').forEach((s, i) => {
    if (s.driver !== 'dock' || !Array.isArray(s.devices)) return;
    s.devices.forEach((id: unknown, j: number) => {
      const d = typeof id === 'string' ? devices.get(id) : undefined;
      if (d === undefined) return; // an unknown device is reported by validate.ts
      const p = `serial[${i}].devices[${j}]`;
      if (d.kind !== 'reader')
        problems.push({
          path: p,
          message: `"${String(id)}" is a ${String(d.kind)} device; a dock port carries offline wands (kind reader), its records would be refused`,
        });
      else if (typeof d.checkpoint === 'string')
        warnings.push({
          path: p,
          message: `"${String(id)}" is a reader fixed at checkpoint "${d.checkpoint}", not a wand; a dock carries wands (readers without a checkpoint)`,
        });
    });
  });
}

/** overdue.ts: a unit is patrolled only by a completed tour of a route through one of its checkpoints. */
function checkProtection(raw: Rec, warnings: Problem[]): void {
  const unitOfCheckpoint = new Map<string, string>();
  for (const c of list(raw, 'checkpoints')) {
    const id = str(c.id);
    const unit = str(c.unit);
    if (id !== undefined && unit !== undefined) unitOfCheckpoint.set(id, unit);
  }
  const patrolled = new Set<string>();
  for (const r of list(raw, 'routes'))
    for (const cp of strings(r.checkpoints)) {
      const unit = unitOfCheckpoint.get(cp);
      if (unit !== undefined) patrolled.add(unit);
    }
  list(raw, 'units').forEach((u, i) => {
    const level = u.protectionLevel;
    const id = str(u.id);
    if (typeof level !== 'number' || id === undefined || patrolled.has(id)) return;
    warnings.push({
      path: `units[${i}].protectionLevel`,
      message: `no route passes a checkpoint of unit "${id}": it can never be patrolled and is reported overdue every gap of level ${level}`,
    });
  });
}
