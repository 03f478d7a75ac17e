/**
 * `guardpost-sim city-sites`: site configs for several districts that
 * forward to one city broker (docs/simulators.md "Several districts into one
 * city broker", docs/city.md): the demo site (or another) under the site ids
 * district-1, district-2…, each with an `uplink:` key (password from
 * GUARDPOST_UPLINK_PASSWORD). Start one gateway per file on its own ports and
 * play the district scenario against each.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { demoSitePath } from './index.js';

/** Site configs for `n` districts forwarding to `cityUrl`; returns their paths. */
export function writeCitySites(dir: string, n: number, cityUrl: string, base = demoSitePath()): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  const text = readFileSync(base, 'utf8');
  const parsed = parse(text, { maxAliasCount: -1 }) as { site?: { id?: unknown } };
  const baseId = String(parsed.site?.id ?? '');
  for (let i = 1; i <= n; i++) {
    const id = `district-${i}`;
    // text edits keep the base file's comments and anchors: the site id, and an uplink key at the end
    const siteLine = new RegExp(`^(site:.*\\bid:\\s*)${baseId}\\b`, 'm');
    if (!siteLine.test(text)) throw new Error(`${base}: no "site: { id: ${baseId} … }" line to rewrite`);
    const uplink = {
      uplink: {
        url: cityUrl,
        username: id,
        password_env: 'GUARDPOST_UPLINK_PASSWORD',
        clientId: `gp-${id}`,
        accept: ['rollcall'],
      },
    };
    const path = join(dir, `${id}.yaml`);
    writeFileSync(path, `${text.replace(siteLine, `$1${id}`).trimEnd()}\n\n${stringify(uplink)}`);
    paths.push(path);
  }
  return paths;
}

export function addCityCommand(program: Command, log: (s: string) => void): void {
  program
    .command('city-sites')
    .description(
      'write one site config per district (the demo site, another site id, an uplink to one city broker)',
    )
    .option('--city <url>', 'city broker URL', 'mqtt://127.0.0.1:1884')
    .option('--districts <n>', 'how many districts', '2')
    .option('--config <file>', 'base site config', demoSitePath())
    .requiredOption('--out <dir>', 'where to write district-1.yaml, district-2.yaml…')
    .action((f: Record<string, string>) => {
      const n = Number(f.districts);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('--districts: 1..100');
      log(writeCitySites(String(f.out), n, String(f.city), String(f.config)).join('\n'));
    });
}
