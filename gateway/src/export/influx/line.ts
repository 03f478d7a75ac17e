/**
 * Points → InfluxDB line protocol (ms precision), the same bytes node-influx's
 * `writePoints` sends with our schemas, without its per-point work (schema
 * lookup, field pairs, key lists). Escaping is node-influx's own `escape`;
 * fields come in sorted name order and tags in the point's order, as there.
 * A point the schema does not allow throws, as `writePoints` did, so the
 * writer can quarantine it.
 */
import { FieldType, type IPoint, escape as lineEscape } from 'influx';
import { type Measurement, SCHEMAS } from './points.js';

interface Encoding {
  /** The escaped measurement. */
  prefix: string;
  tags: ReadonlySet<string>;
  /** Sorted by name, with their escaped `name=`. */
  fields: readonly { name: string; key: string; type: FieldType }[];
}

const ENCODINGS = new Map<string, Encoding>(
  (Object.keys(SCHEMAS) as Measurement[]).map((m) => [
    m,
    {
      prefix: lineEscape.measurement(m),
      tags: new Set(SCHEMAS[m].tags),
      fields: Object.keys(SCHEMAS[m].fields)
        .sort()
        .map((name) => ({
          name,
          key: `${lineEscape.tag(name)}=`,
          type: SCHEMAS[m].fields[name] as FieldType,
        })),
    },
  ]),
);

/** Escaped tag values repeat (zones, units, devices): remembered, up to a bound. */
const TAG_CACHE_MAX = 10_000;
const tagCache = new Map<string, string>();

function escapeTag(value: string): string {
  let escaped = tagCache.get(value);
  if (escaped === undefined) {
    escaped = lineEscape.tag(value);
    if (tagCache.size >= TAG_CACHE_MAX) tagCache.clear();
    tagCache.set(value, escaped);
  }
  return escaped;
}

function fieldValue(type: FieldType, value: unknown, ref: string): string {
  switch (type) {
    case FieldType.STRING:
      return lineEscape.quoted(String(value));
    case FieldType.INTEGER:
      if (typeof value !== 'number')
        throw new Error(`Expected numeric value for ${ref}, but got '${value}'!`);
      return `${Math.floor(value)}i`;
    case FieldType.FLOAT:
      if (typeof value !== 'number')
        throw new Error(`Expected numeric value for ${ref}, but got '${value}'!`);
      return String(value);
    case FieldType.BOOLEAN:
      if (typeof value !== 'boolean')
        throw new Error(`Expected boolean value for ${ref}, but got a ${typeof value}!`);
      return value ? 'T' : 'F';
  }
  throw new Error(`Unknown field type ${type} for ${ref}`);
}

/** One point's line; throws when the point does not fit its measurement's schema. */
export function encodeLine(point: IPoint): string {
  const measurement = point.measurement ?? '';
  const enc = ENCODINGS.get(measurement);
  if (!enc) throw new Error(`No schema for measurement '${measurement}'`);
  let line = enc.prefix;
  const tags = point.tags ?? {};
  for (const name in tags) {
    if (!Object.hasOwn(tags, name)) continue;
    if (!enc.tags.has(name)) throw new Error(`Extraneous tags detected for ${measurement}: \`${name}\`.`);
    line += `,${escapeTag(name)}=${escapeTag(tags[name] as string)}`;
  }
  const fields = point.fields ?? {};
  let consumed = 0;
  let first = true;
  for (const f of enc.fields) {
    if (!Object.hasOwn(fields, f.name)) continue;
    consumed += 1;
    const value: unknown = fields[f.name];
    if (value === null || value === undefined) continue;
    line += (first ? ' ' : ',') + f.key + fieldValue(f.type, value, `${measurement}.${f.name}`);
    first = false;
  }
  if (consumed !== Object.keys(fields).length) {
    const extra = Object.keys(fields).filter((k) => !enc.fields.some((f) => f.name === k));
    throw new Error(`Extraneous fields detected for ${measurement}: \`${extra.join('`, `')}\`.`);
  }
  const ts = point.timestamp;
  if (typeof ts === 'number') {
    if (ts !== 0) line += ` ${ts}`;
  } else if (typeof ts === 'string') {
    if (ts !== '') line += ` ${ts}`;
  } else if (ts !== undefined) {
    throw new Error('Expected a timestamp in epoch ms');
  }
  return line;
}
