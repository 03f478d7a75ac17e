/**
 * Zone mutual aid over real TCP with mqtt.js (protocol.md §1.3): a panic
 * reaches its unit and neighbours, the first ack wins, silence escalates to
 * the police, offline consoles catch up, and a SIGKILL between raise and
 * escalation loses nothing and duplicates nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

type Alert = {
  id: string;
  kind: string;
  state: string;
  unit: string;
  ackBy: string | null;
  zone: string;
  message: string;
};
/** Alert payloads only: a console also hears its own ack/resolve publishes on gp/v1/unit/{u}/#. */
const alertOf = (m: { topic?: string; json: unknown }): Alert =>
  m.topic === undefined || m.topic.endsWith('/alert')
    ? (m.json as Alert)
    : { id: '', kind: '', state: '', unit: '', ackBy: null, zone: '', message: '' };

let gw: RunningGateway;
const consoles: Record<string, { client: MqttClient; inbox: Inbox }> = {};
let seq = 100;

beforeAll(async () => {
  gw = await startGateway();
  for (const unit of ['U01', 'U02', 'U03', 'U04', 'U11']) {
    const client = await connectAs(gw.mqttPort, `${unit}-duty`);
    const inbox = new Inbox(client);
    await subscribe(client, `gp/v1/unit/${unit}/#`);
    consoles[unit] = { client, inbox };
  }
});
afterAll(async () => {
  await end(...Object.values(consoles).map((c) => c.client));
  await gw?.stop();
});

async function press(device: string): Promise<void> {
  const button = await connectAs(gw.mqttPort, device);
  await publish(button, `gp/v1/dev/${device}/panic`, {
    state: 'pressed',
    seq: ++seq,
    ts: new Date().toISOString(),
  });
  await end(button);
}

function inboxOf(unit: string): Inbox {
  const c = consoles[unit];
  if (!c) throw new Error(unit);
  return c.inbox;
}

