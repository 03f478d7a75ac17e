/**
 * One bulletin from the journal, every output rendered: what the HTTP
 * worker (bulletin/worker.ts) and the `guardpost bulletin` CLI share. The
 * outputs are plain strings so they cross a worker boundary cheaply and one
 * cached result serves any format or CSV table.
 */
import type { Site } from '../config/site.js';
import { computeBulletin } from './compute.js';
import { type JournalSource, loadBulletinEntries } from './load.js';
import { type CsvTable, renderBulletinCsv } from './render-csv.js';
import { renderBulletinHtml } from './render-html.js';
import type { Bulletin } from './types.js';

export interface BulletinRequest {
  week: string;
  zone?: string;
  /** Stamp for generatedAt (epoch ms). */
  now: number;
}

export interface BulletinOutputs {
  week: string;
  /** Journal entries the bulletin was computed from. */
  entries: number;
  json: string;
  html: string;
  /** CSV tables with Chinese headers; `csvEn` the same with English ones. */
  csv: Record<CsvTable, string>;
  csvEn: Record<CsvTable, string>;
}

export function produceBulletin(
  journal: JournalSource,
  site: Site,
  req: BulletinRequest,
): { bulletin: Bulletin; entries: number } {
  const entries = loadBulletinEntries(journal, req.week, site.timezone);
  const bulletin = computeBulletin({
    site,
    entries,
    week: req.week,
    ...(req.zone ? { zone: req.zone } : {}),
    now: req.now,
  });
  return { bulletin, entries: entries.length };
}

export function renderBulletinOutputs(bulletin: Bulletin, entries: number): BulletinOutputs {
  return {
    week: bulletin.week,
    entries,
    json: JSON.stringify(bulletin),
    html: renderBulletinHtml(bulletin),
    csv: renderBulletinCsv(bulletin, 'zh'),
    csvEn: renderBulletinCsv(bulletin, 'en'),
  };
}
