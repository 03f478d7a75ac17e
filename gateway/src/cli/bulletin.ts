/**
 * `guardpost bulletin --week 2026-W48 [--zone east] --out DIR`: the weekly
 * bulletin from the journal file, without a running gateway or InfluxDB.
 * Writes index.html, bulletin.json and one CSV per table. Returns the exit code.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { produceBulletin, renderBulletinOutputs } from '../bulletin/produce.js';
import { parseWeek } from '../bulletin/week.js';
import { formatProblem, loadSite } from '../config/load.js';
import { Journal } from '../journal/journal.js';

export interface BulletinCliOptions {
  configPath: string;
  dataDir: string;
  week: string;
  zone?: string;
  out: string;
  /** Where messages go (default: process stdout/stderr). */
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

export async function runBulletin(opts: BulletinCliOptions): Promise<number> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const printError = opts.printError ?? ((l: string) => process.stderr.write(`${l}\n`));
  const loaded = loadSite(opts.configPath);
  if (!loaded.ok) {
    for (const p of loaded.problems) printError(formatProblem(p));
    return 1;
  }
  const { site } = loaded;
  try {
    parseWeek(opts.week, site.timezone);
  } catch (err) {
    printError(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (opts.zone !== undefined && !site.zones.has(opts.zone)) {
    printError(`unknown zone "${opts.zone}" (zones: ${[...site.zones.keys()].join(', ')})`);
    return 2;
  }
  const path = join(opts.dataDir, 'journal.sqlite');
  if (!existsSync(path)) {
    printError(`no journal at ${path} (is --data-dir the gateway's data directory?)`);
    return 1;
  }
  const journal = new Journal({ path });
  try {
    // in-process: no panic path here (the gateway's GET /bulletin uses a worker with the same code)
    const { bulletin, entries } = produceBulletin(journal, site, {
      week: opts.week,
      ...(opts.zone ? { zone: opts.zone } : {}),
      now: Date.now(),
    });
    const out = renderBulletinOutputs(bulletin, entries);
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'index.html'), out.html);
    writeFileSync(join(opts.out, 'bulletin.json'), `${JSON.stringify(bulletin, null, 2)}\n`);
    for (const [name, text] of Object.entries(out.csv)) writeFileSync(join(opts.out, `${name}.csv`), text);
    print(
      `bulletin ${bulletin.week}${opts.zone ? ` zone ${opts.zone}` : ''}: ${entries} journal entries, ` +
        `${bulletin.preventable.total.thisWeek} alerts, ${bulletin.patrol.toursCompleted} tours, ` +
        `${bulletin.rollcalls.calls} roll calls, ${bulletin.suggestions.length} suggestions → ${opts.out}`,
    );
    return 0;
  } finally {
    // Not journal.close(): its TRUNCATE checkpoint would make a running gateway's writers wait.
    journal.db.close();
  }
}
