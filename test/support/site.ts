/** The test sites as `Site` objects, for unit tests of pure logic. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { type SiteConfig, siteConfigSchema } from '../../gateway/src/config/schema.js';
import { Site } from '../../gateway/src/config/site.js';

export const SMALL_SITE_PATH = join(resolve(import.meta.dirname, '..'), 'fixtures', 'small-site.yaml');

export type RawSite = Record<string, unknown> & Partial<SiteConfig>;

/**
 * The small test site (every password "secret"), or another YAML text;
 * `edit` may change the parsed YAML before it is validated.
 */
export function smallSite(edit?: (raw: RawSite) => void, yamlText?: string): Site {
  const raw = parse(yamlText ?? readFileSync(SMALL_SITE_PATH, 'utf8')) as RawSite;
  edit?.(raw);
  return new Site(siteConfigSchema.parse(raw));
}
