/**
 * The city tier for tests (test/uplink, test/adversity/uplink.test.ts): a
 * district site (the small test site under another site id, with an
 * `uplink:` key to a test Mosquitto and the per-device rate raised: these
 * tests are about forwarding), `startCity` (one real Mosquitto with the
 * city's and the districts' users, a real gateway per district, resolved
 * once every uplink is connected), the city's own clients, and the view of
 * /healthz's `uplink` section.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { parse, stringify } from 'yaml';
import { type RunningGateway, startGateway } from './gateway.js';
import { type MosquittoOptions, type RunningMosquitto, startMosquitto } from './mosquitto.js';
import { connectAs, Inbox } from './mqtt.js';
import { SMALL_SITE_PATH } from './site.js';
import { until } from './wait.js';

export const CITY_USER = 'city-wall';
export const CITY_PASSWORD = 'city-secret';
export const PASSWORD_ENV = 'GP_TEST_UPLINK_PASSWORD';

export function districtUser(siteId: string): string {
  return `district-${siteId}`;
}

export function districtPassword(siteId: string): string {
  return `pw-${siteId}`;
}

export type RawDistrict = Record<string, Record<string, unknown>>;

/** The small site as district `siteId`, forwarding to `port` on 127.0.0.1; `edit` changes the rest. */
export function districtYaml(
  siteId: string,
  port: number,
  uplink: Record<string, unknown> = {},
  edit?: (raw: RawDistrict) => void,
): string {
  const raw = parse(readFileSync(SMALL_SITE_PATH, 'utf8')) as RawDistrict;
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
  edit?.(raw);
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

export interface DistrictSpec {
  id: string;
  /** `uplink:` keys over the defaults of districtYaml. */
  uplink?: Record<string, unknown>;
  edit?: (raw: RawDistrict) => void;
}

export interface RunningCity {
  broker: RunningMosquitto;
  /** In the order of the districts given. */
  gateways: RunningGateway[];
  stop(): Promise<void>;
}

/**
 * One Mosquitto (users: the city wall, each district, `users`) and one
 * gateway per district forwarding to it; resolves once every uplink is connected.
 */
export async function startCity(
  districts: readonly (string | DistrictSpec)[],
  opts: { users?: Record<string, string>; mosquitto?: Omit<MosquittoOptions, 'users'> } = {},
): Promise<RunningCity> {
  const specs = districts.map((d) => (typeof d === 'string' ? { id: d } : d));
  const users: Record<string, string> = { [CITY_USER]: CITY_PASSWORD, ...opts.users };
  for (const d of specs) users[districtUser(d.id)] = districtPassword(d.id);
  const broker = await startMosquitto({ ...opts.mosquitto, users });
  const gateways = await Promise.all(
    specs.map((d) =>
      startGateway({ siteYaml: districtYaml(d.id, broker.port, d.uplink, d.edit), env: districtEnv(d.id) }),
    ),
  );
  await until('every uplink connected', async () =>
    (await Promise.all(gateways.map(uplinkHealth))).every((h) => h.connected === true),
  );
  return {
    broker,
    gateways,
    stop: async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      await broker.kill();
    },
  };
}
