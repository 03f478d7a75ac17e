import { describe, expect, it } from 'vitest';
import { computeBulletin } from '../../gateway/src/bulletin/compute.js';
import { CSV_TABLES, renderBulletinCsv } from '../../gateway/src/bulletin/render-csv.js';
import { renderBulletinHtml } from '../../gateway/src/bulletin/render-html.js';
import { barChart } from '../../gateway/src/bulletin/svg.js';
import { testSite } from './fixtures.js';
import { sampleWeek } from './sample.js';

const bulletin = () =>
  computeBulletin({ site: testSite(), entries: sampleWeek().list, week: '2026-W48', zone: 'east' });

describe('HTML bulletin', () => {
  const html = renderBulletinHtml(bulletin());

  it('has the six aspects with Chinese headings and English subtitles, plus the points', () => {
    const sections = [...html.matchAll(/<section class="aspect" id="aspect-(\w+)" data-aspect="(\d)">/g)];
    expect(sections.map((m) => [m[1], m[2]])).toEqual([
      ['preventable', '1'],
      ['patrol', '2'],
      ['rollcall', '3'],
      ['inspection', '4'],
      ['licence', '5'],
      ['suggestions', '6'],
    ]);
    for (const h of [
      '一、可防性案件压降',
      '二、联勤联防巡逻动态',
      '三、系统点名',
      '四、实地检查情况',
      '五、保安员持证情况',
      '六、工作建议',
    ]) {
      expect(html).toContain(h);
    }
    expect(html).toContain('<small lang="en">3. System roll calls</small>');
    expect(html).toContain('id="points"');
    // the zone by its name alone, no "(east)" left in the Chinese line
    expect(html).toContain('东片区 · 2026-W48');
    expect(html).not.toContain('(east)');
    expect(html).toContain('2026-11-23 至 2026-11-29');
  });

  it('draws its own SVG bar charts, no external resources, and prints', () => {
    const charts = html.match(/<svg class="chart[ "]/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(7);
    expect(html).toMatch(/<rect class="bar"[^>]+height="[1-9]/);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    expect(html).toContain('@media print');
  });

  it('escapes data', () => {
    expect(html).toContain('消防通道堵塞, &#34;临时&#34;杂物');
  });
});

describe('bar chart', () => {
  it('scales bars to the largest value and labels them', () => {
    const svg = barChart({
      title: 't<1>',
      categories: ['a', 'b'],
      series: [{ name: 's', color: '#000', values: [2, 4] }],
    });
    const heights = [...svg.matchAll(/<rect class="bar"[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect((heights[1] as number) / (heights[0] as number)).toBeCloseTo(2, 5);
    expect(svg).toContain('t&#60;1&#62;');
  });

  it('counts get whole-number ticks; negative values hang below the zero line', () => {
    const ticks = (svg: string) => [...svg.matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(
      ticks(barChart({ title: '', categories: ['a'], series: [{ name: 's', color: '#000', values: [1] }] })),
    ).toEqual(['0', '1']);
    expect(
      ticks(barChart({ title: '', categories: ['a'], series: [{ name: 's', color: '#000', values: [7] }] })),
    ).toEqual(['0', '2', '4', '6', '8']);
    const svg = barChart({
      title: '',
      categories: ['a', 'b'],
      series: [{ name: 's', color: '#000', values: [6, -3] }],
    });
    expect(ticks(svg)).toEqual(['-5', '0', '5', '10']);
    const axisY = Number(
      /class="axis"[^>]*y1="([\d.]+)"/.exec(svg)?.[1] ?? /y1="([\d.]+)"[^>]*class="axis"/.exec(svg)?.[1],
    );
    const bars = [
      ...svg.matchAll(/<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g),
    ].map((m) => [Number(m[1]), Number(m[2])]);
    expect((bars[0]?.[0] as number) + (bars[0]?.[1] as number)).toBeCloseTo(axisY, 1);
    expect(bars[1]?.[0]).toBeCloseTo(axisY, 1);
    expect((bars[0]?.[1] as number) / (bars[1]?.[1] as number)).toBeCloseTo(2, 5);
  });
});

describe('CSV tables', () => {
  it('headers in Chinese by default, English with lang en', () => {
    const zh = renderBulletinCsv(bulletin());
    expect(zh.alerts_by_kind.slice(1).split('\r\n')[0]).toBe('类别,本周,上周,增减');
    expect(zh.alerts_by_kind).toContain('紧急报警,1,1,0');
    expect(zh.rollcall_by_unit.slice(1).split('\r\n')[0]).toBe(
      '单位编号,单位名称,片区,点名次数,应到,实到,缺勤,到岗率',
    );
    for (const text of Object.values(zh)) expect(text.slice(1).split('\r\n')[0]).toMatch(/[\u4e00-\u9fff]/);
    for (const text of Object.values(renderBulletinCsv(bulletin(), 'en')))
      expect(text.slice(1).split('\r\n')[0]).toMatch(/^[\x20-\x7e]+$/);
  });

  it('one CSV per table, with a BOM, header and rows; quotes where needed', () => {
    const csv = renderBulletinCsv(bulletin(), 'en');
    expect(Object.keys(csv).sort()).toEqual([...CSV_TABLES].sort());
    for (const text of Object.values(csv)) expect(text.startsWith('\uFEFF')).toBe(true);
    const kinds = csv.alerts_by_kind.slice(1).trim().split('\r\n');
    expect(kinds[0]).toBe('kind,this_week,last_week,change');
    expect(kinds).toContain('panic,1,1,0');
    expect(kinds).toContain('device_offline,1,0,1');
    const rc = csv.rollcall_by_unit.slice(1).trim().split('\r\n');
    expect(rc).toContain('U02,新城名苑,east,1,3,2,1,0.6667');
    expect(csv.inspections).toContain('"消防通道堵塞, ""临时""杂物"');
    const points = csv.points_guards.slice(1).trim().split('\r\n');
    expect(points[0]).toMatch(/^guard,name,unit,week,month_2026-11,checkpoint,/);
    // G001: 3 + 1 checkpoints, missed -3, answered +2
    expect(points[1]).toMatch(/^G001,李大爷,U02,3,3,4,2,0,-3,0,0,0$/);
  });
});
