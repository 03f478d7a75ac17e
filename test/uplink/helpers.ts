/**
 * Shared pieces of the city uplink tests: a district site (the small test
 * site under another site id, with an `uplink:` key to a test Mosquitto and
 * the per-device rate raised: these tests are about forwarding), the city's
 * own clients, and the view of /healthz's `uplink` section.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { parse, stringify } from 'yaml';
import type { RunningGateway } from '../support/gateway.js';
import { connectAs, Inbox } from '../support/mqtt.js';
import { SMALL_SITE_PATH } from '../support/site.js';

export const CITY_USER = 'city-wall';
export const CITY_PASSWORD = 'city-secret';
export const PASSWORD_ENV = 'GP_TEST_UPLINK_PASSWORD';

export function districtUser(siteId: string): string {
  return `district-${siteId}`;
}

export function districtPassword(siteId: string): string {
  return `pw-${siteId}`;
}

/** The small site as district `siteId`, forwarding to `port` on 127.0.0.1. */
export function districtYaml(siteId: string, port: number, uplink: Record<string, unknown> = {}): string {
  const raw = parse(readFileSync(SMALL_SITE_PATH, 'utf8')) as Record<string, Record<string, unknown>>;
  (raw.site as Record<string, unknown>).id = siteId;
  raw.gateway = {
    ...(raw.gateway ?? {}),
    limits: { deviceRate: { perSecond: 1_000_000, burst: 1_000_000 } },
  };
  raw.uplink = {
    url: `mqtt://127.0.0.1:${port}`,
    username: districtUser(siteId),
    password_env: PASSWORD_ENV,
    clientId: `gp-${siteId}`,
    reconnectMax: '2s',
    ...uplink,
  };
  return stringify(raw);
}

export function districtEnv(siteId: string): Record<string, string> {
  return { [PASSWORD_ENV]: districtPassword(siteId) };
}

export interface UplinkView {
  state?: string;
  connected?: boolean;
  backlog?: { entries: number; oldestAgeMs: number };
  inFlight?: number;
  window?: number;
  forwarded?: number;
  lastError?: string | null;
  downstream?: { applied: number; refused: number; throttled: number };
}

export async function uplinkHealth(g: RunningGateway): Promise<UplinkView> {
  const res = await fetch(g.url('/healthz'));
  const body = (await res.json()) as { uplink?: UplinkView };
  return body.uplink ?? {};
}

/** The city wall: a persistent session on every district's messages, QoS 1. */
export async function cityWall(
  port: number,
  clientId = 'city-wall-1',
): Promise<{ client: MqttClient; inbox: Inbox }> {
  let inbox: Inbox | null = null;
  const client = await connectAs(
    port,
    CITY_USER,
    CITY_PASSWORD,
    { clientId, clean: false, reconnectPeriod: 200 },
    (c) => {
      inbox = new Inbox(c);
    },
  );
  await client.subscribeAsync('city/v1/site/+/#', { qos: 1 });
  return { client, inbox: inbox as unknown as Inbox };
}

/** `jseq` and the district of a city message, or null for another topic. */
export function parseCity(m: { topic: string; json: unknown }): { site: string; jseq: number } | null {
  const match = /^city\/v1\/site\/([^/]+)\//.exec(m.topic);
  const o = m.json as { jseq?: unknown } | null;
  if (!match || typeof o !== 'object' || o === null || typeof o.jseq !== 'number') return null;
  return { site: match[1] as string, jseq: o.jseq };
}
