/** Reading what the bulletin needs from the journal (the gateway's Journal or a read-only connection). */
import type Database from 'better-sqlite3';
import type { JournalEntry } from '../journal/types.js';
import { bulletinWindow } from './week.js';

interface Row {
  seq: number;
  at: number;
  body: string;
}

/** Anything with the journal's SQLite handle: `Journal`, or `{ db }` for a read-only connection (worker). */
export interface JournalSource {
  readonly db: Database.Database;
}

const RECORD_TYPES = ['alert', 'tour', 'rollcall-result', 'op', 'schedule-missed'];

/**
 * The records of the bulletin's window (alerts, tours, roll calls, ops,
 * missed schedules) plus this week's checkpoint taps (and taps carrying
 * patrol exceptions, e.g. a clock drift without a checkpoint) and, from the 12
 * months before, the alert records of classified resolutions and button tests. Taps are selected in
 * SQL: the window also holds every heartbeat, and loading those would cost
 * far more than the bulletin itself. Runs off the gateway's main thread
 * (bulletin/worker.ts): a heavy week takes seconds.
 */
export function loadBulletinEntries(journal: JournalSource, week: string, timezone: string): JournalEntry[] {
  const w = bulletinWindow(week, timezone);
  const toEntry = (r: Row): JournalEntry => ({
    seq: r.seq,
    at: r.at,
    body: JSON.parse(r.body) as JournalEntry['body'],
  });
  const marks = RECORD_TYPES.map(() => '?').join(',');
  const records = (
    journal.db
      .prepare(`SELECT seq, at, body FROM entries WHERE type IN (${marks}) AND at >= ? AND at < ?`)
      .all(...RECORD_TYPES, w.from, w.to) as Row[]
  ).map(toEntry);
  const taps = (
    journal.db
      .prepare(
        `SELECT seq, at, body FROM entries WHERE type = 'event' AND at >= ? AND at < ?
           AND json_extract(body, '$.event.kind') = 'tap'
           AND (json_extract(body, '$.event.checkpoint') IS NOT NULL OR json_extract(body, '$.event.exceptions') IS NOT NULL)`,
      )
      .all(w.thisWeek.from, w.thisWeek.to) as Row[]
  ).map(toEntry);
  // the year before the window: only what the 12-month figures need (classified resolutions, button tests)
  const year = (
    journal.db
      .prepare(
        `SELECT seq, at, body FROM entries WHERE type = 'alert' AND at >= ? AND at < ?
           AND (json_extract(body, '$.alert.classification') IS NOT NULL OR json_extract(body, '$.alert.mode') = 'test')`,
      )
      .all(w.yearFrom, w.from) as Row[]
  ).map(toEntry);
  return [...year, ...records, ...taps].sort((a, b) => a.at - b.at || a.seq - b.seq);
}
