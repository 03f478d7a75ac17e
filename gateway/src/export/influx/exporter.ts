/**
 * The InfluxDB exporter: follows the journal from its durable cursor
 * `influx`, writes batches, and advances the cursor only after InfluxDB took
 * the batch. The journal is the buffer: an outage of any length (within the
 * journal's retention) delays points and never drops them, and a crash
 * between a write and the cursor commit re-sends the batch with the same
 * identities (measurement, tags, ms), which InfluxDB overwrites with identical
 * content. docs/influxdb.md explains the reasoning.
 *
 * This file is the loop and the health; batches.ts prepares batches (the next
 * one while a write is in flight), write.ts writes one (bisect and
 * quarantine), setup.ts connects and creates the database, metrics.ts and
 * wake.ts hold the metrics and the waiting.
 */
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { Journal } from '../../journal/journal.js';
import type { Extension, GatewayContext } from '../../ports.js';
import { BatchPreparer } from './batches.js';
import { classifyWriteError, isTransport, type WriteErrorKind } from './errors.js';
import { createExportMetrics, type ExportMetrics } from './metrics.js';
import { connect, redact, setupDatabase } from './setup.js';
import { ExportStore, type QuarantineRow } from './store.js';
import { Waker } from './wake.js';
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
  private readonly lingerMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly pollMs: number;
  private readonly stopTimeoutMs: number;
  private readonly rpName: string | undefined;

  private journal: Journal | null = null;
  private log: Logger | null = null;
  private client: InfluxDB | null = null;
  private writer: BatchWriter | null = null;
  private batches: BatchPreparer | null = null;
  private store: ExportStore | null = null;
  private metrics: ExportMetrics | null = null;
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
  private readonly waker = new Waker(() => this.stopping);

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
    this.journal = ctx.journal;
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
    this.batches = new BatchPreparer(ctx.journal, this.store, this.writer, () => ctx.site, this.batchSize);
    this.stopping = false;
    this.abandoned = false;
    this.unsubscribe = ctx.onCommitted(() => this.waker.wake(true));
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
    this.waker.wake(false);
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
        if (!full && !this.stopping) await this.waker.idle(this.pollMs, this.lingerMs);
      } catch (err) {
        if (this.abandoned) return;
        this.noteError(err);
        const delay = this.backoffDelay(this.failures);
        this.failures += 1;
        await this.waker.sleep(delay);
      }
    }
  }

  /**
   * Export one batch; true when the batch was full (more is probably
   * waiting). While a full batch is in flight the next one is prepared
   * (batches.ts).
   */
  private async exportOnce(): Promise<boolean> {
    const journal = this.journal as Journal;
    const store = this.store as ExportStore;
    const cursor = journal.getCursor(INFLUX_CURSOR);
    const batches = this.batches as BatchPreparer;
    const batch = batches.next(cursor);
    if (batch === null) {
      this.lastBacklog = { events: 0, oldestAgeMs: 0 };
      return false;
    }
    const { entries, pending, slots, minAt } = batch;
    this.checkRetentionGap(cursor, entries[0]?.seq ?? cursor + 1);
    const last = entries[entries.length - 1]?.seq ?? cursor;
    const full = entries.length >= this.batchSize;

    const writing = (this.writer as BatchWriter).writeBisect(pending);
    // awaited below; this only keeps an early failure from counting as unhandled meanwhile
    writing.catch(() => undefined);
    if (full) await batches.prepareAhead(batch, () => this.stopping);
    let quarantined: QuarantineRow[];
    try {
      quarantined = await writing;
    } catch (err) {
      batches.discard();
      throw err;
    }
    if (this.abandoned) {
      batches.discard();
      return false;
    }

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
      // the prepared batch saw the slots just pruned: prepare it again
      batches.discard();
    }
    return full;
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
}
