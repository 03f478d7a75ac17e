/**
 * The durable journal: SQLite (better-sqlite3) in WAL mode.
 *
 * Why SQLite: a crash-safe, well-tested embedded store with transactions,
 * so an input and the records it causes commit together. With
 * `synchronous=NORMAL` in WAL mode a committed transaction survives a crash
 * of the process (it is in the WAL file, the OS writes it back); only a power
 * cut or kernel crash can lose the last transactions since the last WAL
 * checkpoint/fsync. `durability: 'full'` makes every commit fsync
 * (docs/operators.md discusses the trade-off).
 *
 * The gateway calls the journal from one thread only; better-sqlite3 is
 * synchronous, so an append returns when the data is in the WAL.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RAW_ENTRY_SQL } from './retention.js';
import type { JournalBody, JournalBodyType, JournalEntry, JournalStats } from './types.js';

/** The journal file could not be opened or created (permissions, not a directory, corrupt file). */
export class JournalOpenError extends Error {
  constructor(path: string, cause: unknown) {
    super(`cannot open the journal ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface JournalOptions {
  /** File path, or ':memory:' for unit tests. */
  path: string;
  durability?: 'normal' | 'full';
  /** Cap on the database size (bytes): appends beyond it fail like a full disk (SQLITE_FULL). */
  maxBytes?: number;
}

interface Row {
  seq: number;
  at: number;
  body: string;
}

export interface PruneResult {
  deleted: number;
  unconsumed: Record<string, number>;
  /** Seq range deleted (null when nothing was). */
  firstSeq: number | null;
  lastSeq: number | null;
}

export class Journal {
  readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, number, number, string, string]>;
  private readonly selectAfter: Database.Statement<[number, number]>;
  private readonly pageCount: Database.Statement<[]>;
  private readonly freePages: Database.Statement<[]>;
  private readonly pageSize: number;
  private lastSeqValue: number;
  private lastErrorValue: string | null = null;
  private lastBodyChars = 0;
  private closed = false;
  /**
   * Entries in the table, counted once (count(*) reads the whole table: tens
   * of ms per million rows, on the thread that carries panics, for every
   * /healthz or /metrics request) and then kept by append and prune; null:
   * count again.
   */
  private entryCount: number | null = null;

  constructor(private readonly options: JournalOptions) {
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      throw new JournalOpenError(options.path, err);
    }
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        seq  INTEGER PRIMARY KEY,
        at   INTEGER NOT NULL,   -- entry time (event time for events), epoch ms
        rx   INTEGER NOT NULL,   -- when the gateway journaled it, epoch ms (retention, dedupe window)
        type TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entries_rx ON entries(rx);
      CREATE INDEX IF NOT EXISTS entries_type_at ON entries(type, at);
      CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshots (engine TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    if (options.maxBytes) {
      const page = this.db.pragma('page_size', { simple: true }) as number;
      this.db.pragma(`max_page_count = ${Math.max(16, Math.floor(options.maxBytes / page))}`);
    }
    this.db.exec('CREATE TABLE IF NOT EXISTS probe (b BLOB)');
    this.insert = this.db.prepare('INSERT INTO entries (seq, at, rx, type, body) VALUES (?, ?, ?, ?, ?)');
    this.selectAfter = this.db.prepare(
      'SELECT seq, at, body FROM entries WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.pageCount = this.db.prepare('PRAGMA page_count').pluck();
    this.freePages = this.db.prepare('PRAGMA freelist_count').pluck();
    this.pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const row = this.db.prepare('SELECT max(seq) AS seq FROM entries').get() as { seq: number | null };
    const pruned = this.getMeta('lastPrunedSeq');
    this.lastSeqValue = Math.max(row.seq ?? 0, pruned ? Number(pruned) : 0);
  }

  get path(): string {
    return this.options.path;
  }

  /** Run fn in one transaction: every append inside commits together or not at all. */
  transaction<T>(fn: () => T): T {
    const before = this.lastSeqValue;
    try {
      const result = this.db.transaction(fn)();
      // Only a commit that wrote entries proves the journal writes again.
      if (this.lastSeqValue > before) this.lastErrorValue = null;
      return result;
    } catch (err) {
      this.lastErrorValue = err instanceof Error ? err.message : String(err);
      this.entryCount = null; // its appends were rolled back
      // seq numbers handed out inside the failed transaction are reused
      const row = this.db.prepare('SELECT max(seq) AS seq FROM entries').get() as { seq: number | null };
      this.lastSeqValue = Math.max(row.seq ?? 0, Number(this.getMeta('lastPrunedSeq') ?? 0));
      throw err;
    }
  }

  /** Append one entry. Call inside transaction() to group commits. */
  append(body: JournalBody, at: number, rx: number = Date.now()): JournalEntry {
    const seq = this.lastSeqValue + 1;
    const text = JSON.stringify(body);
    this.insert.run(seq, at, rx, body.type, text);
    this.lastSeqValue = seq;
    if (this.entryCount !== null) this.entryCount++;
    this.lastBodyChars = text.length;
    return { seq, at, body };
  }

  /** Length of the last appended body's JSON (per-device journal quotas). */
  get lastAppendChars(): number {
    return this.lastBodyChars;
  }

  lastSeq(): number {
    return this.lastSeqValue;
  }

  /** Entries after `seq`, oldest first. */
  readAfter(seq: number, limit = 1000): JournalEntry[] {
    return (this.selectAfter.all(seq, limit) as Row[]).map(toEntry);
  }

  /** Iterate every entry after `seq` (start-up replay) without loading them all. */
  *iterateAfter(seq: number): Generator<JournalEntry> {
    const stmt = this.db.prepare('SELECT seq, at, body FROM entries WHERE seq > ? ORDER BY seq');
    for (const row of stmt.iterate(seq) as Iterable<Row>) yield toEntry(row);
  }

  /** Entries of the given types with `at` in [from, to), ordered by time (bulletin, API). */
  readByTime(types: JournalBodyType[], from: number, to: number): JournalEntry[] {
    const marks = types.map(() => '?').join(',');
    const stmt = this.db.prepare(
      `SELECT seq, at, body FROM entries WHERE type IN (${marks}) AND at >= ? AND at < ? ORDER BY at, seq`,
    );
    return (stmt.all(...types, from, to) as Row[]).map(toEntry);
  }

  /** First seq journaled at or after `rx` (receive time), or null. */
  firstSeqSince(rx: number): number | null {
    const row = this.db.prepare('SELECT min(seq) AS seq FROM entries WHERE rx >= ?').get(rx) as {
      seq: number | null;
    };
    return row.seq;
  }

  getCursor(name: string): number {
    const row = this.db.prepare('SELECT seq FROM cursors WHERE name = ?').get(name) as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }

  setCursor(name: string, seq: number): void {
    this.db
      .prepare(
        'INSERT INTO cursors (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq',
      )
      .run(name, seq);
  }

  saveSnapshot(engine: string, seq: number, state: unknown): void {
    this.db
      .prepare(
        'INSERT INTO snapshots (engine, seq, state) VALUES (?, ?, ?) ON CONFLICT(engine) DO UPDATE SET seq = excluded.seq, state = excluded.state',
      )
      .run(engine, seq, JSON.stringify(state));
  }

  loadSnapshot(engine: string): { seq: number; state: unknown } | null {
    const row = this.db.prepare('SELECT seq, state FROM snapshots WHERE engine = ?').get(engine) as
      | { seq: number; state: string }
      | undefined;
    return row ? { seq: row.seq, state: JSON.parse(row.state) as unknown } : null;
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /**
   * Retention: delete entries journaled before `beforeRx`, never one with a
   * seq above `maxSeq` when given (the clock guard: entries this process
   * journaled recently, whatever the clock says). Returns how many were
   * deleted, their seq range and, per cursor (e.g. the InfluxDB exporter), how
   * many of them it had not consumed yet: those are lost to that consumer and
   * must be logged loudly.
   */
  prune(beforeRx: number, maxSeq: number = Number.MAX_SAFE_INTEGER): PruneResult {
    const unconsumed: Record<string, number> = {};
    const none: PruneResult = { deleted: 0, unconsumed, firstSeq: null, lastSeq: null };
    this.entryCount = null; // hourly: count again after it
    return this.db.transaction((): PruneResult => {
      const range = this.db
        .prepare('SELECT min(seq) AS first, max(seq) AS last FROM entries WHERE rx < ? AND seq <= ?')
        .get(beforeRx, maxSeq) as { first: number | null; last: number | null };
      if (range.last === null) return none;
      const last = range.last;
      const cursors = this.db.prepare('SELECT name, seq FROM cursors').all() as {
        name: string;
        seq: number;
      }[];
      for (const c of cursors) {
        if (c.seq < last) {
          const row = this.db
            .prepare('SELECT count(*) AS n FROM entries WHERE seq > ? AND seq <= ?')
            .get(c.seq, last) as { n: number };
          if (row.n > 0) unconsumed[c.name] = row.n;
        }
      }
      const info = this.db.prepare('DELETE FROM entries WHERE seq <= ?').run(last);
      this.setMeta('lastPrunedSeq', String(Math.max(last, Number(this.getMeta('lastPrunedSeq') ?? 0))));
      return { deleted: info.changes, unconsumed, firstSeq: range.first, lastSeq: last };
    })();
  }

  /**
   * Retention of raw device chatter (retention.ts): delete heartbeats and
   * status changes journaled before `beforeRx`, never above `maxSeq`. Walks
   * the journal in seq order from where the last call stopped (journal meta),
   * at most `chunk` seqs a call, so an hourly run reads about an hour of
   * entries, not the whole record history kept longer. Same result shape as
   * prune(); `more`: the walk stopped at the chunk, call again.
   */
  pruneRaw(
    beforeRx: number,
    maxSeq: number = Number.MAX_SAFE_INTEGER,
    chunk = 200_000,
  ): PruneResult & { more: boolean } {
    this.entryCount = null;
    return this.db.transaction((): PruneResult & { more: boolean } => {
      // from where the last walk stopped, or the oldest entry left (records retention deletes a prefix)
      const oldest = (this.db.prepare('SELECT min(seq) AS seq FROM entries').get() as { seq: number | null })
        .seq;
      const from = Math.max(Number(this.getMeta('retention.rawSeq') ?? 0), (oldest ?? 1) - 1);
      // the walk stops at the first entry journaled at or after the cutoff (rx follows seq but for clock
      // steps); `+rx`: walk the primary key within the chunk, never the rx index
      const young = this.db
        .prepare('SELECT seq FROM entries WHERE seq > ? AND seq <= ? AND +rx >= ? ORDER BY seq LIMIT 1')
        .get(from, from + chunk, beforeRx) as { seq: number } | undefined;
      const end = Math.min(young ? young.seq - 1 : this.lastSeqValue, maxSeq, from + chunk);
      const none = { deleted: 0, unconsumed: {}, firstSeq: null, lastSeq: null, more: false };
      if (end <= from) return none;
      const where = `seq > ? AND seq <= ? AND ${RAW_ENTRY_SQL}`;
      const range = this.db
        .prepare(`SELECT min(seq) AS first, max(seq) AS last FROM entries WHERE ${where}`)
        .get(from, end) as {
        first: number | null;
        last: number | null;
      };
      const unconsumed: Record<string, number> = {};
      if (range.last !== null) {
        for (const c of this.db.prepare('SELECT name, seq FROM cursors').all() as {
          name: string;
          seq: number;
        }[]) {
          if (c.seq >= range.last) continue;
          const n = (
            this.db
              .prepare(`SELECT count(*) AS n FROM entries WHERE ${where}`)
              .get(Math.max(from, c.seq), end) as { n: number }
          ).n;
          if (n > 0) unconsumed[c.name] = n;
        }
      }
      const info = this.db.prepare(`DELETE FROM entries WHERE ${where}`).run(from, end);
      this.setMeta('retention.rawSeq', String(end));
      if (range.last !== null)
        this.setMeta(
          'lastPrunedSeq',
          String(Math.max(range.last, Number(this.getMeta('lastPrunedSeq') ?? 0))),
        );
      return {
        deleted: info.changes,
        unconsumed,
        firstSeq: range.first,
        lastSeq: range.last,
        more: end === from + chunk,
      };
    })();
  }

  /** How many entries journaled before `beforeRx` have a seq above `afterSeq` (prune's clock guard); `raw`: only raw chatter. */
  countBefore(beforeRx: number, afterSeq: number, raw = false): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM entries WHERE rx < ? AND seq > ?${raw ? ` AND ${RAW_ENTRY_SQL}` : ''}`,
      )
      .get(beforeRx, afterSeq) as { n: number };
    return row.n;
  }

