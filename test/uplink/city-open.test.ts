/**
 * The open alerts retained at the city (uplink/open.ts, docs/city.md "Open
 * alerts"), with a real Mosquitto under the ACL of deploy/city/acl (the
 * district writes and reads its own `{prefix}/open/#`):
 *
 * - a panic in the district: its state is retained at the city; resolved:
 *   cleared;
 * - an outage during which one alert resolves and another is raised: after
 *   the reconnect the retained set is the open set;
 * - ids the city holds that the district does not know as open (stale) are
 *   cleared after a reconnect, and an open one the city lost is put back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITY_PASSWORD, CITY_USER, districtUser, type RunningCity, startCity } from '../support/city.js';
import { basicAuth, type RunningGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, publish } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const A = 'open-a';
const PREFIX = `city/v1/site/${A}`;
const ADMIN = 'city-admin';
const ADMIN_PASSWORD = 'admin-secret';

let city: RunningCity;
let gw: RunningGateway;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-acl-'));
  const acl = join(dir, 'acl');
  writeFileSync(
    acl,
    [
      `user ${districtUser(A)}`,
      `topic write ${PREFIX}/alert/#`,
      `topic write ${PREFIX}/events/#`,
      `topic write ${PREFIX}/site`,
      `topic readwrite ${PREFIX}/open/#`,
      `topic read ${PREFIX}/ops/#`,
      '',
      `user ${CITY_USER}`,
      'topic read city/v1/site/#',
      '',
      `user ${ADMIN}`,
      'topic readwrite city/v1/site/#',
      '',
    ].join('\n'),
  );
  city = await startCity([A], {
    users: { [ADMIN]: ADMIN_PASSWORD },
    mosquitto: { extra: [`acl_file ${acl}`] },
  });
  gw = city.gateways[0] as RunningGateway;
}, 60_000);

afterAll(async () => {
  await city?.stop();
});

/** What the city holds retained under the district's `open/` now: topic → payload. */
async function retained(): Promise<Map<string, Record<string, unknown>>> {
  const { client: c, inbox } = await connectWithInbox(city.broker.port, CITY_USER, CITY_PASSWORD, {
    clean: true,
  });
  try {
    await c.subscribeAsync(`${PREFIX}/open/#`, { qos: 0 });
    // the UNSUBACK follows every retained message the SUBSCRIBE produced
    await c.unsubscribeAsync(`${PREFIX}/open/#`);
    const out = new Map<string, Record<string, unknown>>();
    for (const m of inbox.messages) out.set(m.topic, m.json as Record<string, unknown>);
    return out;
  } finally {
    await end(c);
  }
}

async function press(device: string, seq: number): Promise<void> {
  const button = await connectAs(gw.mqttPort, device);
  await publish(button, `gp/v1/dev/${device}/panic`, { state: 'pressed', seq }, 1);
  await end(button);
}

async function resolve(unit: string, id: string): Promise<void> {
  const duty = await connectAs(gw.mqttPort, `${unit}-duty`);
  await publish(duty, `gp/v1/unit/${unit}/resolve`, { id }, 1);
  await end(duty);
}

/** The district's open alerts (its own API), as the topics they are retained under. */
async function openTopics(): Promise<string[]> {
  const res = await fetch(gw.url('/api/alerts?state=open'), { headers: basicAuth('police-east') });
  const body = (await res.json()) as { alerts?: { id: string; zone: string; unit: string }[] };
  return (body.alerts ?? []).map((a) => `${PREFIX}/open/${a.zone}/${a.unit}/${a.id}`).sort();
}

async function openPanic(unit: string): Promise<{ id: string; topic: string }> {
  let found: { id: string; topic: string } | null = null;
  await until(`an open panic of ${unit} retained at the city`, async () => {
    for (const [topic, a] of await retained())
      if (a.unit === unit && a.kind === 'panic' && a.state !== 'resolved')
        found = { id: String(a.id), topic };
    return found !== null;
  });
  return found as unknown as { id: string; topic: string };
}

describe('open alerts retained at the city', () => {
  let first: { id: string; topic: string };

  it('a panic is retained at the city with its state; resolved, it is cleared', async () => {
    await press('U01-PANIC-1', 1);
    first = await openPanic('U01');
    const held = (await retained()).get(first.topic);
    expect(held).toMatchObject({ id: first.id, kind: 'panic', state: 'raised', zone: 'east', unit: 'U01' });
    expect(typeof held?.jseq).toBe('number');
    await resolve('U01', first.id);
    await until('the resolved panic cleared at the city', async () => !(await retained()).has(first.topic));
  });

  it('after an outage (one alert resolved, another raised meanwhile) the retained set is the open set', async () => {
    await press('U01-PANIC-1', 2);
    const before = await openPanic('U01');
    await city.broker.stop();
    await resolve('U01', before.id);
    await press('U02-PANIC-1', 1);
    await city.broker.start();
    const now = await openPanic('U02');
    await until('the retained set is the open set', async () => {
      const held = [...(await retained()).keys()].sort();
      const open = await openTopics();
      return JSON.stringify(held) === JSON.stringify(open) && open.includes(now.topic);
    });
    expect((await retained()).has(before.topic)).toBe(false);
  });

  it('after a reconnect, stale ids at the city are cleared and a lost open one is put back', async () => {
    const open = await openTopics();
    expect(open.length).toBeGreaterThan(0);
    const lost = open[0] as string;
    const ghost = `${PREFIX}/open/east/U01/ghost-alert`;
    const admin = await connectAs(city.broker.port, ADMIN, ADMIN_PASSWORD);
    await admin.publishAsync(ghost, JSON.stringify({ id: 'ghost-alert', jseq: 1 }), { qos: 1, retain: true });
    await admin.publishAsync(lost, '', { qos: 1, retain: true });
    await end(admin);
    const held = await retained();
    expect(held.has(ghost)).toBe(true);
    expect(held.has(lost)).toBe(false);
    await city.broker.stop();
    await city.broker.start();
    await until('the retained set is the open set again', async () => {
      const now = [...(await retained()).keys()].sort();
      return JSON.stringify(now) === JSON.stringify(open);
    });
  });
});
