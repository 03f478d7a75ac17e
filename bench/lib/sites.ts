/** Site configs generated for the benchmarks from the small test site. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewaySchema } from '../../gateway/src/config/schema.js';
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
 * `secret`) and an optional heartbeat period; limits raised (raiseLimits)
 * unless `shippedLimits`.
 */
export function siteWithReaders(
  readers: number,
  opts: { hash?: string; heartbeat?: string; shippedLimits?: boolean } = {},
): string {
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
  const site = text.replace(/^devices:\n/m, `devices:\n${lines.join('\n')}\n`);
  return opts.shippedLimits ? site : raiseLimits(site);
}

export const readerIds = (n: number): string[] => Array.from({ length: n }, (_, k) => readerId(k + 1));

/**
 * What a bench site raises, each piece only if this gateway has that setting:
 * the per-device rate and daily journal quota (a bench device sends
 * thousands of messages a second, a real one a few a minute) and the login
 * back-off's allowance per address (every bench client comes from
 * 127.0.0.1, connecting in parallel). So the benchmarks measure the gateway,
 * not its limiters. Packet size and outbound buffer keep their defaults: they
 * never bind a well-behaved client.
 */
const BENCH_RAISES: Record<string, unknown>[] = [
  { limits: { deviceRate: { perSecond: 1_000_000, burst: 1_000_000 } } },
  { limits: { deviceJournalMBPerDay: 1_000_000 } },
  { auth: { throttle: { addressFree: 1_000_000 } } },
];

/** The `gateway:` section of a bench site (null: nothing to raise on this gateway). */
export function benchGatewaySection(): Record<string, Record<string, unknown>> | null {
  const out: Record<string, Record<string, unknown>> = {};
  for (const piece of BENCH_RAISES) {
    if (!gatewaySchema.safeParse(piece).success) continue;
    for (const [k, v] of Object.entries(piece))
      out[k] = mergeDeep(out[k] ?? {}, v as Record<string, unknown>);
  }
  return Object.keys(out).length > 0 ? out : null;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev && typeof prev === 'object' && v && typeof v === 'object'
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** `yaml` (a site without a `gateway:` section) with the bench's raised limits. */
export function raiseLimits(yaml: string): string {
  const section = benchGatewaySection();
  if (!section) return yaml;
  if (/^gateway:/m.test(yaml)) throw new Error('raiseLimits: the site already has a gateway: section');
  return `${yaml}\n${stringify({ gateway: section })}`;
}
