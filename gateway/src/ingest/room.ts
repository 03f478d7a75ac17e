/**
 * Room in the journal for what matters most (docs/operators.md, "Limits").
 *
 * The journal has a size cap; its last `reserve` bytes are kept for the
 * priority lane (panics, acks/resolves/ops and the alert records they
 * cause): above `cap − reserve` bulk inputs are refused — not acknowledged,
 * so devices keep and resend them — while alarms still go through.
 *
 * A real full disk (SQLITE_FULL below the cap) is met the same way: a
 * ballast file of `diskReserve` bytes is kept beside the journal; when a
 * commit fails for lack of disk the ballast is deleted (the priority batch
 * is retried into the room it frees) and bulk is refused until the disk has
 * room again, when the ballast is laid down anew.
 */
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import type { Logger } from 'pino';

export interface RoomOptions {
  /** Journal cap, bytes (null: none). */
  capBytes: number | null;
  /** Bytes below the cap kept for priority inputs. */
  reserveBytes: number;
  /** Ballast file path and size (null / 0: no ballast). */
  ballastPath: string | null;
  ballastBytes: number;
  /** Bytes used by the journal's live pages. */
  usedBytes: () => number;
  /** Free bytes on the journal's file system. */
  freeBytes?: () => number;
  logger: Logger;
  now?: () => number;
}

export type RoomState = 'ok' | 'reserve' | 'disk-full';

export class JournalRoom {
  private stateValue: RoomState = 'ok';
  private diskFull = false;
  private lastDiskCheck = 0;
  private readonly now: () => number;
  private readonly freeBytes: () => number;

  constructor(private readonly opts: RoomOptions) {
    this.now = opts.now ?? Date.now;
    const path = opts.ballastPath;
    this.freeBytes =
      opts.freeBytes ??
      (() => {
        if (!path) return Number.POSITIVE_INFINITY;
        const s = statfsSync(path.replace(/[^/]*$/, '') || '.');
        return s.bavail * s.bsize;
      });
    this.layBallast();
  }

  get state(): RoomState {
    return this.stateValue;
  }

  /** May a bulk input be journaled now? Cheap: call it per input. */
  bulkAllowed(): boolean {
    if (this.diskFull && this.now() - this.lastDiskCheck >= 1000) {
      this.lastDiskCheck = this.now();
      if (this.freeBytes() > 2 * Math.max(this.opts.ballastBytes, 1024 * 1024)) {
        this.diskFull = false;
        this.layBallast();
      }
    }
    const cap = this.opts.capBytes;
    const overReserve = cap !== null && this.opts.usedBytes() >= cap - this.opts.reserveBytes;
    this.setState(this.diskFull ? 'disk-full' : overReserve ? 'reserve' : 'ok');
    return this.stateValue === 'ok';
  }

  /**
   * A commit failed. When it was for lack of room (SQLITE_FULL) and a ballast
   * is there, free it and say so: the caller retries its priority batch.
   */
  onFull(err: unknown): boolean {
    if (!isFull(err)) return false;
    const cap = this.opts.capBytes;
    // at the cap SQLite says "full" too: that is not the disk
    if (cap !== null && this.opts.usedBytes() >= cap - this.opts.reserveBytes) return false;
    this.diskFull = true;
    this.lastDiskCheck = this.now();
    this.setState('disk-full');
    return this.dropBallast();
  }

  health(): Record<string, unknown> {
    return {
      state: this.stateValue,
      refusingBulk: this.stateValue !== 'ok',
      capBytes: this.opts.capBytes,
      reserveBytes: this.opts.reserveBytes,
      usedBytes: this.opts.usedBytes(),
    };
  }

  private setState(next: RoomState): void {
    if (next === this.stateValue) return;
    const prev = this.stateValue;
    this.stateValue = next;
    const data = { from: prev, to: next, ...this.health() };
    if (next === 'ok') this.opts.logger.warn(data, 'journal has room again: bulk inputs accepted');
    else
      this.opts.logger.error(
        data,
        next === 'reserve'
          ? 'journal in its reserve: bulk inputs refused (not acknowledged), alarms still accepted'
          : 'disk full: bulk inputs refused (not acknowledged), alarms still accepted',
      );
  }

  private layBallast(): void {
    const { ballastPath: path, ballastBytes: bytes } = this.opts;
    if (!path || bytes <= 0) return;
    try {
      if (statSync(path).size === bytes) return;
    } catch {
      // not there yet
    }
    try {
      if (this.freeBytes() < 4 * bytes) {
        this.opts.logger.warn({ path, bytes }, 'too little free disk to keep a ballast for alarms');
        return;
      }
      // written, not truncated: a sparse file would reserve nothing
      const fd = openSync(path, 'w');
      try {
        const chunk = Buffer.alloc(Math.min(bytes, 1024 * 1024));
        for (let done = 0; done < bytes; done += chunk.length)
          writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      this.opts.logger.warn({ err, path }, 'could not lay the disk ballast');
      rmSync(path, { force: true });
    }
  }

  private dropBallast(): boolean {
    const path = this.opts.ballastPath;
    if (!path) return false;
    try {
      statSync(path);
    } catch {
      return false;
    }
    rmSync(path, { force: true });
    this.opts.logger.error({ path }, 'disk full: ballast released so alarms can still be journaled');
    return true;
  }
}

function isFull(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return code === 'SQLITE_FULL' || /disk is full|database or disk is full/i.test(err.message);
}

/** What the site config asks of the data path's limits (gateway.limits, gateway.journal). */
export interface IngestLimitOptions {
  rate?: { perSecond: number; burst: number };
  /** Per-account rate of console / operator inputs (default 10/s, burst 60). */
  accountRate?: { perSecond: number; burst: number };
  journalBytesPerDay?: number;
  /** Reserve below the cap (default 5% of the cap, at most 64 MB). */
  reserveBytes?: number;
  /** Disk ballast (default 8 MB). */
  diskReserveBytes?: number;
}

export const DEFAULT_JOURNAL_MAX_MB = 2048;
export const DEFAULT_DISK_RESERVE_BYTES = 8 * 1024 * 1024;

export function defaultReserve(capBytes: number): number {
  return Math.min(64 * 1024 * 1024, Math.floor(capBytes * 0.05));
}

/**
 * The cap actually used: the configured one, lowered to what the journal
 * already holds plus 90% of the free disk (a cap the disk cannot hold would
 * let the disk fill first, with no reserve left).
 */
export function capToDisk(capBytes: number, dataDir: string, journalPath: string, logger: Logger): number {
  try {
    mkdirSync(dataDir, { recursive: true });
    const fs = statfsSync(dataDir);
    let held = 0;
    for (const suffix of ['', '-wal']) {
      try {
        held += statSync(journalPath + suffix).size;
      } catch {
        // not there yet
      }
    }
    const room = held + Math.floor(fs.bavail * fs.bsize * 0.9);
    if (room < capBytes) {
      logger.warn(
        { configuredMB: Math.round(capBytes / 1048576), usedMB: Math.round(room / 1048576) },
        'journal cap lowered to what the disk can hold',
      );
      return room;
    }
  } catch (err) {
    logger.warn({ err }, 'free disk unknown; journal cap kept as configured');
  }
  return capBytes;
}
