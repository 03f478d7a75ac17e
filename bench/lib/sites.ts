/** Site configs generated for the benchmarks from the small test site. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children.js';

export const SMALL_SITE_PATH = join(ROOT, 'test', 'fixtures', 'small-site.yaml');
/** The password of every small-site account. */
export const SMALL_SITE_PASSWORD = 'secret';
/** Card of guard G001 (unit U02): the reader taps of the benchmarks are his. */
export const BENCH_CARD = '04A1B2C3D4E5F6';

export function smallSiteHash(): string {
  const m = /password_hash: "([^"]+)"/.exec(readFileSync(SMALL_SITE_PATH, 'utf8'));
  if (!m?.[1]) throw new Error('no password_hash in the small site');
  return m[1];
}

export const readerId = (i: number): string => `BR${String(i).padStart(5, '0')}`;

/**
 * The small site plus `readers` fixed readers at U02's north gate (CP-E-01),
 * named BR00001…, each with `hash` (default: the small site's, password
 * `secret`) and an optional heartbeat period.
 */
export function siteWithReaders(readers: number, opts: { hash?: string; heartbeat?: string } = {}): string {
  const hash = opts.hash ?? smallSiteHash();
  const hb = opts.heartbeat ? `, heartbeat: ${opts.heartbeat}` : '';
  const lines: string[] = [];
  for (let i = 1; i <= readers; i++) {
    lines.push(
      `  - { id: ${readerId(i)}, kind: reader, unit: U02, checkpoint: CP-E-01${hb}, password_hash: "${hash}" }`,
    );
  }
  const text = readFileSync(SMALL_SITE_PATH, 'utf8');
  if (!/^devices:\n/m.test(text)) throw new Error('small site has no devices: section');
  return text.replace(/^devices:\n/m, `devices:\n${lines.join('\n')}\n`);
}

export const readerIds = (n: number): string[] => Array.from({ length: n }, (_, k) => readerId(k + 1));
