/**
 * Journal.stats() keeps its entry count instead of a count(*) per call (a
 * full table read on the main thread for every /healthz and /metrics): the
 * kept count must match the table after appends, a rolled-back transaction
 * and retention.
 */
import { describe, expect, it } from 'vitest';
import { Journal } from '../../gateway/src/journal/journal.js';

const counted = (j: Journal): number =>
  (j.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;

const op = (n: number) =>
  ({
    type: 'op',
    input: { op: 'inspection', by: 'police-east', unit: 'U01', violations: n, note: '' },
    at: n,
  }) as const;

describe('Journal.stats().entries', () => {
  it('follows appends, rollbacks and prune', () => {
    const j = new Journal({ path: ':memory:' });
    expect(j.stats().entries).toBe(0);
    j.transaction(() => {
      for (let i = 0; i < 5; i++) j.append(op(i), i, 1000 + i);
    });
    j.append(op(5), 5, 1005);
    expect(j.stats().entries).toBe(6);
    expect(() =>
      j.transaction(() => {
        j.append(op(6), 6, 1006);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(j.stats().entries).toBe(counted(j));
    expect(j.stats().entries).toBe(6);
    expect(j.prune(1003).deleted).toBe(3);
    expect(j.stats()).toMatchObject({ entries: 3, firstSeq: 4 });
    j.append(op(7), 7, 1007);
    expect(j.stats().entries).toBe(counted(j));
  });
});
