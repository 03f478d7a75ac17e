/**
 * The InfluxDB exporter: follows the journal from its durable cursor
 * `influx`, writes batches, and advances the cursor only after InfluxDB took
 * the batch. The journal is the buffer: an outage of any length (within the
 * journal's retention) delays points and never drops them, and a crash
 * between a write and the cursor commit re-sends the batch with the same
 * identities (measurement, tags, ms), which InfluxDB overwrites with identical
 * content. docs/influxdb.md explains the reasoning.
 *
 * The loop (cursor, retries with back-off, waking, stop, backlog) is the
 * shared journal follower (journal/follower.ts); this file is what is
 * InfluxDB's: the delivery and the health. batches.ts prepares batches (the
 * next one while a write is in flight), write.ts writes one (bisect and
 * quarantine), setup.ts connects and creates the database, metrics.ts holds
 * the metrics.
 */
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { type Delivered, JournalFollower, type RetentionGap } from '../../journal/follower.js';
import type { Extension, GatewayContext } from '../../ports.js';
import { type Batch, BatchPreparer } from './batches.js';
import { classifyWriteError, isTransport, type WriteErrorKind } from './errors.js';
import { createExportMetrics, type ExportMetrics } from './metrics.js';
import { connect, redact, setupDatabase } from './setup.js';
import { ExportStore, type QuarantineRow } from './store.js';
import { BatchWriter } from './write.js';

export { influxDuration } from './setup.js';

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

const SLOT_HORIZON_MS = 60 * 60 * 1000;

export function createInfluxExtension(options: InfluxExportOptions): InfluxExtension {
  return new InfluxExporter(options);
}

class InfluxExporter implements InfluxExtension {
  readonly name = 'influx';
  private readonly batchSize: number;
  private readonly requestTimeoutMs: number;
  private readonly rpName: string | undefined;

  private log: Logger | null = null;
  private client: InfluxDB | null = null;
  private writer: BatchWriter | null = null;
  private batches: BatchPreparer | null = null;
  private store: ExportStore | null = null;
  private metrics: ExportMetrics | null = null;
  private follower: JournalFollower<Batch> | null = null;

  private setupDone = false;
  private connected = false;
  private written = 0;
  private quarantinedCount = 0;
  private lostCount = 0;
  private lastSlotPrune = 0;

  constructor(private readonly options: InfluxExportOptions) {
    this.batchSize = options.batchSize ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.rpName = options.retentionPolicy ?? (options.retention ? 'guardpost' : undefined);
  }

  async start(ctx: GatewayContext): Promise<void> {
    this.log = ctx.logger.child({ ext: 'influx' });
    this.store = new ExportStore(ctx.journal.db);
    this.quarantinedCount = this.store.quarantineCount();
    this.metrics = createExportMetrics(ctx.metrics, () => this.backlog());
    const connection = connect({
      url: this.options.url,
      database: this.options.database,
      username: this.options.username,
      password: this.options.password,
      requestTimeoutMs: this.requestTimeoutMs,
    });
    this.client = connection.client;
    this.writer = new BatchWriter({
      pool: connection.pool,
      auth: connection.auth,
      database: this.options.database,
      retentionPolicy: this.rpName,
      log: this.log,
      metrics: this.metrics,
    });
    const batches = new BatchPreparer(ctx.journal, this.store, this.writer, () => ctx.site, this.batchSize);
    this.batches = batches;
    this.follower = new JournalFollower<Batch>({
      journal: ctx.journal,
      cursor: INFLUX_CURSOR,
      onCommitted: (listener) => ctx.onCommitted(listener),
      read: (cursor) => batches.next(cursor),
      ready: () => (this.setupDone ? Promise.resolve() : this.setup()),
      deliver: (batch) => this.deliver(batch),
      batchSize: this.batchSize,
      lingerMs: this.options.lingerMs ?? 200,
      pollMs: this.options.pollMs ?? 1000,
      backoff: { baseMs: this.options.backoffBaseMs ?? 500, maxMs: this.options.backoffMaxMs ?? 30_000 },
      stopTimeoutMs: this.options.stopTimeoutMs ?? 3000,
      onError: (err, info) => this.noteError(err, info.failures, info.previous),
      onGap: (gap) => this.notePruned(gap),
    });
    this.log.info(
      { url: redact(this.options.url), database: this.options.database, rp: this.rpName ?? null },
      'InfluxDB export starting',
    );
    this.follower.start();
  }

