/**
 * The bulletin from a real journal file: the HTTP route (Extension in a small
 * host), runBulletin(), and `guardpost bulletin` as a process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBulletinExtension } from '../../gateway/src/bulletin/extension.js';
import { loadBulletinEntries } from '../../gateway/src/bulletin/load.js';
import { CSV_TABLES } from '../../gateway/src/bulletin/render-csv.js';
import { runBulletin } from '../../gateway/src/cli/bulletin.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import { basic, type Harness, host, rawGet } from '../console/harness.js';
import { local, testSite } from './fixtures.js';
import { sampleWeek } from './sample.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SITE = join(ROOT, 'test/fixtures/small-site.yaml');

function journalIn(dir: string): Journal {
  const journal = new Journal({ path: join(dir, 'journal.sqlite') });
  journal.transaction(() => {
    for (const e of sampleWeek().list) journal.append(e.body, e.at);
    // a heartbeat and a tap: only the checkpoint tap is loaded
    const base = {
      zone: 'east',
      unit: 'U03',
      seq: 1,
      receivedAt: 0,
      skewed: false,
      transport: 'mqtt' as const,
    };
    journal.append(
      {
        type: 'event',
        event: {
          ...base,
          kind: 'heartbeat',
          device: 'U03-PANIC-1',
          at: local('2026-11-25T10:00'),
          battery: 80,
          rssi: -60,
          tamper: false,
        },
      },
      local('2026-11-25T10:00'),
    );
    journal.append(
      {
        type: 'event',
        event: {
          ...base,
          kind: 'tap',
          device: 'U03-SER-READER',
          at: local('2026-11-25T11:00'),
          uid: '04A1B2C3D4E502',
          uidKind: 'card',
          checkpoint: 'CP-E-03',
          guard: 'G005',
          route: null,
          tour: null,
        },
      },
      local('2026-11-25T11:00'),
    );
  });
  return journal;
}

describe('loading from the journal', () => {
  it('reads the records of the window and checkpoint taps, not heartbeats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bulletin-'));
    const journal = journalIn(dir);
    const entries = loadBulletinEntries(journal, '2026-W48', 'Asia/Shanghai');
    journal.close();
    expect(entries.length).toBe(sampleWeek().list.length + 1);
    expect(entries.some((e) => e.body.type === 'event' && e.body.event.kind === 'heartbeat')).toBe(false);
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort((a, b) => a - b));
  });
});

describe('GET /bulletin', () => {
  let dir: string;
  let journal: Journal;
  let h: Harness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gp-bulletin-'));
    journal = journalIn(dir);
    h = await host(createBulletinExtension({ now: () => local('2026-11-26T12:00') }), testSite(), {
      journal,
    });
  });
  afterAll(async () => {
    await h?.close();
    journal?.close();
  });

  it('needs an account; a console sees its own zone only', async () => {
    const none = await rawGet(h.port, '/bulletin?week=2026-W48');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await rawGet(h.port, '/bulletin?week=2026-W48&zone=west', basic('U02-duty'))).status).toBe(403);
    const mine = await rawGet(h.port, '/bulletin?week=2026-W48&format=json', basic('U02-duty'));
    expect(mine.status).toBe(200);
    expect(JSON.parse(mine.body).zone).toEqual({ id: 'east', name: '东片区' });
  });

  it('HTML by default, JSON and CSV on request, the current week when none is given', async () => {
    const page = await rawGet(h.port, '/bulletin?week=2026-W48&zone=east', basic('police-east'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('六、工作建议');
    const json = JSON.parse(
      (await rawGet(h.port, '/bulletin?week=2026-W48&zone=east&format=json', basic('police-east'))).body,
    );
    expect(json.preventable.total).toEqual({ thisWeek: 2, lastWeek: 1, change: 1 });
    expect(json.patrol.checkpointsVisited).toBe(3);
    expect(
      json.points.units.find((u: { unit: string }) => u.unit === 'U02').breakdown.alert_acknowledged,
    ).toBe(5);
    const csv = await rawGet(
      h.port,
      '/bulletin?week=2026-W48&zone=east&format=csv&table=licences',
      basic('police-east'),
    );
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('bulletin-2026-W48-east-licences.csv');
    expect(csv.body).toContain('U02,新城名苑,east,3,2,0.6667');
    const current = JSON.parse((await rawGet(h.port, '/bulletin?format=json', basic('police-east'))).body);
    expect(current.week).toBe('2026-W48');
    expect(current.zone).toBeNull();
  });

  it('refuses bad input with 400', async () => {
    for (const q of ['week=48', 'week=2025-W53', 'zone=nowhere', 'format=pdf', 'format=csv&table=nope']) {
      const r = await rawGet(h.port, `/bulletin?${q}`, basic('police-east'));
      expect(r.status, q).toBe(400);
      expect(JSON.parse(r.body).code, q).toMatch(/^bad_|^unknown_/);
    }
    // a browser opening the page gets the refusal in Chinese, not English JSON
    const page = await rawGet(h.port, '/bulletin?week=48', { ...basic('police-east'), accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<h1>周次格式应为 2026-W48</h1>');
  });
});

describe('runBulletin and guardpost bulletin', () => {
  it('writes index.html, bulletin.json and one CSV per table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bulletin-'));
    journalIn(dir).close();
    const out = join(dir, 'out');
    const lines: string[] = [];
    const code = await runBulletin({
      configPath: SITE,
      dataDir: dir,
      week: '2026-W48',
      zone: 'east',
      out,
      print: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      ['bulletin.json', 'index.html', ...CSV_TABLES.map((t) => `${t}.csv`)].sort(),
    );
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('一、可防性案件压降');
    const b = JSON.parse(readFileSync(join(out, 'bulletin.json'), 'utf8'));
    expect(b.rollcalls.calls).toBe(1);
    expect(b.inspections.violations).toBe(2);
    expect(lines.join('\n')).toMatch(/bulletin 2026-W48 zone east: \d+ journal entries/);
  });

  it('fails clearly without a journal, with a bad week or an unknown zone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bulletin-'));
    const errors: string[] = [];
    const printError = (l: string) => errors.push(l);
    expect(
      await runBulletin({
        configPath: SITE,
        dataDir: dir,
        week: '2026-W48',
        out: join(dir, 'o'),
        printError,
      }),
    ).toBe(1);
    expect(errors.pop()).toMatch(/no journal at/);
    expect(existsSync(join(dir, 'journal.sqlite'))).toBe(false);
    journalIn(dir).close();
    expect(
      await runBulletin({
        configPath: SITE,
        dataDir: dir,
        week: '2026-W60',
        out: join(dir, 'o'),
        printError,
      }),
    ).toBe(2);
    expect(
      await runBulletin({
        configPath: SITE,
        dataDir: dir,
        week: '2026-W48',
        zone: 'eats',
        out: join(dir, 'o'),
        printError,
      }),
    ).toBe(2);
    expect(errors.pop()).toMatch(/unknown zone "eats"/);
  });

  it('runs as `guardpost bulletin` without a gateway or InfluxDB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bulletin-'));
    journalIn(dir).close();
    const out = join(dir, 'cli-out');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'gateway/src/cli/main.ts'),
        'bulletin',
        '--week',
        '2026-W48',
        '--zone',
        'east',
        '--out',
        out,
        '--config',
        SITE,
        '--data-dir',
        dir,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'bulletin.json'), 'utf8')).week).toBe('2026-W48');
  }, 60_000);
});
