/**
 * Shared by the browser tests of the screens: the small site with the
 * optional display keys filled in (account names, unit phone and address,
 * device locations), and the checks over rendered text — Chinese screens
 * without account or guard ids, ASCII punctuation between Chinese
 * characters or "(east)"-style leftovers; English screens without Chinese
 * except names from the config.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { SiteConfig } from '../../gateway/src/config/schema.js';
import { SMALL_SITE } from '../support/gateway.js';

export type RawSite = SiteConfig & Record<string, unknown>;

/** The small site with names, contacts and locations; east ackTimeout long (no escalation mid-test). */
export function screensSite(edit?: (raw: RawSite) => void): { yaml: string; raw: RawSite } {
  const raw = parse(readFileSync(SMALL_SITE, 'utf8')) as RawSite;
  for (const z of raw.zones) z.ackTimeout = '1h';
  const names: Record<string, string> = {
    'police-east': '洋河派出所',
    'police-west': '西城派出所',
    tech1: '系统技术员',
  };
  for (const o of raw.operators) {
    const n = names[o.id];
    if (n) o.name = n;
  }
  const u01 = raw.units.find((u) => u.id === 'U01');
  if (u01) Object.assign(u01, { phone: '0527-8888 1234', address: '洋河新区人民路 1 号' });
  const btn = raw.devices.find((d) => d.id === 'U01-PANIC-1');
  if (btn) btn.location = '门卫室东墙';
  edit?.(raw);
  return { yaml: stringify(raw), raw };
}

const CJK = '\\u3400-\\u9fff\\uf900-\\ufaff';
const ASCII_PUNCT_BETWEEN = new RegExp(`[${CJK}]\\s*[,;:!?()]|[,;:!?()]\\s*[${CJK}]`, 'g');
const ENGLISH_IN_PARENS = new RegExp(`[${CJK}]\\s*[(（][A-Za-z][\\w-]*[)）]`, 'g');

/** What is wrong with a Chinese screen's text; empty when it reads as Chinese. */
export function zhProblems(text: string, raw: RawSite): string[] {
  const out: string[] = [];
  const ids = [
    ...raw.consoles.map((c) => c.id),
    ...raw.operators.map((o) => o.id),
    ...raw.guards.map((g) => g.id),
  ];
  for (const id of ids) {
    if (new RegExp(`(^|[^\\w-])${id.replace(/[.-]/g, '\\$&')}($|[^\\w-])`).test(text))
      out.push(`account or guard id ${id}`);
  }
  for (const m of text.matchAll(ASCII_PUNCT_BETWEEN)) out.push(`ASCII punctuation in Chinese: "${m[0]}"`);
  for (const m of text.matchAll(ENGLISH_IN_PARENS)) out.push(`English left in: "${m[0]}"`);
  return out;
}

/** Chinese left on an English screen once every name from the config (and `extra`) is taken out. */
export function enProblems(text: string, raw: RawSite, extra: string[] = []): string[] {
  const names = [
    raw.site.name,
    ...raw.zones.map((z) => z.name),
    ...raw.units.flatMap((u) => [u.name, u.address ?? '']),
    ...raw.guards.map((g) => g.name),
    ...raw.checkpoints.map((c) => c.name),
    ...raw.routes.map((r) => r.name ?? ''),
    ...raw.devices.map((d) => d.location ?? ''),
    ...raw.consoles.map((c) => c.name ?? ''),
    ...raw.operators.map((o) => o.name ?? ''),
    ...extra,
    // the language switch names its target language
    '中文',
  ]
    .filter((n) => n.length > 0)
    .sort((a, b) => b.length - a.length);
  let rest = text;
  for (const n of names) rest = rest.split(n).join(' ');
  return [...rest.matchAll(new RegExp(`[${CJK}]+`, 'g'))].map(
    (m) => `Chinese on an English screen: "${m[0]}"`,
  );
}
