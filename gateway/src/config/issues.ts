/**
 * zod issues → messages a technician can act on: `unknown key "zoen" (did
 * you mean "zone"?)`, `must be a duration like "90s", not the number 30`,
 * `is missing (required)`. Paths become `units[4].zone`.
 */
import { z } from 'zod';
import { joinPath, type PathSegment, type Problem } from './problem.js';
import { siteConfigSchema } from './schema.js';
import { didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

const DURATION_KEYS = new Set([
  'ackTimeout',
  'maxDuration',
  'every',
  'grace',
  'heartbeat',
  'retention',
  'linger',
  'window',
]);
const UID_KEYS = new Set(['card', 'tag']);
const DURATION_HINT = 'a duration like "90s", "30m" or "2h" (ms, s, m, h or d)';

export function schemaIssueProblems(
  issues: readonly Issue[],
  raw: unknown,
  source: string,
  sourceTextAt: (path: PathSegment[]) => string | undefined,
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues.flatMap(unfoldUnion)) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const at = (segments: PathSegment[]) => (segments.length === 0 ? source : joinPath(segments));
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        const message =
          hint !== '' || known.length === 0
            ? `unknown key${hint}`
            : `unknown key (allowed here: ${known.join(', ')})`;
        out.push({ path: at([...path, key]), message });
      }
      continue;
    }
    out.push({ path: at(path), message: describe(issue, path, raw, sourceTextAt) });
  }
  return out;
}

/**
 * A value no branch of a union accepts (an escalation that is neither a list
 * of ids nor a ladder): report the branch that got furthest into the value
 * (deepest issue, then fewest issues), with its paths made absolute, instead
 * of zod's bare "Invalid input".
 */
function unfoldUnion(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const depth = (branch: Issue[]): number => Math.max(...branch.map((i) => i.path.length));
  let best: Issue[] | undefined;
  for (const branch of issue.errors) {
    if (branch.length === 0) continue;
    if (
      !best ||
      depth(branch) > depth(best) ||
      (depth(branch) === depth(best) && branch.length < best.length)
    )
      best = branch;
  }
  if (!best) return [issue];
  return best.flatMap((i) => unfoldUnion({ ...i, path: [...issue.path, ...i.path] } as Issue));
}

function describe(
  issue: Issue,
  path: PathSegment[],
  raw: unknown,
  sourceTextAt: (path: PathSegment[]) => string | undefined,
): string {
  const key = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
  const last = path[path.length - 1];
  const { present, value } = valueAt(raw, path);
  switch (issue.code) {
    case 'invalid_type': {
      if (!present) return 'is missing (required)';
      if (value === null) return `is empty; it must be ${expected(issue.expected, key, last)}`;
      if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
        const text = sourceTextAt(path) ?? String(value);
        const quoted = JSON.stringify(text);
        if (DURATION_KEYS.has(key) && typeof value === 'number')
          return `must be ${DURATION_HINT}, not the number ${text}`;
        return `must be text: YAML reads ${text} as a ${typeof value}; write it in quotes: ${quoted}`;
      }
      return `must be ${expected(issue.expected, key, last)}, not ${what(value)}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v));
      const got = typeof value === 'string' ? value : String(value);
      return `"${got}" is not one of ${options.join(', ')}${didYouMean(got, options)}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return `must list at least ${min} ${min === 1 ? 'entry' : 'entries'}`;
      if (issue.origin === 'string')
        return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${min}, not ${what(value)}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must list at most ${max} entries`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}, not ${what(value)}`;
    }
    case 'invalid_format': {
      const got = typeof value === 'string' ? ` (got "${value}")` : '';
      if (!issue.message.startsWith('Invalid')) return `${issue.message}${got}`;
      if (issue.format === 'url') return `must be a URL like "http://127.0.0.1:8086"${got}`;
      return `is not a valid ${issue.format}${got}`;
    }
    case 'custom': {
      const got = typeof value === 'string' ? ` (got "${value}")` : '';
      return `${issue.message}${got}`;
    }
    default:
      return issue.message;
  }
}

function expected(type: string, key: string, last: PathSegment | undefined): string {
  switch (type) {
    case 'string':
      if (DURATION_KEYS.has(key) && last === key) return DURATION_HINT;
      if (UID_KEYS.has(key)) return 'a UID of hex digits, in quotes';
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list ([a, b] or lines starting with "- ")';
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    default:
      return type;
  }
}

function what(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text "${value}"`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function valueAt(raw: unknown, path: PathSegment[]): { present: boolean; value: unknown } {
  let cur: unknown = raw;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return { present: false, value: undefined };
    const container = cur as Record<string | number, unknown>;
    if (!(seg in container)) return { present: false, value: undefined };
    cur = container[seg];
  }
  return { present: true, value: cur };
}

/** The keys the schema allows in the object at `path` (for did-you-mean on unknown keys). */
function knownKeys(path: PathSegment[]): string[] {
  // through unions too: every branch that has an object at that path offers its keys
  let level: z.ZodType[] = [siteConfigSchema];
  for (const seg of path) {
    level = level.flatMap(branches).flatMap((s): z.ZodType[] => {
      if (s instanceof z.ZodArray && typeof seg === 'number') return [s.element as z.ZodType];
      if (s instanceof z.ZodObject && typeof seg === 'string') {
        const next = s.shape[seg] as z.ZodType | undefined;
        return next ? [next] : [];
      }
      if (s instanceof z.ZodRecord) return [s.valueType as z.ZodType];
      return [];
    });
  }
  const keys = level.flatMap(branches).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : []));
  return [...new Set(keys)];
}

/** A schema without its optional/default wrappers, split into its union's options. */
function branches(s: z.ZodType): z.ZodType[] {
  const u = unwrap(s);
  if (!u) return [];
  return u instanceof z.ZodUnion ? (u.options as z.ZodType[]).flatMap(branches) : [u];
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}
