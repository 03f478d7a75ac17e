/**
 * 巡更异常 / Patrol exceptions in the bulletin: counted once each where the
 * patrol engine records them (tap flags from taps, early and two-person from
 * the latest revision of each tour, overdue from its alert), per unit and
 * zone, in the HTML (zh and en), the CSV tables, a fake-patrol suggestion,
 * and through the loader and the worker from a real journal file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { createBulletinExtension } from '../../gateway/src/bulletin/extension.js';
import { loadBulletinEntries } from '../../gateway/src/bulletin/load.js';
import { renderBulletinCsv } from '../../gateway/src/bulletin/render-csv.js';
import { renderBulletinHtml } from '../../gateway/src/bulletin/render-html.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import { type Harness, host, rawGet } from '../console/harness.js';
import { Entries, local, testSite } from './fixtures.js';

const W = '2026-W48';
const site = testSite();

/** A week with rescans, impossible travel, a two-person miss (revised), a clock drift and an overdue key unit. */
function exceptionWeek(): Entries {
  const e = new Entries();
  for (const t of ['21:00:05', '21:00:10', '21:00:20']) {
    e.tap(`2026-11-23T${t}`, 'G001-WAND', 'U02', 'CP-E-01', 'G001', ['rescan']);
  }
  e.tap('2026-11-24T21:05', 'G001-WAND', 'U02', 'CP-E-02', 'G001', ['impossible_travel']);
  e.tap('2026-11-25T21:05', 'G001-WAND', 'U02', 'CP-E-02', 'G001', ['impossible_travel']);
  // at U03's checkpoint: U03's exceptions although U02's wand read it
  e.tap('2026-11-25T21:06', 'G001-WAND', 'U02', 'CP-E-03', 'G001', ['impossible_travel', 'clock_drift']);
  // a two-person flag on a tap is the tour's to count: not counted twice
  e.tap('2026-11-26T21:00', 'G001-WAND', 'U02', 'CP-E-01', 'G001', ['two_person']);
  e.tour('2026-11-26T21:30', {
    id: 'T1',
    route: 'east-night',
    guard: 'G001',
    status: 'missed',
    exceptions: { two_person: 1, rescan: 3 },
  });
  // revised by late records: the latest revision counts, once
  e.tour('2026-11-26T23:00', {
    id: 'T1',
    route: 'east-night',
    guard: 'G001',
    status: 'missed',
    revision: 1,
    exceptions: { two_person: 2, rescan: 3 },
  });
  e.alert('2026-11-27T03:00', { id: 'OD1', kind: 'patrol_missed', unit: 'U03', exception: 'overdue' });
  e.alert('2026-11-27T03:00', { id: 'OD1', kind: 'patrol_missed', unit: 'U03', exception: 'overdue' });
  e.alert('2026-11-27T03:05', {
    id: 'OD1',
    kind: 'patrol_missed',
    unit: 'U03',
    exception: 'overdue',
    state: 'acknowledged',
  });
  // the west zone, and last week (not counted)
  e.tap('2026-11-24T10:00', 'U11-PANIC-1', 'U11', 'CP-W-01', null, ['rescan']);
  e.tap('2026-11-20T10:00', 'G001-WAND', 'U02', 'CP-E-01', 'G001', ['rescan', 'proxy']);
  return e;
}

const KINDS = [
  'early',
  'rescan',
  'impossible_travel',
  'proxy',
  'moved_reader',
  'clock_drift',
  'two_person',
  'overdue',
];
const counts = (...n: number[]) => Object.fromEntries(KINDS.map((k, i) => [k, n[i]]));

