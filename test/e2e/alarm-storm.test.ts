/**
 * A power cut over real TCP (issue 13 item 2): 30 supervised readers of three
 * units lose power at once (their MQTT wills fire); each unit's console ends
 * up with one grouped device_offline card listing its 10 devices, not 10
 * cards, and that card closes itself when the power (and the devices) come back.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { alarmSiteYaml, alertIn, HASH } from './alarm-site.js';

const UNITS = ['U01', 'U02', 'U03'];
const DEVICES = UNITS.flatMap((u) => Array.from({ length: 10 }, (_, i) => `${u}-R${i}`));

let gw: RunningGateway;
const consoles: Record<string, { client: MqttClient; inbox: Inbox }> = {};

beforeAll(async () => {
  gw = await startGateway({
    siteYaml: alarmSiteYaml((raw) => {
      // 30 devices log in at once from one address: above the default per-address login back-off
      raw.gateway = { auth: { throttle: { addressFree: 1000 } } };
      raw.devices = [
        ...(raw.devices ?? []),
        ...DEVICES.map((id) => ({
          id,
          kind: 'reader' as const,
          unit: id.slice(0, 3),
          heartbeat: '60s',
          password_hash: HASH,
        })),
      ];
    }),
  });
  for (const u of UNITS) {
    const client = await connectAs(gw.mqttPort, `${u}-duty`);
    const inbox = new Inbox(client);
    await subscribe(client, `gp/v1/unit/${u}/#`);
    consoles[u] = { client, inbox };
  }
}, 60_000);
afterAll(async () => {
  await end(...Object.values(consoles).map((c) => c.client));
  await gw?.stop();
});

async function powerOn(): Promise<MqttClient[]> {
  return Promise.all(
    DEVICES.map(async (d) => {
      const c = await connectAs(gw.mqttPort, d, 'secret', {
        will: { topic: `gp/v1/dev/${d}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      await publish(c, `gp/v1/dev/${d}/status`, 'online', 1, true); // journaled when acknowledged
      return c;
    }),
  );
}

/** The open device_offline alerts a console sees (the API confines it to its unit). */
async function openOffline(unit: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(gw.url('/api/alerts?kind=device_offline'), { headers: basicAuth(`${unit}-duty`) });
  return ((await res.json()) as { alerts: Record<string, unknown>[] }).alerts;
}

describe('a power cut of 30 devices', () => {
  it('gives each console one grouped alert, which closes itself when they come back', async () => {
    const devices = await powerOn();
    for (const c of devices) c.stream.destroy(); // the power goes: no DISCONNECT, the wills fire
    for (const u of UNITS) {
      const open = await until(`one grouped card of 10 at ${u}`, async () => {
        const list = await openOffline(u);
        const g = list[0]?.group as { count: number } | undefined;
        return list.length === 1 && g?.count === 10 ? list : null;
      });
      expect(open[0]).toMatchObject({ kind: 'device_offline', unit: u, state: 'raised', restored: false });
      // on the wire: every card the console was shown is closed except the group
      const inbox = consoles[u]?.inbox as Inbox;
      const last = new Map<string, Record<string, unknown>>();
      for (const m of inbox.messages) {
        const a = alertIn(m);
        if (a && a.kind === 'device_offline') last.set(String(a.id), a);
      }
      const shown = [...last.values()].filter((a) => a.state !== 'resolved');
      expect(shown.map((a) => a.id)).toEqual([open[0]?.id]);
      for (const a of last.values()) if (a.state === 'resolved') expect(a.groupedInto).toBe(open[0]?.id);
    }
    const groupIds = new Map<string, string>();
    for (const u of UNITS) groupIds.set(u, String((await openOffline(u))[0]?.id));

    // the power comes back
    const back = await powerOn();
    for (const u of UNITS) {
      const inbox = consoles[u]?.inbox as Inbox;
      const closed = await inbox.waitFor(
        (m) => alertIn(m)?.id === groupIds.get(u) && alertIn(m)?.state === 'resolved',
        15_000,
        `group of ${u} closed`,
      );
      expect(alertIn(closed)).toMatchObject({
        restored: true,
        resolvedBy: 'system',
        group: { count: 10, restoredCount: 10 },
      });
      expect(await openOffline(u)).toEqual([]);
    }
    await end(...back);
  }, 60_000);
});
