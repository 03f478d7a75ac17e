/**
 * The InfluxDB exporter: follows the journal from its durable cursor
 * `influx`, writes batches, and advances the cursor only after InfluxDB took
 * the batch. The journal is the buffer: an outage of any length (within the
 * journal's retention) delays points and never drops them, and a crash
 * between a write and the cursor commit re-sends the batch with the same
 * identities (measurement, tags, ms), which InfluxDB overwrites with identical
 * content. docs/influxdb.md explains the reasoning.
 */
import { InfluxDB, type IPoint, escape as lineEscape } from 'influx';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseDuration } from '../../config/schema.js';
import type { Journal } from '../../journal/journal.js';
import type { Extension, GatewayContext } from '../../runtime/context.js';
import { classifyWriteError, isTransport, PointEncodingError, type WriteErrorKind } from './errors.js';
import { influxSchemas, toPoints } from './points.js';
import { ExportStore, type PendingPoint, type QuarantineRow } from './store.js';

export const INFLUX_CURSOR = 'influx';

export interface InfluxExportOptions {
  /** e.g. http://127.0.0.1:8086 (a path prefix and user:password@ are honoured). */
  url: string;
  database: string;
  /** Write into this retention policy (created when `retention` is given). */
  retentionPolicy?: string;
  /** Duration of the retention policy, e.g. '90d'; the policy is created (as default) or altered. */
  retention?: string;
  /** Max journal entries per write (default 5000). */
  batchSize?: number;
  /** After a commit, wait this long to gather more entries into one write (default 200). */
  lingerMs?: number;
  username?: string;
  password?: string;
  /** Retry backoff: base and cap in ms (default 500 and 30 000), with jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** One HTTP request's timeout (default 10 000). */
  requestTimeoutMs?: number;
  /** How often to look at the journal without a commit notification (default 1000). */
  pollMs?: number;
  /** How long stop() waits for an in-flight batch (default 3000, inside the gateway's 5 s per extension). */
  stopTimeoutMs?: number;
}

export interface InfluxHealth extends Record<string, unknown> {
  enabled: true;
  ok: boolean;
  connected: boolean;
  backlog: { events: number; oldestAgeMs: number };
  lastError: string | null;
  written: number;
  quarantined: number;
  lostToRetention: number;
}

export interface InfluxExtension extends Extension {
  health(): InfluxHealth;
  /** Resolves when every journal entry up to `seq` (default: the last one now) is exported. For tests and shutdown. */
  drained(seq?: number, timeoutMs?: number): Promise<boolean>;
}

interface Metrics {
  backlogEvents: Gauge;
  backlogAge: Gauge;
  written: Counter;
  errors: Counter<'kind'>;
  quarantined: Counter;
  lost: Counter;
}

const SLOT_HORIZON_MS = 60 * 60 * 1000;

export function createInfluxExtension(options: InfluxExportOptions): InfluxExtension {
  return new InfluxExporter(options);
}

class InfluxExporter implements InfluxExtension {
  readonly name = 'influx';
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly pollMs: number;
  private readonly stopTimeoutMs: number;
  private readonly rpName: string | undefined;

  private ctx: GatewayContext | null = null;
  private journal: Journal | null = null;
  private log: Logger | null = null;
  private client: InfluxDB | null = null;
  private store: ExportStore | null = null;
  private metrics: Metrics | null = null;
  private unsubscribe: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  private stopping = false;
  /** stop() gave up waiting: the loop must not touch the (closing) journal any more. */
  private abandoned = false;
  private setupDone = false;
  private connected = false;
  private lastError: string | null = null;
  private failures = 0;
  private written = 0;
  private quarantinedCount = 0;
  private lostCount = 0;
  private lastSlotPrune = 0;
  /** The last retention gap seen ahead of the cursor (a stuck cursor re-reads it on every retry). */
  private gapNoted: { cursor: number; first: number } | null = null;
  private lastBacklog = { events: 0, oldestAgeMs: 0 };
  private wakeCommitted = false;
  private wakeResolve: (() => void) | null = null;

  constructor(private readonly options: InfluxExportOptions) {
    this.batchSize = options.batchSize ?? 5000;
    this.lingerMs = options.lingerMs ?? 200;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 3000;
    this.rpName = options.retentionPolicy ?? (options.retention ? 'guardpost' : undefined);
  }

