/**
 * The district's directory for the city wall (docs/city.md): a retained
 * `{prefix}/site` message with the site's, zones', units' and named
 * accounts' names, so the city screens show names and never ids (an alert
 * payload carries ids only). Pure: built once at start from the site config;
 * the uplink publishes it after every connect, before any batch. Bounded:
 * a site too big for the city broker's message limit sends fewer lists
 * (accounts first, then units) rather than a message the broker refuses.
 */
import type { Site } from '../config/site.js';
import { accountName } from '../console/config.js';

/** Below the 64 KiB `message_size_limit` of deploy/city/mosquitto.conf, topic and header included. */
export const DIRECTORY_MAX_BYTES = 60 * 1024;

export interface DistrictDirectory {
  name: string;
  zones: { id: string; name: string }[];
  units?: { id: string; name: string; zone: string }[];
  /** Accounts with a configured name (operators, consoles) and the duty rooms' units. */
  accounts?: { id: string; name: string | null; unit: string | null }[];
}

export function directoryPayload(site: Site, maxBytes = DIRECTORY_MAX_BYTES): Buffer {
  const c = site.config;
  const full: DistrictDirectory = {
    name: c.site.name,
    zones: c.zones.map((z) => ({ id: z.id, name: z.name })),
    units: c.units.map((u) => ({ id: u.id, name: u.name, zone: u.zone })),
    accounts: [
      ...c.consoles.map((k) => ({ id: k.id, name: accountName(site, k.id), unit: k.unit })),
      ...c.operators.map((o) => ({ id: o.id, name: accountName(site, o.id), unit: null })),
    ],
  };
  const { accounts: _a, ...withoutAccounts } = full;
  const { units: _u, ...namesOnly } = withoutAccounts;
  for (const d of [full, withoutAccounts, namesOnly]) {
    const body = Buffer.from(JSON.stringify(d));
    if (body.length <= maxBytes) return body;
  }
  return Buffer.from(JSON.stringify({ name: c.site.name.slice(0, 200), zones: [] }));
}
