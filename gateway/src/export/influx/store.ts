/**
 * The exporter's own tables in the journal's SQLite file, committed in one
 * transaction with the `influx` cursor:
 *
 * - influx_quarantine: points InfluxDB refused (4xx), with the line and the
 *   server's message, so nothing accepted is silently lost.
 * - influx_point_times: the millisecond each exported point was written at,
 *   per series. InfluxDB identifies a point by measurement + tag set +
 *   timestamp and overwrites on a repeat; when two distinct journal entries
 *   would produce the same identity (two taps of one wand in one ms, two
 *   alerts of one kind in one unit raised by the same tick), the later one
 *   (higher journal seq) moves to the next free millisecond of its series.
 *   The rule depends only on what is committed here and on the entries in
 *   seq order, so a re-send after a crash assigns the same times again and
 *   overwrites with identical content.
 */
import type Database from 'better-sqlite3';
import type { IPoint } from 'influx';
import { seriesKey } from './points.js';

export interface QuarantineRow {
  seq: number;
  measurement: string;
  line: string;
  error: string;
  at: number;
}

export interface Slot {
  series: string;
  ms: number;
  seq: number;
}

/** A point waiting for export, with the journal entry it came from. */
export interface PendingPoint {
  seq: number;
  point: IPoint;
  /** Its line protocol once its time is assigned, or why it cannot be encoded. */
  line?: string | Error;
}

export class ExportStore {
  private readonly loadSeries: Database.Statement<[string, number]>;
  private readonly insertSlot: Database.Statement<[string, number, number]>;
  private readonly insertQuarantine: Database.Statement<[number, string, string, string, number]>;
  private readonly pruneSlots: Database.Statement<[number]>;
  private readonly countQuarantine: Database.Statement<[]>;
  private readonly hasCursorRow: Database.Statement<[string]>;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS influx_quarantine (
        seq INTEGER NOT NULL,          -- journal seq of the entry the point came from
        measurement TEXT NOT NULL,
        line TEXT NOT NULL,            -- the line protocol that was refused (ms precision)
        error TEXT NOT NULL,           -- InfluxDB's message
        at INTEGER NOT NULL,           -- when it was quarantined, epoch ms
        PRIMARY KEY (seq, measurement)
      );
      CREATE TABLE IF NOT EXISTS influx_point_times (
        series TEXT NOT NULL,
        ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (series, ms)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS influx_point_times_ms ON influx_point_times(ms);
    `);
    this.loadSeries = db.prepare('SELECT ms, seq FROM influx_point_times WHERE series = ? AND ms >= ?');
    this.insertSlot = db.prepare(
      'INSERT OR REPLACE INTO influx_point_times (series, ms, seq) VALUES (?, ?, ?)',
    );
    this.insertQuarantine = db.prepare(
      'INSERT OR REPLACE INTO influx_quarantine (seq, measurement, line, error, at) VALUES (?, ?, ?, ?, ?)',
    );
    this.pruneSlots = db.prepare('DELETE FROM influx_point_times WHERE ms < ?');
    this.countQuarantine = db.prepare('SELECT count(*) AS n FROM influx_quarantine');
    this.hasCursorRow = db.prepare('SELECT 1 AS one FROM cursors WHERE name = ?');
  }

  /**
   * Give each point (in journal seq order) its timestamp: its own `at`, or
   * the next millisecond of its series not taken by another entry. Mutates
   * the points' timestamps and returns the slots to commit. `inFlight`: the
   * slots of the batch being written right before this one, taken as if
   * already committed.
   */
  assignTimes(pending: readonly PendingPoint[], inFlight: readonly Slot[] = []): Slot[] {
    const occupied = new Map<string, Map<number, number>>();
    const skip = new Map<string, Map<number, number>>();
    const minAt = new Map<string, number>();
    const keys = pending.map((p) => seriesKey(p.point));
    const ahead = new Map<string, Slot[]>();
    for (const s of inFlight) {
      const list = ahead.get(s.series);
      if (list) list.push(s);
      else ahead.set(s.series, [s]);
    }
    pending.forEach((p, i) => {
      const key = keys[i] as string;
      const at = Number(p.point.timestamp);
      minAt.set(key, Math.min(minAt.get(key) ?? at, at));
    });
    for (const [key, from] of minAt) {
      const occ = new Map<number, number>();
      for (const row of this.loadSeries.all(key, from) as { ms: number; seq: number }[])
        occ.set(row.ms, row.seq);
      for (const s of ahead.get(key) ?? []) if (s.ms >= from) occ.set(s.ms, s.seq);
      occupied.set(key, occ);
      skip.set(key, new Map());
    }
    const slots: Slot[] = [];
    pending.forEach((p, i) => {
      const key = keys[i] as string;
      const occ = occupied.get(key) as Map<number, number>;
      const jumps = skip.get(key) as Map<number, number>;
      const path: number[] = [];
      let t = Number(p.point.timestamp);
      for (;;) {
        const jump = jumps.get(t);
        if (jump !== undefined) {
          path.push(t);
          t = jump;
          continue;
        }
        const owner = occ.get(t);
        if (owner !== undefined && owner !== p.seq) {
          path.push(t);
          t += 1;
          continue;
        }
        break;
      }
      // every slot on the path is held by a lower seq: later points can jump straight here
      for (const s of path) jumps.set(s, t);
      occ.set(t, p.seq);
      p.point.timestamp = t;
      slots.push({ series: key, ms: t, seq: p.seq });
    });
    return slots;
  }

  /** Commit a written batch: its slots, its quarantined points and the cursor, atomically. */
  commit(slots: readonly Slot[], quarantined: readonly QuarantineRow[], advanceCursor: () => void): number {
    let added = 0;
    this.db.transaction(() => {
      for (const s of slots) this.insertSlot.run(s.series, s.ms, s.seq);
      for (const q of quarantined) {
        added += this.insertQuarantine.run(q.seq, q.measurement, q.line, q.error, q.at).changes > 0 ? 1 : 0;
      }
      advanceCursor();
    })();
    return added;
  }

  /** Forget slot assignments older than `beforeMs` (no future entry can collide with them). */
  prune(beforeMs: number): number {
    return this.pruneSlots.run(beforeMs).changes;
  }

  quarantineCount(): number {
    return (this.countQuarantine.get() as { n: number }).n;
  }

  hasCursor(name: string): boolean {
    return this.hasCursorRow.get(name) !== undefined;
  }
}
