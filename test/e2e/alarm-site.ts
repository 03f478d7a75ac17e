/** The small test site, edited for the alarm-handling end-to-end tests, as YAML text for startGateway. */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { SMALL_SITE } from '../support/gateway.js';
import type { RawSite } from '../support/site.js';

export const HASH = 'scrypt$16384$8$1$U24IpKwvXt0nfPeNNJHI7A==$BHEScoysvu10Fw+mq83ijIEDP9XekjGO2wyKvXkROmM=';

export function alarmSiteYaml(edit: (raw: RawSite) => void): string {
  const raw = parse(readFileSync(SMALL_SITE, 'utf8')) as RawSite;
  edit(raw);
  return stringify(raw);
}

/** The payload of an alert message, or null for the consoles' own inputs heard back on gp/v1/unit/{u}/#. */
export function alertIn(m: { topic: string; json: unknown }): Record<string, unknown> | null {
  return m.topic.endsWith('/alert') ? (m.json as Record<string, unknown>) : null;
}
