/**
 * The bulletin's response figures (issue 13.6) from alert records: ack
 * median/p90 per unit, escalations by ladder level, false alarms over 12
 * months, drills and tests with their response times, buttons overdue for a
 * test; fields an older journal lacks are "not recorded", never zeros. And
 * the suggestions grouped by rule with counts.
 */
import { describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { renderBulletinHtml } from '../../gateway/src/bulletin/render-html.js';
import { percentile } from '../../gateway/src/bulletin/response.js';
import { groupSuggestions } from '../../gateway/src/bulletin/suggestions.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { Entries, local, testSite } from './fixtures.js';
import { sampleWeek } from './sample.js';

function alert(
  e: Entries,
  when: string,
  raised: string,
  a: Partial<AlertPayload> & { id: string; unit: string },
) {
  const at = local(when);
  const full: AlertPayload = {
    kind: 'panic',
    state: 'raised',
    severity: 'critical',
    zone: 'east',
    device: null,
    checkpoint: null,
    guard: null,
    route: null,
    raisedAt: new Date(local(raised)).toISOString(),
    updatedAt: new Date(at).toISOString(),
    ackBy: null,
    message: 'test',
    ...a,
  };
  return e.add(at, { type: 'alert', alert: full, key: `k:${a.id}`, targets: [a.unit], escalateAt: null });
}

/** U02: three live panics acknowledged after 2, 4 and 30 s, one reaching ladder level 3; a false alarm last spring. */
function richWeek(): Entries {
  const e = new Entries();
  const day = '2026-11-24T09:00';
  for (const [i, ms] of [2000, 4000, 30_000].entries()) {
    const id = `P${i}`;
    alert(e, `${day}:0${i}`, `${day}:0${i}`, { id, unit: 'U02', device: 'U02-PANIC-1', level: 1 });
    if (i === 2)
      alert(e, `${day}:2${i}`, `${day}:0${i}`, {
        id,
        unit: 'U02',
        state: 'escalated',
        escalated: true,
        level: 3,
      });
    alert(e, `${day}:3${i}`, `${day}:0${i}`, {
      id,
      unit: 'U02',
      state: 'acknowledged',
      ackBy: 'U03-duty',
      ackMs: ms,
      level: i === 2 ? 3 : 1,
    });
  }
  // a drill at U01, viewed after 3 s, acknowledged after 5 s, resolved after 60 s
  alert(e, '2026-11-25T10:00', '2026-11-25T10:00', {
    id: 'D1',
    unit: 'U01',
    device: 'U01-PANIC-1',
    mode: 'drill',
  });
  alert(e, '2026-11-25T10:01', '2026-11-25T10:00', {
    id: 'D1',
    unit: 'U01',
    device: 'U01-PANIC-1',
    mode: 'drill',
    state: 'resolved',
    ackMs: 5000,
    viewMs: 3000,
    resolveMs: 60_000,
    classification: 'drill',
  });
  // U03's button tested this week; U02's button not in 12 months; U01 resolved as false in May
  alert(e, '2026-11-26T10:00', '2026-11-26T10:00', {
    id: 'T1',
    unit: 'U03',
    device: 'U03-PANIC-1',
    mode: 'test',
  });
  alert(e, '2026-05-10T10:00', '2026-05-10T09:59', {
    id: 'F1',
    unit: 'U01',
    state: 'resolved',
    classification: 'false',
  });
  return e;
}

describe('response figures', () => {
  it('percentile is nearest-rank', () => {
    expect(percentile([], 90)).toBeNull();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([30, 2, 4], 50)).toBe(4);
  });

  it('per unit: ack median and p90, escalations by level, false alarms over 12 months; drills and tests apart', () => {
    const b = computeBulletin({ site: testSite(), entries: richWeek().list, week: '2026-W48', zone: 'east' });
    const r = b.response;
    expect(r.recorded).toEqual({ levels: true, classification: true, modes: true });
    const u02 = r.byUnit.find((u) => u.unit === 'U02');
    expect(u02).toMatchObject({
      alerts: 3,
      acknowledged: 3,
      ackMedianMs: 4000,
      ackP90Ms: 30_000,
      escalated: 1,
    });
    expect(u02?.byLevel).toEqual({ 3: 1 });
    const u01 = r.byUnit.find((u) => u.unit === 'U01');
    // the drill is not a live alert; the May false alarm is within 12 months
    expect(u01).toMatchObject({ alerts: 0, falseYear: 1, classifiedYear: 1 });
    expect(r.drills).toEqual([
      expect.objectContaining({ id: 'D1', mode: 'drill', viewMs: 3000, ackMs: 5000, resolveMs: 60_000 }),
      expect.objectContaining({ id: 'T1', mode: 'test', ackMs: null }),
    ]);
    // U01's button only had a drill, U02's nothing, U03's serial one nothing; U03-PANIC-1 was tested this week
    expect(r.overdueButtons.map((x) => x.device).sort()).toEqual([
      'U01-PANIC-1',
      'U02-PANIC-1',
      'U03-SER-PANIC',
    ]);
    expect(r.panicButtons).toBe(4);
    const html = renderBulletinHtml(b);
    expect(html).toContain('id="response"');
    expect(html).toContain('第 3 级 1 起');
    expect(html).not.toContain('未记录');
  });

  it('a journal without levels, classifications or modes says so instead of counting zeros', () => {
    const b = computeBulletin({
      site: testSite(),
      entries: sampleWeek().list,
      week: '2026-W48',
      zone: 'east',
    });
    expect(b.response.recorded).toEqual({ levels: false, classification: false, modes: false });
    const u01 = b.response.byUnit.find((u) => u.unit === 'U01');
    expect(u01).toMatchObject({ alerts: 1, acknowledged: 1, ackMedianMs: 4000, escalated: 0 });
    const html = renderBulletinHtml(b);
    expect(html).toContain('未记录');
    // without a test mode in the journal, "never tested" is no suggestion
    expect(b.suggestions.some((s) => s.rule === 'button_test')).toBe(false);
  });
});

describe('suggestions grouped by rule', () => {
  it('one heading with the count per rule, then each unit with its figure', () => {
    // every east unit below the licence threshold: one group of 4, not 4 sentences
    const site = testSite((raw) => {
      for (const g of raw.guards as { licensed?: boolean }[]) g.licensed = false;
    });
    const b = computeBulletin({ site, entries: sampleWeek().list, week: '2026-W48', zone: 'east' });
    const groups = groupSuggestions(b.suggestions, b.thresholds);
    const licence = groups.find((g) => g.rule === 'licence');
    expect(licence?.count).toBe(b.suggestions.filter((s) => s.rule === 'licence').length);
    expect(licence?.count).toBeGreaterThan(1);
    expect(licence?.title.zh).toMatch(/^保安员持证率低于 80%（\d 个单位）：/);
    expect(licence?.items.map((i) => i.zh)).toContain('新城名苑 0.0%（0/3）');
    expect(new Set(groups.map((g) => g.rule)).size).toBe(groups.length);
    const html = renderBulletinHtml(b);
    expect(html.match(/<li data-rule="licence"/g)).toHaveLength(1);
    // full-width punctuation between Chinese text in every Chinese sentence
    for (const s of b.suggestions) expect(s.zh).not.toMatch(/[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]/);
  });
});
