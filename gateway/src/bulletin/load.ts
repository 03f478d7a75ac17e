/** Reading what the bulletin needs from the journal. */
import type { Journal } from '../journal/journal.js';
import type { JournalEntry } from '../journal/types.js';
import { bulletinWindow } from './week.js';

interface Row {
  seq: number;
  at: number;
  body: string;
}

/**
 * The records of the bulletin's window (alerts, tours, roll calls, ops,
 * missed schedules) plus this week's checkpoint taps. Taps are selected in
 * SQL: the window also holds every heartbeat, and loading those would cost
 * far more than the bulletin itself.
 */
export function loadBulletinEntries(journal: Journal, week: string, timezone: string): JournalEntry[] {
  const w = bulletinWindow(week, timezone);
  const records = journal.readByTime(
    ['alert', 'tour', 'rollcall-result', 'op', 'schedule-missed'],
    w.from,
    w.to,
  );
  const taps = (
    journal.db
      .prepare(
        `SELECT seq, at, body FROM entries WHERE type = 'event' AND at >= ? AND at < ?
           AND json_extract(body, '$.event.kind') = 'tap' AND json_extract(body, '$.event.checkpoint') IS NOT NULL`,
      )
      .all(w.thisWeek.from, w.thisWeek.to) as Row[]
  ).map((r): JournalEntry => ({ seq: r.seq, at: r.at, body: JSON.parse(r.body) as JournalEntry['body'] }));
  return [...records, ...taps].sort((a, b) => a.at - b.at || a.seq - b.seq);
}
