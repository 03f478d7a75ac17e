/**
 * GET /bulletin through its worker thread (bulletin/pool.ts): served from a
 * read-only connection to the journal file, repeated from the cache until the
 * journal changes, a bad week still a 400, a job past its deadline a 503.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBulletinExtension } from '../../gateway/src/bulletin/extension.js';
import type { Bulletin } from '../../gateway/src/bulletin/types.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import { type Harness, host, rawGet } from '../console/harness.js';
import { local, testSite } from './fixtures.js';
import { sampleWeek } from './sample.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function journalWithSampleWeek(): Journal {
  const journal = new Journal({
    path: join(mkdtempSync(join(tmpdir(), 'gp-bulletin-worker-')), 'journal.sqlite'),
  });
  journal.transaction(() => {
    for (const e of sampleWeek().list) journal.append(e.body, e.at);
  });
  return journal;
}

describe('GET /bulletin in a worker', () => {
  it('serves the week, repeats it from the cache, recomputes after a new journal entry', async () => {
    const journal = journalWithSampleWeek();
    h = await host(
      createBulletinExtension({ auth: false, now: () => local('2026-11-26T12:00') }),
      testSite(),
      {
        journal,
      },
    );
    const first = await rawGet(h.port, '/bulletin?week=2026-W48&zone=east&format=json');
    expect(first.status).toBe(200);
    expect(first.headers['x-bulletin-cache']).toBe('miss');
    const b = JSON.parse(first.body) as Bulletin;
    expect(b.preventable.byKind.find((k) => k.kind === 'panic')?.thisWeek).toBe(1);
    const again = await rawGet(h.port, '/bulletin?week=2026-W48&zone=east&format=csv&table=alerts_by_kind');
    expect(again.status).toBe(200);
    expect(again.headers['x-bulletin-cache']).toBe('hit');
    const at = local('2026-11-25T10:00');
    journal.append(
      {
        type: 'op',
        input: { op: 'inspection', by: 'police-east', unit: 'U03', violations: 1, note: '' },
        at,
      },
      at,
    );
    const after = await rawGet(h.port, '/bulletin?week=2026-W48&zone=east&format=json');
    expect(after.status).toBe(200);
    expect(after.headers['x-bulletin-cache']).toBe('miss');
    expect((JSON.parse(after.body) as Bulletin).inspections.count).toBe(b.inspections.count + 1);
    // computed in the worker, refused as the caller's fault
    expect((await rawGet(h.port, '/bulletin?week=2025-W53&format=json')).status).toBe(400);
  });

  it('answers 503 for a job past its deadline, then serves again with a fresh worker', async () => {
    const journal = journalWithSampleWeek();
    h = await host(createBulletinExtension({ auth: false, limits: { timeoutMs: 1 } }), testSite(), {
      journal,
    });
    const late = await rawGet(h.port, '/bulletin?week=2026-W48&format=json');
    expect(late.status).toBe(503);
    expect(late.headers['retry-after']).toBeDefined();
    expect(JSON.parse(late.body)).toMatchObject({ error: expect.stringMatching(/longer than 1 ms/) });
    await h.close();
    h = await host(createBulletinExtension({ auth: false }), testSite(), { journal });
    expect((await rawGet(h.port, '/bulletin?week=2026-W48&format=json')).status).toBe(200);
  });
});