describe('patrol exceptions in the bulletin', () => {
  const east = computeBulletin({ site, entries: exceptionWeek().list, week: W, zone: 'east' });
  const all = computeBulletin({ site, entries: exceptionWeek().list, week: W });

  it('counts each exception once per tap or tour, per unit and zone', () => {
    const unit = (id: string) => east.exceptions.byUnit.find((u) => u.unit === id);
    expect(unit('U02')).toMatchObject({ counts: counts(0, 3, 2, 0, 0, 0, 2, 0), total: 7, fakeSigns: 5 });
    expect(unit('U03')).toMatchObject({ counts: counts(0, 0, 1, 0, 0, 1, 0, 1), total: 3, fakeSigns: 1 });
    expect(unit('U01')?.total).toBe(0);
    expect(east.exceptions.byZone).toEqual([
      { zone: 'east', name: '东片区', counts: counts(0, 3, 3, 0, 0, 1, 2, 1), total: 10 },
    ]);
    expect(all.exceptions.byZone.map((z) => [z.zone, z.total])).toEqual([
      ['east', 10],
      ['west', 1],
    ]);
    expect(all.exceptions.total).toEqual(counts(0, 4, 3, 0, 0, 1, 2, 1));
  });

  it('suggests checking a unit with many fake-patrol signs', () => {
    const fake = east.suggestions.filter((s) => s.rule === 'fake_patrol');
    expect(fake.map((s) => s.unit)).toEqual(['U02']);
    expect(fake[0]?.zh).toContain('新城名苑本周疑似虚假巡更 5 次');
    expect(fake[0]?.en).toContain('新城名苑: 5 signs of fake patrols');
    const strict = computeBulletin({
      site,
      entries: exceptionWeek().list,
      week: W,
      thresholds: { fakeSigns: 1 },
    });
    expect(strict.suggestions.filter((s) => s.rule === 'fake_patrol').map((s) => s.unit)).toEqual([
      'U02',
      'U03',
      'U11',
    ]);
  });

  it('shows a section on the page with names, zh and en headings, full-width punctuation', () => {
    const html = renderBulletinHtml(all);
    const section = html.match(/<section class="aspect" id="exceptions">[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(section).toContain('<h2>巡更异常 <small lang="en">Patrol exceptions</small></h2>');
    expect(section).toContain('<th>重复打点<br><small lang="en">Rescan</small></th>');
    expect(section).toContain('<th>双人巡更不足两人<br><small lang="en">Two-person alone</small></th>');
    expect(section).toContain(
      '<tr><td>新城名苑</td><td>东片区</td><td>0</td><td>3</td><td>2</td><td>0</td><td>0</td><td>0</td><td>2</td><td>0</td><td>7</td></tr>',
    );
    expect(section).toContain('<tr><td>西片区</td><td>0</td><td>1</td>');
    expect(section).toContain('<tr><td>合计 Total</td><td>0</td><td>4</td><td>3</td>');
    // names, not ids; quiet units counted, not listed
    expect(section).not.toMatch(/>U0\d</);
    expect(section).toContain('其余 3 个单位本周无巡更异常。');
    const zh = section.replace(/<small lang="en">[\s\S]*?<\/small>/g, '');
    expect(zh).not.toMatch(/[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]/);
  });

  it('has a CSV table with Chinese headers, English with lang en', () => {
    const zh = renderBulletinCsv(east).patrol_exceptions.split('\r\n');
    expect(zh[0]).toBe(
      '\uFEFF单位编号,单位名称,片区,过早打卡,重复打点,两点间用时过短,一机多人,读卡器点位异常,设备时钟偏差,双人巡更不足两人,重点单位巡查超时,合计',
    );
    expect(zh).toContain('U02,新城名苑,east,0,3,2,0,0,0,2,0,7');
    expect(zh).toContain('U03,洋河实验小学,east,0,0,1,0,0,1,0,1,3');
    expect(zh).toContain(',东片区合计,east,0,3,3,0,0,1,2,1,10');
    const en = renderBulletinCsv(east, 'en').patrol_exceptions.split('\r\n');
    expect(en[0]).toBe(
      '\uFEFFunit,name,zone,early,rescan,impossible_travel,proxy,moved_reader,clock_drift,two_person,overdue,total',
    );
    expect(en).toContain(',东片区 total,east,0,3,3,0,0,1,2,1,10');
  });
});

describe('patrol exceptions from a real journal', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  function journal(): Journal {
    const j = new Journal({ path: join(mkdtempSync(join(tmpdir(), 'gp-bulletin-exc-')), 'journal.sqlite') });
    j.transaction(() => {
      for (const e of exceptionWeek().list) j.append(e.body, e.at);
      // a clock-drifted tap of an unknown tag: no checkpoint, still an exception of the device's unit
      const at = local('2026-11-28T09:00');
      const tap = new Entries().tap('2026-11-28T09:00', 'U02-READER-1', 'U02', null, null, ['clock_drift']);
      const body = tap.list[0]?.body;
      if (body) j.append(body, at);
    });
    return j;
  }

  it('loads taps that carry exceptions without a checkpoint', () => {
    const j = journal();
    const entries = loadBulletinEntries(j, W, site.timezone);
    j.close();
    const b = computeBulletin({ site, entries, week: W, zone: 'east' });
    expect(b.exceptions.byUnit.find((u) => u.unit === 'U02')?.counts.clock_drift).toBe(1);
    expect(b.exceptions.byZone[0]?.total).toBe(11);
  });

  it('is computed in the bulletin worker and served as CSV', async () => {
    const j = journal();
    h = await host(createBulletinExtension({ auth: false }), site, { journal: j });
    const res = await rawGet(h.port, `/bulletin?week=${W}&zone=east&format=csv&table=patrol_exceptions`);
    expect(res.status).toBe(200);
    expect(res.body.split('\r\n')).toContain('U02,新城名苑,east,0,3,2,0,0,1,2,0,8');
    await h.close();
    h = null;
    j.close();
  });
});
