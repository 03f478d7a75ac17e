/**
 * Journal entry → InfluxDB points, per protocol.md §3. Pure: no clock, no I/O.
 *
 * Tags are only the ones the contract lists (unknown ones are left out, never
 * written empty); fields carry their declared types through SCHEMAS, because
 * node-influx without a schema writes every number as a float.
 * A point's time is the entry's `at` in epoch ms (event time for device
 * events, decision time for engine records). The exporter may move a point a
 * few ms later when two distinct points would otherwise share measurement,
 * tags and millisecond (see identity.ts, docs/influxdb.md).
 */
import { FieldType, type IPoint, type ISchemaOptions } from 'influx';
import type { Site } from '../../config/site.js';
import type { JournalEntry } from '../../journal/types.js';

export type Measurement = 'tap' | 'panic' | 'alert' | 'rollcall' | 'patrol' | 'device';

export interface MeasurementSchema {
  tags: readonly string[];
  fields: Record<string, FieldType>;
}

/** The contract (protocol.md §3): tags and typed fields of every measurement. */
export const SCHEMAS: Record<Measurement, MeasurementSchema> = {
  tap: {
    tags: ['zone', 'unit', 'device', 'checkpoint', 'guard', 'route'],
    fields: { uid: FieldType.STRING, seq: FieldType.INTEGER },
  },
  panic: { tags: ['zone', 'unit', 'device'], fields: { state: FieldType.STRING } },
  alert: {
    tags: ['zone', 'unit', 'kind', 'state'],
    fields: { id: FieldType.STRING, ack_ms: FieldType.INTEGER },
  },
  rollcall: {
    tags: ['zone', 'unit', 'call'],
    fields: { present: FieldType.INTEGER, late: FieldType.INTEGER, absent: FieldType.INTEGER },
  },
  patrol: {
    tags: ['zone', 'route'],
    fields: {
      expected: FieldType.INTEGER,
      visited: FieldType.INTEGER,
      missed: FieldType.INTEGER,
      late: FieldType.INTEGER,
      duration_s: FieldType.FLOAT,
      // extensions (docs/patrol-and-rollcall.md "Tour states")
      state: FieldType.STRING,
      early: FieldType.INTEGER,
      exceptions: FieldType.INTEGER,
      revision: FieldType.INTEGER,
    },
  },
  device: {
    tags: ['zone', 'unit', 'device', 'kind'],
    fields: { online: FieldType.BOOLEAN, battery: FieldType.INTEGER, rssi: FieldType.INTEGER },
  },
};

/** node-influx schemas for one database (coerces ints to `17i`, refuses stray tags/fields). */
export function influxSchemas(database: string): ISchemaOptions[] {
  return (Object.keys(SCHEMAS) as Measurement[]).map((measurement) => ({
    database,
    measurement,
    tags: [...SCHEMAS[measurement].tags],
    fields: { ...SCHEMAS[measurement].fields },
  }));
}

type Tags = Record<string, string>;
type Fields = Record<string, string | number | boolean>;

function point(
  measurement: Measurement,
  tags: Record<string, string | null | undefined>,
  fields: Fields,
  at: number,
): IPoint {
  const known: Tags = {};
  // sorted tag keys: what InfluxDB recommends for line protocol, and stable lines in quarantine
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (typeof v === 'string' && v !== '') known[k] = v;
  }
  return { measurement, tags: known, fields, timestamp: at };
}

/** The points one journal entry becomes (none for inputs the contract does not export). */
export function toPoints(entry: JournalEntry, site: Site): IPoint[] {
  const { body, at } = entry;
  switch (body.type) {
    case 'event': {
      const e = body.event;
      switch (e.kind) {
        case 'tap': {
          const fields: Fields = { uid: e.uid };
          if (e.seq !== null) fields.seq = e.seq;
          const tags = {
            zone: e.zone,
            unit: e.unit,
            device: e.device,
            checkpoint: e.checkpoint,
            guard: e.guard,
            route: e.route,
          };
          return [point('tap', tags, fields, at)];
        }
        case 'panic':
          return [point('panic', { zone: e.zone, unit: e.unit, device: e.device }, { state: e.state }, at)];
        case 'heartbeat': {
          // a heartbeat is proof of life: the device is online
          const fields: Fields = { online: true };
          if (e.battery !== null) fields.battery = Math.round(e.battery);
          if (e.rssi !== null) fields.rssi = Math.round(e.rssi);
          return [point('device', deviceTags(e.zone, e.unit, e.device, site), fields, at)];
        }
        case 'status':
          return [
            point(
              'device',
              deviceTags(e.zone, e.unit, e.device, site),
              { online: e.status === 'online' },
              at,
            ),
          ];
        case 'rollcall':
          // answers are summarised per unit at the deadline (rollcall-result)
          return [];
      }
      return [];
    }
    case 'alert': {
      const a = body.alert;
      const fields: Fields = { id: a.id };
      if (a.state === 'acknowledged' && typeof a.ackMs === 'number') fields.ack_ms = Math.round(a.ackMs);
      return [point('alert', { zone: a.zone, unit: a.unit, kind: a.kind, state: a.state }, fields, at)];
    }
    case 'rollcall-result': {
      const r = body.result;
      const fields: Fields = { present: r.present.length, late: r.late.length, absent: r.absent.length };
      return [point('rollcall', { zone: r.zone, unit: r.unit, call: r.call }, fields, at)];
    }
    case 'tour': {
      const t = body.tour;
      const fields: Fields = {
        expected: t.expected,
        visited: t.visited.length,
        missed: t.missed.length,
        late: t.late.length,
        duration_s: t.durationMs / 1000,
        state: t.state ?? t.status,
        early: t.early?.length ?? 0,
        exceptions: Object.values(t.exceptions ?? {}).reduce((a, b) => a + b, 0),
        revision: t.revision ?? 0,
      };
      // a tour of an offline wand is written at its own time, as if it had been online
      const time = t.uploadedAt ? t.endedAt : at;
      return [point('patrol', { zone: t.zone, route: t.route }, fields, time)];
    }
    case 'schedule-open':
      // a slot published as `scheduled`: state only, so sums and counts of tour fields leave it out
      return [point('patrol', { zone: body.zone, route: body.route }, { state: 'scheduled' }, at)];
    case 'op':
    case 'rollcall-start':
    case 'schedule-missed':
      return [];
  }
  return [];
}

function deviceTags(zone: string, unit: string, device: string, site: Site): Record<string, string | null> {
  return { zone, unit, device, kind: site.devices.get(device)?.kind ?? null };
}

/** measurement + sorted tag set: what InfluxDB identifies a series by. */
export function seriesKey(p: IPoint): string {
  const tags = p.tags ?? {};
  const names = Object.keys(tags).sort();
  return JSON.stringify([p.measurement ?? '', ...names.map((n) => [n, tags[n]])]);
}