  /** The latest receive time in the journal (start-up clock check), or null when empty. */
  newestRx(): number | null {
    const row = this.db.prepare('SELECT max(rx) AS rx FROM entries').get() as { rx: number | null };
    return row.rx;
  }

  stats(): JournalStats {
    this.entryCount ??= (this.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    // min(seq) is a look-up in the primary key, not a scan
    const row = this.db.prepare('SELECT min(seq) AS first FROM entries').get() as { first: number | null };
    return {
      entries: this.entryCount,
      firstSeq: row.first,
      lastSeq: this.lastSeqValue,
      bytes: this.sizeBytes(),
      writable: this.lastErrorValue === null && !this.closed,
      lastError: this.lastErrorValue,
    };
  }

  sizeBytes(): number {
    if (this.options.path === ':memory:') {
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      const size = this.db.pragma('page_size', { simple: true }) as number;
      return pages * size;
    }
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += statSync(this.options.path + suffix).size;
      } catch {
        // the WAL may not exist yet
      }
    }
    return total;
  }

  /**
   * Bytes of live pages (free pages left by retention are reused before the
   * file grows), as this connection sees them: inside a transaction it
   * includes what the transaction wrote so far. Cheap enough to call per input.
   */
  usedBytes(): number {
    return ((this.pageCount.get() as number) - (this.freePages.get() as number)) * this.pageSize;
  }

  /** Bytes of event entries per device and hour (rx / 1 h) journaled since `rx` (device quotas at start). */
  eventBytesByDeviceSince(rx: number): { device: string; hour: number; bytes: number }[] {
    return this.db
      .prepare(
        `SELECT json_extract(body, '$.event.device') AS device, rx / 3600000 AS hour, sum(length(body)) AS bytes
         FROM entries WHERE rx >= ? AND type = 'event' GROUP BY device, hour`,
      )
      .all(rx) as { device: string; hour: number; bytes: number }[];
  }

  /** (device, seq, rx) of the offline wand taps journaled since `rx`, oldest first (records dedupe after a restart). */
  offlineTapKeysSince(rx: number): { device: string; seq: number; rx: number }[] {
    return this.db
      .prepare(
        `SELECT json_extract(body, '$.event.device') AS device, json_extract(body, '$.event.seq') AS seq, rx
         FROM entries WHERE rx >= ? AND type = 'event' AND json_extract(body, '$.event.offline') = 1
           AND json_extract(body, '$.event.seq') IS NOT NULL
         ORDER BY entries.seq`,
      )
      .all(rx) as { device: string; seq: number; rx: number }[];
  }

  /** Probe that the journal can still write (used by /healthz). */
  probeWritable(): boolean {
    if (this.closed) return false;
    try {
      // Allocate a page as an append would, then roll back: fails on a full disk,
      // a size cap, a read-only file system or a broken file, and leaves nothing behind.
      this.db.transaction(() => {
        this.db.prepare('INSERT INTO probe (b) VALUES (zeroblob(8192))').run();
        throw new ProbeDone();
      })();
      return true;
    } catch (err) {
      // A failed append stays reported until an append succeeds, even if a
      // probe of one page would fit: the journal could not take a real batch.
      if (err instanceof ProbeDone) return this.lastErrorValue === null;
      this.lastErrorValue = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

class ProbeDone extends Error {}

function toEntry(row: Row): JournalEntry {
  return { seq: row.seq, at: row.at, body: JSON.parse(row.body) as JournalBody };
}
