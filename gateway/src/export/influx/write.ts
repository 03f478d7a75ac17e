/**
 * One batch to InfluxDB. When InfluxDB refuses some points, the batch is
 * split until each refused point stands alone; those are returned for
 * quarantine and the rest is written. Transport errors propagate: the whole
 * batch is retried from the cursor.
 */
import type { Logger } from 'pino';
import { classifyWriteError, PointEncodingError } from './errors.js';
import { encodeLine } from './line.js';
import type { ExportMetrics } from './metrics.js';
import type { LinePoster } from './post.js';
import type { PendingPoint, QuarantineRow } from './store.js';

export interface BatchWriterOptions {
  pool: LinePoster;
  auth: string | undefined;
  database: string;
  retentionPolicy: string | undefined;
  log: Logger;
  metrics: ExportMetrics;
}

export class BatchWriter {
  constructor(private readonly o: BatchWriterOptions) {}

  /**
   * Give each point its line (after its time is assigned). A point that
   * cannot be encoded keeps the error: a write containing it fails like a
   * refused point, so bisecting quarantines it alone.
   */
  encode(points: readonly PendingPoint[]): void {
    for (const p of points) {
      try {
        p.line = encodeLine(p.point);
      } catch (err) {
        p.line = new PointEncodingError(err instanceof Error ? err.message : String(err));
      }
    }
  }

  /** Write the points; returns the ones InfluxDB refused, one by one. */
  async writeBisect(points: readonly PendingPoint[]): Promise<QuarantineRow[]> {
    if (points.length === 0) return [];
    try {
      await this.post(points);
      return [];
    } catch (err) {
      const c = classifyWriteError(err);
      if (c.kind !== 'bad_points' && c.kind !== 'too_large') throw err;
      this.o.metrics.errors.inc({ kind: c.kind });
      if (points.length === 1) {
        const p = points[0] as PendingPoint;
        const line = typeof p.line === 'string' ? p.line : JSON.stringify(p.point);
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

  private async post(points: readonly PendingPoint[]): Promise<void> {
    if (points.some((p) => p.line === undefined)) this.encode(points);
    let body = '';
    for (const p of points) {
      if (typeof p.line !== 'string') throw p.line;
      body += body.length > 0 ? `\n${p.line}` : p.line;
    }
    // what node-influx's writePoints sends, with the body prepared
    await this.o.pool.post(
      { db: this.o.database, precision: 'ms', rp: this.o.retentionPolicy },
      body,
      this.o.auth,
    );
  }
}
