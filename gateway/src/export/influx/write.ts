/**
 * One batch to InfluxDB. When InfluxDB refuses some points, the batch is
 * split until each refused point stands alone; those are returned for
 * quarantine and the rest is written. Transport errors propagate: the whole
 * batch is retried from the cursor.
 */
import { type InfluxDB, type IPoint, escape as lineEscape } from 'influx';
import type { Logger } from 'pino';
import { classifyWriteError, PointEncodingError } from './errors.js';
import type { ExportMetrics } from './metrics.js';
import type { PendingPoint, QuarantineRow } from './store.js';

export interface BatchWriterOptions {
  client: InfluxDB;
  database: string;
  retentionPolicy: string | undefined;
  log: Logger;
  metrics: ExportMetrics;
}

export class BatchWriter {
  constructor(private readonly o: BatchWriterOptions) {}

  /** Write the points; returns the ones InfluxDB refused, one by one. */
  async writeBisect(points: readonly PendingPoint[]): Promise<QuarantineRow[]> {
    if (points.length === 0) return [];
    try {
      await this.post(points.map((p) => p.point));
      return [];
    } catch (err) {
      const c = classifyWriteError(err);
      if (c.kind !== 'bad_points' && c.kind !== 'too_large') throw err;
      this.o.metrics.errors.inc({ kind: c.kind });
      if (points.length === 1) {
        const p = points[0] as PendingPoint;
        const line = this.toLine(p.point);
        this.o.log.warn(
          { seq: p.seq, measurement: p.point.measurement, line, status: c.status, error: c.message },
          'InfluxDB refused a point: quarantined (table influx_quarantine)',
        );
        return [
          { seq: p.seq, measurement: p.point.measurement ?? '', line, error: c.message, at: Date.now() },
        ];
      }
      const mid = Math.ceil(points.length / 2);
      const left = await this.writeBisect(points.slice(0, mid));
      const right = await this.writeBisect(points.slice(mid));
      return [...left, ...right];
    }
  }

  private async post(points: IPoint[]): Promise<void> {
    let pending: Promise<void>;
    try {
      pending = this.o.client.writePoints(points, {
        precision: 'ms',
        database: this.o.database,
        retentionPolicy: this.o.retentionPolicy,
      });
    } catch (err) {
      // schema coercion runs synchronously before the request
      throw new PointEncodingError(err instanceof Error ? err.message : String(err));
    }
    await pending;
  }

  /** The line protocol of a refused point, for the quarantine table. */
  private toLine(point: IPoint): string {
    try {
      const p = this.o.client.parsePoint(point, { precision: 'ms', database: this.o.database });
      let line = lineEscape.measurement(p.measurement ?? '');
      for (const name of p.tagsNames)
        line += `,${lineEscape.tag(name)}=${lineEscape.tag(p.tags?.[name] ?? '')}`;
      line += ` ${p.fieldsPairs.map(([k, v]) => `${lineEscape.tag(k)}=${v}`).join(',')}`;
      if (p.castedTimestamp !== undefined) line += ` ${p.castedTimestamp}`;
      return line;
    } catch {
      return JSON.stringify(point);
    }
  }
}
