/**
 * The district directory for the city wall (uplink/directory.ts): the
 * site's, zones', units' and accounts' names from the site config, and a
 * site too big for the limit sends fewer lists instead of an oversized message.
 */
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';
import { directoryPayload } from '../../gateway/src/uplink/directory.js';
import { SMALL_SITE_PATH } from '../support/site.js';

function site(): Site {
  const r = loadSite(SMALL_SITE_PATH);
  if (!r.ok) throw new Error('fixture site does not load');
  return r.site;
}

describe('district directory', () => {
  it('names the site, zones, units and accounts (a console without a name by its unit)', () => {
    const d = JSON.parse(directoryPayload(site()).toString());
    expect(d.name).toBe('测试站点');
    expect(d.zones).toContainEqual({ id: 'east', name: '东片区' });
    expect(d.units).toContainEqual({ id: 'U01', name: '洋河新区管委会', zone: 'east' });
    expect(d.accounts).toContainEqual({ id: 'U01-duty', name: null, unit: 'U01' });
    expect(d.accounts).toContainEqual({ id: 'police-east', name: null, unit: null });
  });

  it('drops accounts, then units, to stay under the size limit', () => {
    const s = site();
    const full = directoryPayload(s).length;
    const noAccounts = JSON.parse(directoryPayload(s, full - 1).toString());
    expect(noAccounts.accounts).toBeUndefined();
    expect(noAccounts.units).toHaveLength(6);
    const namesOnly = JSON.parse(directoryPayload(s, 200).toString());
    expect(Object.keys(namesOnly)).toEqual(['name', 'zones']);
    expect(namesOnly.name).toBe('测试站点');
    expect(Array.isArray(namesOnly.zones)).toBe(true);
    const tiny = directoryPayload(s, 10);
    expect(JSON.parse(tiny.toString())).toEqual({ name: '测试站点', zones: [] });
  });
});
