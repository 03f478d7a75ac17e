import { describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { addJointRoute, Entries, testSite } from './fixtures.js';

const W = '2026-W48';
const site = testSite(addJointRoute);

function shortfalls(): Entries {
  const e = new Entries()
    .rollcall('2026-11-23T08:00', { call: 'RC1', unit: 'U02', present: ['G001', 'G003'], absent: ['G002'] })
    .rollcall('2026-11-23T08:00', { call: 'RC1', unit: 'U01', present: ['G004'] })
    .tour('2026-11-23T21:00', { id: 'T1', route: 'east-night', visited: ['CP-E-01', 'CP-E-03'] })
    .inspection('2026-11-24T22:00', 'U03', 2, '门卫脱岗')
    .alert('2026-11-24T09:00', { id: 'A9', kind: 'panic', unit: 'U03' })
    .alert('2026-11-24T09:00:30', { id: 'A9', kind: 'panic', unit: 'U03', state: 'escalated' });
  for (let d = 23; d <= 29; d++) {
    e.tour(`2026-11-${d}T20:00`, {
      id: `J${d}`,
      route: 'east-joint',
      units: d <= 27 ? ['U02', 'U03'] : ['U02'],
    });
  }
  for (let i = 0; i < 3; i++) {
    e.alert(`2026-11-2${5 + i}T03:00`, {
      id: `O${i}`,
      kind: 'device_offline',
      unit: 'U01',
      device: 'U01-PANIC-1',
    });
  }
  e.alert('2026-11-26T03:00', { id: 'O9', kind: 'device_offline', unit: 'U02', device: 'U02-PANIC-1' });
  return e;
}

describe('(6) suggestions from the week shortfalls', () => {
  it('one sentence (zh and en) per shortfall, naming the unit and the figure', () => {
    const b = computeBulletin({ site, entries: shortfalls().list, week: W, zone: 'east' });
    const by = (rule: string) => b.suggestions.filter((s) => s.rule === rule);
    // attendance: U02 2/3 < 90 %; U01 100 % is fine
    expect(by('attendance').map((s) => s.unit)).toEqual(['U02']);
    expect(by('attendance')[0]?.zh).toContain('66.7%');
    expect(by('attendance')[0]?.zh).toContain('王师傅');
    expect(by('attendance')[0]?.en).toMatch(/attendance 66\.7%/);
    // coverage: U02 visited 1 of 2 = 50 %; U03 1/1 fine; U01/U04 own no checkpoints
    expect(by('coverage').map((s) => s.unit)).toEqual(['U02']);
    expect(by('coverage')[0]?.zh).toContain('1/2');
    // joint: U02 7 days and U03 5 days are fine; U01 and U04 never joined
    expect(
      by('joint')
        .map((s) => s.unit)
        .sort(),
    ).toEqual(['U01', 'U04']);
    // offline ≥ 3 times: U01-PANIC-1 (3), not U02-PANIC-1 (1)
    expect(by('offline').map((s) => s.zh)).toEqual([expect.stringContaining('U01-PANIC-1')]);
    expect(by('offline')[0]?.en).toContain('3 times');
    expect(by('inspection').map((s) => s.unit)).toEqual(['U03']);
    expect(by('licence').map((s) => s.unit)).toEqual(['U02']);
    expect(by('escalation')).toHaveLength(1);
    expect(by('alerts')).toHaveLength(1);
    expect(by('ok')).toHaveLength(0);
    for (const s of b.suggestions) {
      expect(s.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(s.en).toMatch(/^[\x20-\x7e\u4e00-\u9fff、×()%/—–-]+$/);
    }
  });

  it('thresholds are configurable', () => {
    const b = computeBulletin({
      site,
      entries: shortfalls().list,
      week: W,
      zone: 'east',
      thresholds: { attendance: 0.5, coverage: 0.5, jointDays: 1, offlineTimes: 4, licensed: 0.5 },
    });
    const rules = new Set(b.suggestions.map((s) => s.rule));
    for (const r of ['attendance', 'coverage', 'offline', 'licence']) expect(rules.has(r)).toBe(false);
    expect(
      b.suggestions
        .filter((s) => s.rule === 'joint')
        .map((s) => s.unit)
        .sort(),
    ).toEqual(['U01', 'U04']);
  });

  it('a week without shortfalls says so', () => {
    const e = new Entries().tour('2026-11-24T10:00', {
      id: 'W1',
      route: 'west-day',
      zone: 'west',
      expected: 1,
      visited: ['CP-W-01'],
    });
    const b = computeBulletin({ site, entries: e.list, week: W, zone: 'west' });
    expect(b.suggestions).toEqual([expect.objectContaining({ rule: 'ok', unit: null })]);
  });
});