  async start(ctx: GatewayContext): Promise<void> {
    this.ctx = ctx;
    this.journal = ctx.journal;
    this.log = ctx.logger.child({ ext: 'influx' });
    this.store = new ExportStore(ctx.journal.db);
    this.quarantinedCount = this.store.quarantineCount();
    this.metrics = this.createMetrics(ctx.metrics);
    this.client = this.createClient();
    this.stopping = false;
    this.abandoned = false;
    this.unsubscribe = ctx.onCommitted(() => this.wake(true));
    this.log.info(
      { url: redact(this.options.url), database: this.options.database, rp: this.rpName ?? null },
      'InfluxDB export starting',
    );
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wake(false);
    const loop = this.loop;
    if (loop) {
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        loop.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) {
        this.abandoned = true;
        this.log?.warn(
          'InfluxDB export stopped with a write in flight; it is re-sent (idempotently) at next start',
        );
      }
    }
    this.loop = null;
  }

  health(): InfluxHealth {
    const backlog = this.backlog();
    return {
      enabled: true,
      ok: this.lastError === null,
      connected: this.connected,
      backlog,
      lastError: this.lastError,
      written: this.written,
      quarantined: this.quarantinedCount,
      lostToRetention: this.lostCount,
    };
  }

  async drained(seq?: number, timeoutMs = 30_000): Promise<boolean> {
    const journal = this.journal;
    if (!journal) return false;
    const target = seq ?? journal.lastSeq();
    const deadline = Date.now() + timeoutMs;
    while (journal.getCursor(INFLUX_CURSOR) < target) {
      if (Date.now() >= deadline || this.loop === null) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  // ---------------------------------------------------------------- loop

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.setupDone) {
          const journal = this.journal as Journal;
          const cursor = journal.getCursor(INFLUX_CURSOR);
          const oldest = journal.readAfter(cursor, 1)[0];
          if (oldest) this.checkRetentionGap(cursor, oldest.seq);
          await this.setup();
        }
        const full = await this.exportOnce();
        this.failures = 0;
        if (!full && !this.stopping) await this.idle();
      } catch (err) {
        if (this.abandoned) return;
        this.noteError(err);
        const delay = this.backoffDelay(this.failures);
        this.failures += 1;
        await this.sleep(delay);
      }
    }
  }

  /** Export one batch; true when the batch was full (more is probably waiting). */
  private async exportOnce(): Promise<boolean> {
    const journal = this.journal as Journal;
    const store = this.store as ExportStore;
    const cursor = journal.getCursor(INFLUX_CURSOR);
    const entries = journal.readAfter(cursor, this.batchSize);
    if (entries.length === 0) {
      this.lastBacklog = { events: 0, oldestAgeMs: 0 };
      return false;
    }
    this.checkRetentionGap(cursor, entries[0]?.seq ?? cursor + 1);

    const site = (this.ctx as GatewayContext).site;
    const pending: PendingPoint[] = [];
    let minAt = Number.POSITIVE_INFINITY;
    for (const entry of entries) {
      for (const point of toPoints(entry, site)) {
        pending.push({ seq: entry.seq, point });
        minAt = Math.min(minAt, Number(point.timestamp));
      }
    }
    const slots = store.assignTimes(pending);
    const quarantined = await this.writeBisect(pending);
    if (this.abandoned) return false;

    const last = entries[entries.length - 1]?.seq ?? cursor;
    const added = store.commit(slots, quarantined, () => journal.setCursor(INFLUX_CURSOR, last));
    const written = pending.length - quarantined.length;
    this.written += written;
    this.metrics?.written.inc(written);
    if (added > 0) {
      this.quarantinedCount += added;
      this.metrics?.quarantined.inc(added);
    }
    this.connected = true;
    this.lastError = null;
    if (Date.now() - this.lastSlotPrune > 60_000 && Number.isFinite(minAt)) {
      store.prune(minAt - SLOT_HORIZON_MS);
      this.lastSlotPrune = Date.now();
    }
    return entries.length >= this.batchSize;
  }

  /**
   * Write the points; when InfluxDB refuses some of them, split until each
   * refused point stands alone, and return those for quarantine. Transport
   * errors propagate: the whole batch is retried from the cursor.
   */
  private async writeBisect(points: readonly PendingPoint[]): Promise<QuarantineRow[]> {
    if (points.length === 0) return [];
    try {
      await this.post(points.map((p) => p.point));
      return [];
    } catch (err) {
      const c = classifyWriteError(err);
      if (c.kind !== 'bad_points' && c.kind !== 'too_large') throw err;
      this.metrics?.errors.inc({ kind: c.kind });
      if (points.length === 1) {
        const p = points[0] as PendingPoint;
        const line = this.toLine(p.point);
        this.log?.warn(
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
    const client = this.client as InfluxDB;
    let pending: Promise<void>;
    try {
      pending = client.writePoints(points, {
        precision: 'ms',
        database: this.options.database,
        retentionPolicy: this.rpName,
      });
    } catch (err) {
      // schema coercion runs synchronously before the request
      throw new PointEncodingError(err instanceof Error ? err.message : String(err));
    }
    await pending;
  }

  /** Create the database and retention policy. Unreachable server: throws (retried). Refused: logged, not fatal. */
  private async setup(): Promise<void> {
    const client = this.client as InfluxDB;
    const log = this.log as Logger;
    const db = this.options.database;
    try {
      await client.createDatabase(db);
    } catch (err) {
      const c = classifyWriteError(err);
      if (isTransport(c.kind)) throw err;
      log.warn(
        { database: db, error: c.message },
        'could not create the InfluxDB database (normal on InfluxDB 2.x/3.x: create the bucket and DBRP mapping yourself)',
      );
    }
    if (this.rpName && this.options.retention) {
      const duration = influxDuration(this.options.retention);
      const rp = { database: db, duration, replication: 1 };
      try {
        await client.createRetentionPolicy(this.rpName, { ...rp, isDefault: true });
      } catch (err) {
        const c = classifyWriteError(err);
        if (isTransport(c.kind)) throw err;
        if (/already exists/i.test(c.message)) {
          try {
            await client.alterRetentionPolicy(this.rpName, rp);
            log.info({ rp: this.rpName, duration }, 'InfluxDB retention policy updated');
          } catch (err2) {
            const c2 = classifyWriteError(err2);
            if (isTransport(c2.kind)) throw err2;
            log.warn({ rp: this.rpName, error: c2.message }, 'could not alter the InfluxDB retention policy');
          }
        } else {
          log.warn({ rp: this.rpName, error: c.message }, 'could not create the InfluxDB retention policy');
        }
      }
    }
    this.setupDone = true;
    this.connected = true;
    log.info({ database: db }, 'InfluxDB reachable');
  }

  // ------------------------------------------------------------ helpers

  private noteError(err: unknown): void {
    const c = classifyWriteError(err);
    const kind: WriteErrorKind = c.kind;
    this.metrics?.errors.inc({ kind });
    if (isTransport(kind)) this.connected = false;
    if (kind === 'not_found') this.setupDone = false;
    const message = c.status ? `${c.status}: ${c.message}` : c.message;
    const repeated = this.lastError === message;
    this.lastError = message;
    const data = { kind, status: c.status, error: c.message, failures: this.failures + 1 };
    // log the first failure of a kind loudly, repeats quietly (an outage retries every few seconds)
    if (!repeated) this.log?.warn(data, 'InfluxDB write failed; retrying from the journal cursor');
    else this.log?.debug(data, 'InfluxDB write failed again');
  }

  /**
   * Journal retention may have deleted entries ahead of the cursor. Checked on
   * every round, also while InfluxDB is unreachable; a stuck cursor re-reads
   * the same gap on every retry, which is counted once.
   */
  private checkRetentionGap(cursor: number, first: number): void {
    if (first <= cursor + 1) return;
    const noted = this.gapNoted?.cursor === cursor ? this.gapNoted.first - 1 : cursor;
    if (first > noted + 1)
      this.notePruned(noted, first, (this.store as ExportStore).hasCursor(INFLUX_CURSOR));
    this.gapNoted = { cursor, first };
  }

  private notePruned(cursor: number, first: number, hadCursor: boolean): void {
    const missing = first - cursor - 1;
    if (hadCursor) {
      this.lostCount += missing;
      this.metrics?.lost.inc(missing);
      this.log?.error(
        { cursor, firstRetained: first, lost: missing },
        'journal retention deleted entries before they reached InfluxDB: they are lost to InfluxDB',
      );
    } else {
      this.log?.info(
        { firstRetained: first, pruned: missing },
        'InfluxDB export starts at the oldest retained journal entry',
      );
    }
  }

  private backlog(): { events: number; oldestAgeMs: number } {
    const journal = this.journal;
    if (!journal || this.abandoned) return this.lastBacklog;
    try {
      const cursor = journal.getCursor(INFLUX_CURSOR);
      const oldest = journal.readAfter(cursor, 1)[0];
      this.lastBacklog = oldest
        ? {
            events: Math.max(0, journal.lastSeq() - oldest.seq + 1),
            oldestAgeMs: Math.max(0, Date.now() - oldest.at),
          }
        : { events: 0, oldestAgeMs: 0 };
    } catch {
      // journal closed during shutdown: keep the last known values
    }
    return this.lastBacklog;
  }

  private backoffDelay(failures: number): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(failures, 20));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private wake(committed: boolean): void {
    if (committed) this.wakeCommitted = true;
    const resolve = this.wakeResolve;
    this.wakeResolve = null;
    resolve?.();
  }

  /** Wait for a commit notification or the poll interval; after a commit, linger to batch more. */
  private async idle(): Promise<void> {
    if (!this.wakeCommitted) await this.waitForWake(this.pollMs);
    if (this.wakeCommitted && !this.stopping && this.lingerMs > 0) await this.sleep(this.lingerMs);
    this.wakeCommitted = false;
  }

  private waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeResolve = null;
        resolve();
      }, ms);
      this.wakeResolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Sleep that only stop() interrupts. */
  private async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      const saved = this.wakeCommitted;
      await this.waitForWake(until - Date.now());
      this.wakeCommitted = saved || this.wakeCommitted;
    }
  }

  private toLine(point: IPoint): string {
    const client = this.client as InfluxDB;
    try {
      const p = client.parsePoint(point, { precision: 'ms', database: this.options.database });
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

  private createClient(): InfluxDB {
    const url = new URL(this.options.url);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
    const username = this.options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = this.options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    return new InfluxDB({
      host: url.hostname,
      port,
      protocol,
      path: url.pathname.replace(/\/+$/, ''),
      database: this.options.database,
      username,
      password,
      schema: influxSchemas(this.options.database),
      // retries and backoff are ours (from the journal cursor); the pool must never park the host
      pool: {
        maxRetries: 0,
        requestTimeout: this.requestTimeoutMs,
        backoff: {
          getDelay: () => 0,
          next() {
            return this;
          },
          reset() {
            return this;
          },
        },
      },
    });
  }

  private createMetrics(registry: Registry): Metrics {
    const fresh = (name: string) => registry.removeSingleMetric(name);
    for (const name of [
      'guardpost_influx_backlog_events',
      'guardpost_influx_backlog_age_seconds',
      'guardpost_influx_points_written_total',
      'guardpost_influx_write_errors_total',
      'guardpost_influx_quarantined_total',
      'guardpost_influx_lost_to_retention_total',
    ]) {
      fresh(name);
    }
    const self = this;
    return {
      backlogEvents: new Gauge({
        name: 'guardpost_influx_backlog_events',
        help: 'Journal entries not yet exported to InfluxDB',
        registers: [registry],
        collect() {
          this.set(self.backlog().events);
        },
      }),
      backlogAge: new Gauge({
        name: 'guardpost_influx_backlog_age_seconds',
        help: 'Age of the oldest journal entry not yet exported to InfluxDB',
        registers: [registry],
        collect() {
          this.set(self.backlog().oldestAgeMs / 1000);
        },
      }),
      written: new Counter({
        name: 'guardpost_influx_points_written_total',
        help: 'Points written to InfluxDB (re-sends after a crash count again)',
        registers: [registry],
      }),
      errors: new Counter({
        name: 'guardpost_influx_write_errors_total',
        help: 'Failed InfluxDB requests by kind (connection, timeout, server, auth, not_found, bad_points, too_large, client)',
        labelNames: ['kind'],
        registers: [registry],
      }),
      quarantined: new Counter({
        name: 'guardpost_influx_quarantined_total',
        help: 'Points InfluxDB refused, kept in the journal table influx_quarantine',
        registers: [registry],
      }),
      lost: new Counter({
        name: 'guardpost_influx_lost_to_retention_total',
        help: 'Journal entries deleted by retention before they reached InfluxDB',
        registers: [registry],
      }),
    };
  }
}

/** InfluxQL durations are integers with a unit (no decimals, no ms below 1h anyway). */
export function influxDuration(value: string): string {
  if (/^\d+(s|m|h|d|w)$/.test(value)) return value;
  return `${Math.max(1, Math.round(parseDuration(value) / 1000))}s`;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
