/**
 * Patrol and roll call through the whole gateway over real MQTT, with the
 * results checked in a real InfluxDB (issue 4's integration tests).
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.js';
import { connectAs, connectWithInbox, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

type Alert = {
  id: string;
  kind: string;
  state: string;
  unit: string;
  route: string | null;
  details?: string[];
  message: string;
};
const isAlert = (m: { topic: string }): boolean => m.topic.endsWith('/alert');
const alertOf = (m: { json: unknown }): Alert => m.json as Alert;

let influx: RunningInfluxd;
let gw: RunningGateway;
const inboxes: Record<string, Inbox> = {};
const clients: MqttClient[] = [];

beforeAll(async () => {
  influx = await startInfluxd();
  // the test site with a 4-second tour limit and no schedule
  const site = readFileSync(SMALL_SITE, 'utf8').replace(
    /maxDuration: 40m\n\s+schedule: \{[^}]*\}/,
    'maxDuration: 4s',
  );
  expect(site).toContain('maxDuration: 4s');
  gw = await startGateway({ siteYaml: site, influxUrl: influx.url });
  for (const unit of ['U01', 'U02', 'U03']) {
    const c = await connectAs(gw.mqttPort, `${unit}-duty`);
    inboxes[unit] = new Inbox(c);
    await subscribe(c, `gp/v1/unit/${unit}/#`);
    clients.push(c);
  }
}, 90_000);
afterAll(async () => {
  await end(...clients);
  await gw?.stop();
  await influx?.stop();
});

async function influxRows(q: string): Promise<Record<string, unknown>[]> {
  const body = (await influx.query(q, 'guardpost')) as {
    results: { series?: { columns: string[]; values: unknown[][]; tags?: Record<string, string> }[] }[];
  };
  const out: Record<string, unknown>[] = [];
  for (const s of body.results[0]?.series ?? []) {
    for (const v of s.values)
      out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  }
  return out;
}

describe('patrol', () => {
  it('a wand tour that skips a checkpoint raises patrol_missed to the units owning the route', async () => {
    const wand = await connectAs(gw.mqttPort, 'G001-WAND');
    await publish(wand, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F3', seq: 1, ts: new Date().toISOString() }); // CP-E-01 (U02)
    await publish(wand, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F5', seq: 2, ts: new Date().toISOString() }); // CP-E-03 (U03), CP-E-02 skipped
    await end(wand);
    const u02 = await (inboxes.U02 as Inbox).waitFor(
      (m) => isAlert(m) && alertOf(m).kind === 'patrol_missed',
      15_000,
    );
    const u03 = await (inboxes.U03 as Inbox).waitFor(
      (m) => isAlert(m) && alertOf(m).kind === 'patrol_missed',
      15_000,
    );
    expect(alertOf(u02).id).toBe(alertOf(u03).id);
    expect(alertOf(u02)).toMatchObject({ state: 'raised', route: 'east-night' });
    expect(alertOf(u02).details).toEqual(['CP-E-02']);
    expect(alertOf(u02).message).toMatch(/东门/);
    expect(
      (inboxes.U01 as Inbox).messages.some((m) => isAlert(m) && alertOf(m).kind === 'patrol_missed'),
    ).toBe(false);
    // the tour's point and its taps (with their route) reach InfluxDB
    const patrol = await until(
      'patrol point',
      async () => {
        const rows = await influxRows(`SELECT * FROM patrol WHERE route = 'east-night'`);
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
    );
    expect(patrol[0]).toMatchObject({ zone: 'east', expected: 3, visited: 2, missed: 1 });
    const taps = await influxRows(
      `SELECT uid, seq FROM tap WHERE device = 'G001-WAND' AND route = 'east-night'`,
    );
    expect(taps.map((t) => t.uid).sort()).toEqual(['04D1E2F3', '04D1E2F5']);
  });
});

describe('roll call', () => {
  it('a roll call answered by one of three guards writes present 1 / absent 2 and raises rollcall_absent', async () => {
    const { client: terminal, inbox: commands } = await connectWithInbox(gw.mqttPort, 'U02-RC-1');
    await subscribe(terminal, 'gp/v1/dev/U02-RC-1/cmd/#');
    const tech = await connectAs(gw.mqttPort, 'tech1');
    // 6 s: long beside the one answer sent at once (it must count as present, not late)
    await publish(tech, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 6 });
    const cmd = await commands.waitFor((m) => m.topic === 'gp/v1/dev/U02-RC-1/cmd/rollcall');
    const { call, deadline, unit } = cmd.json as { call: string; deadline: string; unit: string };
    expect(unit).toBe('U02');
    expect(Date.parse(deadline)).toBeGreaterThan(Date.now());
    // G001 (李大爷) answers at once
    await publish(terminal, 'gp/v1/dev/U02-RC-1/rollcall', {
      call,
      uid: '04A1B2C3D4E5F6',
      seq: 1,
      ts: new Date().toISOString(),
    });
    const absent = await (inboxes.U02 as Inbox).waitFor(
      (m) => isAlert(m) && alertOf(m).kind === 'rollcall_absent',
      20_000,
    );
    expect(alertOf(absent).details?.sort()).toEqual(['G002', 'G003']);
    expect(alertOf(absent).message).toMatch(/王师傅/);
    const point = await until(
      'rollcall point',
      async () => {
        const rows = await influxRows(
          `SELECT present, late, absent FROM rollcall WHERE "call" = '${call}' AND unit = 'U02'`,
        );
        return rows[0];
      },
      20_000,
    );
    expect(point).toMatchObject({ present: 1, late: 0, absent: 2 });
    const res = await fetch(gw.url(`/api/rollcalls/${encodeURIComponent(call)}`), {
      headers: basicAuth('tech1'),
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('G002');
    await end(terminal, tech);
  });
});