describe('panic alerts', () => {
  it('reach the unit and every neighbour of its zone, not another zone; first ack wins for all', async () => {
    await press('U01-PANIC-1');
    const raised = await Promise.all(
      ['U01', 'U02', 'U03', 'U04'].map((u) =>
        inboxOf(u).waitFor(
          (m) =>
            m.topic === `gp/v1/unit/${u}/alert` && alertOf(m).kind === 'panic' && alertOf(m).unit === 'U01',
        ),
      ),
    );
    const id = alertOf(raised[0] as { json: unknown }).id;
    for (const m of raised)
      expect(alertOf(m)).toMatchObject({ id, state: 'raised', zone: 'east', unit: 'U01' });
    expect(alertOf(raised[0] as { json: unknown }).message).toMatch(/洋河新区管委会/);

    // U03, a neighbour, acknowledges; U02's later ack does not win
    await publish(consoles.U03?.client as MqttClient, 'gp/v1/unit/U03/ack', { id });
    await publish(consoles.U02?.client as MqttClient, 'gp/v1/unit/U02/ack', { id });
    for (const u of ['U01', 'U02', 'U03', 'U04']) {
      const ack = await inboxOf(u).waitFor(
        (m) => alertOf(m).id === id && alertOf(m).state === 'acknowledged',
      );
      expect(alertOf(ack).ackBy).toBe('U03-duty');
    }
    // resolve by the origin unit's console
    await publish(consoles.U01?.client as MqttClient, 'gp/v1/unit/U01/resolve', { id });
    await inboxOf('U04').waitFor((m) => alertOf(m).id === id && alertOf(m).state === 'resolved');
    expect(inboxOf('U11').messages.some((m) => alertOf(m).id === id)).toBe(false);
    const acks = inboxOf('U01').messages.filter(
      (m) => alertOf(m).id === id && alertOf(m).state === 'acknowledged',
    );
    expect(acks).toHaveLength(1);
  });

  it('a custom alert from an operator reaches the named unit only', async () => {
    const admin = await connectAs(gw.mqttPort, 'police-east');
    const marker = `custom-${Date.now()}`;
    await publish(admin, 'gp/v1/ops/alert', { unit: 'U04', message: marker, severity: 'warning' });
    const custom = await inboxOf('U04').waitFor(
      (m) => alertOf(m).kind === 'custom' && alertOf(m).message.includes(marker),
    );
    expect(alertOf(custom)).toMatchObject({ state: 'raised', unit: 'U04' });
    // a later message to U01 proves U01's inbox is current: the custom alert never came there
    await press('U01-PANIC-1');
    await inboxOf('U01').waitFor((m) => alertOf(m).kind === 'panic' && alertOf(m).state === 'raised');
    expect(inboxOf('U01').messages.some((m) => alertOf(m).message.includes(marker))).toBe(false);
    await end(admin);
  });

  it('escalates to the zone topic and the escalation accounts when nobody acknowledges', async () => {
    const police = await connectAs(gw.mqttPort, 'police-east');
    const inbox = new Inbox(police);
    await subscribe(police, ['gp/v1/zone/east/alert', 'gp/v1/operator/police-east/alert']);
    await press('U03-PANIC-1');
    const raised = await inboxOf('U03').waitFor(
      (m) => alertOf(m).kind === 'panic' && alertOf(m).unit === 'U03',
    );
    const id = alertOf(raised).id;
    const zone = await inbox.waitFor(
      (m) => m.topic === 'gp/v1/zone/east/alert' && alertOf(m).id === id && alertOf(m).state === 'escalated',
    );
    const op = await inbox.waitFor(
      (m) => m.topic === 'gp/v1/operator/police-east/alert' && alertOf(m).id === id,
    );
    expect(alertOf(zone).state).toBe('escalated');
    expect(alertOf(op).state).toBe('escalated');
    await inboxOf('U01').waitFor((m) => alertOf(m).id === id && alertOf(m).state === 'escalated');
    // the escalated alert is acknowledged by the police; every target and the zone hear it
    await publish(police, 'gp/v1/unit/U03/ack', { id });
    await inbox.waitFor(
      (m) =>
        m.topic === 'gp/v1/zone/east/alert' && alertOf(m).id === id && alertOf(m).state === 'acknowledged',
    );
    await inboxOf('U02').waitFor((m) => alertOf(m).id === id && alertOf(m).state === 'acknowledged');
    await end(police);
  });

  it('a console with a persistent session that was offline gets the alert when it reconnects', async () => {
    const clientId = 'U04-duty-wall-screen';
    const first = await connectAs(gw.mqttPort, 'U04-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U04/#');
    await end(first); // dropped without DISCONNECT, like a duty room losing its network
    // an alert for U04 while that console is away
    const marker = `offline-check-${Date.now()}`;
    const admin = await connectAs(gw.mqttPort, 'police-east');
    await publish(admin, 'gp/v1/ops/alert', { unit: 'U04', message: marker, severity: 'warning' });
    await end(admin);
    await inboxOf('U04').waitFor((x) => alertOf(x).message.includes(marker));
    const { client: again, inbox } = await connectWithInbox(gw.mqttPort, 'U04-duty', 'secret', {
      clientId,
      clean: false,
    });
    const m = await inbox.waitFor(
      (x) => alertOf(x).message.includes(marker) && alertOf(x).state === 'raised',
    );
    expect(m.topic).toBe('gp/v1/unit/U04/alert');
    await end(again);
  });

  it('GET /api/alerts lists open alerts, a console only its own unit', async () => {
    const res = await fetch(gw.url('/api/alerts?state=open'), { headers: basicAuth('U11-duty') });
    const body = (await res.json()) as { alerts: Alert[] };
    expect(res.status).toBe(200);
    expect(body.alerts.every((a) => a.zone === 'west')).toBe(true);
    const east = (await (
      await fetch(gw.url('/api/alerts?state=open&unit=U02'), { headers: basicAuth('police-east') })
    ).json()) as { alerts: Alert[] };
    expect(east.alerts.length).toBeGreaterThan(0);
  });
});

