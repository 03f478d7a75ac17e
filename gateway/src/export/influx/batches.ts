/**
 * Batches for the exporter: journal entries after the cursor, their points
 * with identity-safe times (store.ts) and their lines (line.ts). While a full
 * batch is in flight the next one is prepared on top of its slots, as if it
 * were committed; the exporter uses it only once that batch is committed and
 * nothing moved meanwhile, so the cursor still advances batch by batch, each
 * after InfluxDB took it.
 */
import type { Site } from '../../config/site.js';
import type { Journal } from '../../journal/journal.js';
import type { JournalEntry } from '../../journal/types.js';
import { toPoints } from './points.js';
import type { ExportStore, PendingPoint, Slot } from './store.js';
import type { BatchWriter } from './write.js';

/** A batch ready to post: its entries, their points with times and lines, and the slots to commit. */
export interface Batch {
  /** The cursor it follows. */
  cursor: number;
  entries: JournalEntry[];
  pending: PendingPoint[];
  slots: Slot[];
  /** The earliest point time (for pruning old slots). */
  minAt: number;
}

export class BatchPreparer {
  private ahead: Batch | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly store: ExportStore,
    private readonly writer: BatchWriter,
    private readonly site: () => Site,
    private readonly batchSize: number,
  ) {}

  /** The batch after `cursor`: the one prepared ahead if still valid, else read now; null when there is none. */
  next(cursor: number): Batch | null {
    return this.takeAhead(cursor) ?? this.prepare(cursor, []);
  }

  /**
   * Prepare the batch after `batch` once its request is on its way (call
   * while it is in flight); only when a full one is already journaled, since
   * a partial one would be read again anyway.
   */
  async prepareAhead(batch: Batch, stopping: () => boolean): Promise<void> {
    const last = batch.entries[batch.entries.length - 1]?.seq ?? batch.cursor;
    if (this.journal.lastSeq() - last < this.batchSize) return;
    await new Promise((resolve) => setImmediate(resolve));
    if (stopping()) return;
    try {
      this.ahead = this.prepare(last, batch.slots);
    } catch {
      // the next round reads again and reports what is wrong
      this.ahead = null;
    }
  }

  /** Forget the prepared batch (the one in flight failed, or slots were pruned under it). */
  discard(): void {
    this.ahead = null;
  }

  private prepare(cursor: number, inFlight: readonly Slot[]): Batch | null {
    const entries = this.journal.readAfter(cursor, this.batchSize);
    if (entries.length === 0) return null;
    const site = this.site();
    const pending: PendingPoint[] = [];
    let minAt = Number.POSITIVE_INFINITY;
    for (const entry of entries) {
      for (const point of toPoints(entry, site)) {
        pending.push({ seq: entry.seq, point });
        minAt = Math.min(minAt, Number(point.timestamp));
      }
    }
    const slots = this.store.assignTimes(pending, inFlight);
    this.writer.encode(pending);
    return { cursor, entries, pending, slots, minAt };
  }

  /**
   * The prepared batch if it follows `cursor`, retention took none of it,
   * and, when it was not full, nothing was journaled after it since (a fresh
   * read would then take more).
   */
  private takeAhead(cursor: number): Batch | null {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead === null || ahead.cursor !== cursor) return null;
    const last = ahead.entries[ahead.entries.length - 1]?.seq;
    if (ahead.entries.length < this.batchSize && this.journal.lastSeq() !== last) return null;
    const first = this.journal.readAfter(cursor, 1)[0];
    return first !== undefined && first.seq === ahead.entries[0]?.seq ? ahead : null;
  }
}