  async stop(): Promise<void> {
    const finished = (await this.follower?.stop()) ?? true;
    if (!finished) {
      this.log?.warn(
        'InfluxDB export stopped with a write in flight; it is re-sent (idempotently) at next start',
      );
    }
  }

  health(): InfluxHealth {
    const status = this.follower?.status();
    return {
      enabled: true,
      ok: (status?.lastError ?? null) === null,
      connected: this.connected,
      backlog: this.backlog(),
      lastError: status?.lastError ?? null,
      written: this.written,
      quarantined: this.quarantinedCount,
      lostToRetention: this.lostCount,
    };
  }

  async drained(seq?: number, timeoutMs = 30_000): Promise<boolean> {
    return this.follower ? this.follower.drained(seq, timeoutMs) : false;
  }

  /**
   * Write one batch (the database is set up by then: `ready`). While a full batch is
   * in flight the next one is prepared (batches.ts). The slots and the
   * quarantined points commit with the cursor.
   */
  private async deliver(batch: Batch): Promise<Delivered> {
    const batches = this.batches as BatchPreparer;
    const follower = this.follower as JournalFollower<Batch>;
    const writing = (this.writer as BatchWriter).writeBisect(batch.pending);
    // awaited below; this only keeps an early failure from counting as unhandled meanwhile
    writing.catch(() => undefined);
    if (batch.entries.length >= this.batchSize) await batches.prepareAhead(batch, () => follower.stopping);
    let quarantined: QuarantineRow[];
    try {
      quarantined = await writing;
    } catch (err) {
      batches.discard();
      throw err;
    }
    let added = 0;
    return {
      commit: () => {
        added = (this.store as ExportStore).commit(batch.slots, quarantined, () => undefined);
      },
      after: () => this.committed(batch, quarantined.length, added),
    };
  }

  private committed(batch: Batch, quarantined: number, added: number): void {
    const written = batch.pending.length - quarantined;
    this.written += written;
    this.metrics?.written.inc(written);
    if (added > 0) {
      this.quarantinedCount += added;
      this.metrics?.quarantined.inc(added);
    }
    this.connected = true;
    if (Date.now() - this.lastSlotPrune > 60_000 && Number.isFinite(batch.minAt)) {
      (this.store as ExportStore).prune(batch.minAt - SLOT_HORIZON_MS);
      this.lastSlotPrune = Date.now();
      // the prepared batch saw the slots just pruned: prepare it again
      this.batches?.discard();
    }
  }

  private async setup(): Promise<void> {
    const log = this.log as Logger;
    const database = this.options.database;
    await setupDatabase(this.client as InfluxDB, log, database, this.rpName, this.options.retention);
    this.setupDone = true;
    this.connected = true;
    log.info({ database }, 'InfluxDB reachable');
  }

  // ------------------------------------------------------------ helpers

  /** A failed round: classify, count, log the first failure of a kind loudly and repeats quietly. */
  private noteError(err: unknown, failures: number, previous: string | null): string {
    const c = classifyWriteError(err);
    const kind: WriteErrorKind = c.kind;
    this.metrics?.errors.inc({ kind });
    if (isTransport(kind)) this.connected = false;
    if (kind === 'not_found') this.setupDone = false;
    const message = c.status ? `${c.status}: ${c.message}` : c.message;
    const data = { kind, status: c.status, error: c.message, failures };
    // an outage retries every few seconds
    if (previous !== message) this.log?.warn(data, 'InfluxDB write failed; retrying from the journal cursor');
    else this.log?.debug(data, 'InfluxDB write failed again');
    return message;
  }

  /** Journal retention deleted entries ahead of the cursor (checked also while InfluxDB is unreachable). */
  private notePruned(gap: RetentionGap): void {
    if (gap.hadCursor) {
      this.lostCount += gap.missing;
      this.metrics?.lost.inc(gap.missing);
      this.log?.error(
        { cursor: gap.cursor, firstRetained: gap.first, lost: gap.missing },
        'journal retention deleted entries before they reached InfluxDB: they are lost to InfluxDB',
      );
    } else {
      this.log?.info(
        { firstRetained: gap.first, pruned: gap.missing },
        'InfluxDB export starts at the oldest retained journal entry',
      );
    }
  }

  private backlog(): { events: number; oldestAgeMs: number } {
    const b = this.follower?.backlog() ?? { entries: 0, oldestAgeMs: 0 };
    return { events: b.entries, oldestAgeMs: b.oldestAgeMs };
  }
}