describe('restart', () => {
  it('a console that was offline across a gateway restart gets the open alerts when it subscribes again', async () => {
    // the east zone's 2 s ackTimeout could run out during a slow restart and the
    // alert would come back escalated: this test is about catch-up, not timing
    const g = await startGateway({ siteYaml: siteWithEastAckTimeout('1h') });
    try {
      const clientId = 'U03-duty-phone';
      const first = await connectAs(g.mqttPort, 'U03-duty', 'secret', { clientId, clean: false });
      await subscribe(first, 'gp/v1/unit/U03/#');
      await end(first);
      const button = await connectAs(g.mqttPort, 'U01-PANIC-1');
      await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 7 });
      await end(button);
      await g.restart(); // the broker's sessions are gone; the journal is not
      const { client, inbox } = await connectWithInbox(g.mqttPort, 'U03-duty', 'secret', {
        clientId,
        clean: false,
      });
      await subscribe(client, 'gp/v1/unit/U03/#');
      const m = await inbox.waitFor((x) => alertOf(x).kind === 'panic' && alertOf(x).unit === 'U01');
      expect(alertOf(m)).toMatchObject({ state: 'raised', zone: 'east' });
      expect(m.topic).toBe('gp/v1/unit/U03/alert');
      // a console of another zone is not caught up on it: catch-up is sent on
      // subscribe, so an alert sent after the SUBACK arrives after anything it sent
      const { client: west, inbox: westInbox } = await connectWithInbox(g.mqttPort, 'U11-duty');
      await subscribe(west, 'gp/v1/unit/U11/#');
      const admin = await connectAs(g.mqttPort, 'police-west');
      const marker = `after-catch-up-${Date.now()}`;
      await publish(admin, 'gp/v1/ops/alert', { unit: 'U11', message: marker, severity: 'info' });
      await westInbox.waitFor((x) => alertOf(x).message.includes(marker), 10_000, 'the marker alert');
      expect(westInbox.messages.filter((x) => alertOf(x).kind === 'panic')).toHaveLength(0);
      await end(client, west, admin);
    } finally {
      await g.stop();
    }
  });

  it('kill -9 between raise and escalation: after restart the escalation happens once', async () => {
    const g = await startGateway();
    try {
      const c = await connectAs(g.mqttPort, 'U02-duty');
      const inbox = new Inbox(c);
      await subscribe(c, 'gp/v1/unit/U02/#');
      const button = await connectAs(g.mqttPort, 'U02-PANIC-1');
      await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 1 });
      const raised = await inbox.waitFor((m) => alertOf(m).kind === 'panic' && alertOf(m).state === 'raised');
      const id = alertOf(raised).id;
      await end(c, button);
      await g.kill();
      await g.restart();
      const stateOf = async (alertId: string): Promise<string> => {
        const body = (await (
          await fetch(g.url('/api/alerts?state=all'), { headers: basicAuth('police-east') })
        ).json()) as { alerts: Alert[] };
        return body.alerts.find((a) => a.id === alertId)?.state ?? '';
      };
      // the API shows it escalated (ackTimeout 2 s in the test site)
      await until('the alert escalated after restart', async () => (await stateOf(id)) === 'escalated');
      // a second duplicate escalation would come at the latest one ackTimeout
      // later: a later alert of the zone escalating proves that time has passed
      const other = await connectAs(g.mqttPort, 'U03-PANIC-1');
      await publish(other, 'gp/v1/dev/U03-PANIC-1/panic', { state: 'pressed', seq: 1 });
      await end(other);
      const later = await until('a later alert', async () => {
        const body = (await (
          await fetch(g.url('/api/alerts?state=all'), { headers: basicAuth('police-east') })
        ).json()) as { alerts: Alert[] };
        return body.alerts.find((a) => a.unit === 'U03' && a.kind === 'panic')?.id;
      });
      await until('the later alert escalated', async () => (await stateOf(later)) === 'escalated');
      const db = new Database(join(g.dataDir, 'journal.sqlite'), { readonly: true });
      const rows = db
        .prepare(
          "SELECT json_extract(body, '$.alert.state') AS state FROM entries WHERE type = 'alert' AND json_extract(body, '$.alert.id') = ?",
        )
        .all(id) as { state: string }[];
      db.close();
      expect(rows.map((r) => r.state)).toEqual(['raised', 'escalated']);
      const open = (await (
        await fetch(g.url('/api/alerts?state=open'), { headers: basicAuth('police-east') })
      ).json()) as { alerts: Alert[] };
      expect(open.alerts.filter((a) => a.kind === 'panic' && a.unit === 'U02')).toHaveLength(1);
    } finally {
      await g.stop();
    }
  });
});

/** The small test site with another ackTimeout for the east zone. */
function siteWithEastAckTimeout(timeout: string): string {
  const yaml = readFileSync(SMALL_SITE, 'utf8');
  const edited = yaml.replace('ackTimeout: 2s', `ackTimeout: ${timeout}`);
  if (edited === yaml) throw new Error('the small site no longer has the east ackTimeout of 2s');
  return edited;
}
