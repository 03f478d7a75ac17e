/**
 * End to end through the real gateway (child process, real MQTT clients over
 * TCP on loopback): a panic press reaches the zone's duty rooms, escalates to
 * the zone and the police account, is acknowledged and resolved by the
 * consoles allowed to; a kill between raise and escalation still escalates
 * exactly once after restart.
 */

import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { basicAuth, type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';

const SLOW_EAST = readFileSync(SMALL_SITE, 'utf8').replace(
  '{ id: east, name: 东片区, ackTimeout: 2s,',
  '{ id: east, name: 东片区, ackTimeout: 10s,',
);

let gw: RunningGateway;
let clients: MqttClient[] = [];

async function client(user: string, filter: string | string[]): Promise<{ c: MqttClient; inbox: Inbox }> {
  const c = await connectAs(gw.mqttPort, user);
  clients.push(c);
  const inbox = new Inbox(c);
  const granted = await subscribe(c, filter, 1);
  expect(granted.every((g) => g.qos === 1)).toBe(true);
  return { c, inbox };
}

async function device(id: string): Promise<MqttClient> {
  const c = await connectAs(gw.mqttPort, id);
  clients.push(c);
  return c;
}

const alertOf = (m: { json: unknown }) => m.json as AlertPayload;
const isAlert = (topic: string, state: string, id?: string) => (m: { topic: string; json: unknown }) =>
  m.topic === topic && alertOf(m).state === state && (id === undefined || alertOf(m).id === id);

afterEach(async () => {
  await end(...clients);
  clients = [];
  await gw?.stop();
});

describe('alerts end to end', () => {
  it('panic → neighbours → escalation → first ack wins → origin resolves', async () => {
    gw = await startGateway();
    const u01 = await client('U01-duty', 'gp/v1/unit/U01/#');
    const u11 = await client('U11-duty', 'gp/v1/unit/U11/#');
    const police = await client('police-east', ['gp/v1/zone/east/alert', 'gp/v1/operator/police-east/alert']);
    const u02 = await client('U02-duty', 'gp/v1/unit/U02/#');
    const u03 = await client('U03-duty', 'gp/v1/unit/U03/#');
    const button = await device('U02-PANIC-1');

    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 1 }, 1);
    const raised = alertOf(
      await u01.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'raised'), 10_000, 'raised at U01'),
    );
    expect(raised).toMatchObject({
      kind: 'panic',
      unit: 'U02',
      zone: 'east',
      device: 'U02-PANIC-1',
      ackBy: null,
    });
    expect(raised.message).toContain('新城名苑 紧急报警');
    await u02.inbox.waitFor(isAlert('gp/v1/unit/U02/alert', 'raised', raised.id));
    // a second press raises nothing new; east ackTimeout is 2 s: escalation to the zone and police
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 2 }, 1);
    await police.inbox.waitFor(
      isAlert('gp/v1/operator/police-east/alert', 'escalated', raised.id),
      10_000,
      'escalation',
    );
    await police.inbox.waitFor(isAlert('gp/v1/zone/east/alert', 'escalated', raised.id));
    await u01.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'escalated', raised.id));

    // a neighbour acknowledges; a later ack changes nothing
    await publish(u03.c, 'gp/v1/unit/U03/ack', { id: raised.id }, 1);
    const acked = alertOf(
      await u01.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'acknowledged', raised.id)),
    );
    expect(acked.ackBy).toBe('U03-duty');
    expect(acked.escalated).toBe(true);
    await police.inbox.waitFor(isAlert('gp/v1/operator/police-east/alert', 'acknowledged', raised.id));

    // a neighbour cannot resolve; the origin unit can
    await publish(u01.c, 'gp/v1/unit/U01/resolve', { id: raised.id }, 1);
    await publish(u01.c, 'gp/v1/unit/U01/ack', { id: raised.id }, 1);
    await publish(u02.c, 'gp/v1/unit/U02/resolve', { id: raised.id }, 1);
    const resolved = alertOf(await u01.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'resolved', raised.id)));
    expect(resolved).toMatchObject({ resolvedBy: 'U02-duty', ackBy: 'U03-duty' });
    await u03.inbox.waitFor(isAlert('gp/v1/unit/U03/alert', 'resolved', raised.id));

    // per-subscription order holds: everything published before `resolved` has arrived
    const mine = u01.inbox.messages.filter((m) => m.topic === 'gp/v1/unit/U01/alert').map((m) => alertOf(m));
    expect(mine.map((a) => a.state)).toEqual(['raised', 'escalated', 'acknowledged', 'resolved']);
    expect(new Set(mine.map((a) => a.id))).toEqual(new Set([raised.id]));
    // the west zone saw nothing of it
    expect(u11.inbox.messages.filter((m) => m.topic.endsWith('/alert'))).toEqual([]);
  }, 60_000);

  it('killed between raise and escalation: escalates exactly once after restart', async () => {
    gw = await startGateway({ siteYaml: SLOW_EAST });
    const button = await device('U01-PANIC-1');
    const u01 = await client('U01-duty', 'gp/v1/unit/U01/alert');
    await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 1 }, 1);
    const raised = alertOf(
      await u01.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'raised'), 10_000, 'raised'),
    );
    await end(...clients);
    clients = [];
    await gw.kill();
    await gw.restart();

    const police = await client('police-east', 'gp/v1/operator/police-east/alert');
    const duty = await client('U01-duty', 'gp/v1/unit/U01/alert');
    await police.inbox.waitFor(
      isAlert('gp/v1/operator/police-east/alert', 'escalated', raised.id),
      20_000,
      'escalation',
    );
    const res = await fetch(gw.url('/api/alerts?state=all'), { headers: basicAuth('police-east') });
    const listed = ((await res.json()) as { alerts: AlertPayload[] }).alerts.filter(
      (a) => a.id === raised.id,
    );
    expect(listed.map((a) => a.state)).toEqual(['escalated']);
    await publish(duty.c, 'gp/v1/unit/U01/ack', { id: raised.id }, 1);
    await police.inbox.waitFor(isAlert('gp/v1/operator/police-east/alert', 'acknowledged', raised.id));
    const seen = police.inbox.messages.map((m) => alertOf(m)).filter((a) => a.id === raised.id);
    expect(seen.map((a) => a.state)).toEqual(['escalated', 'acknowledged']);
    await duty.inbox.waitFor(isAlert('gp/v1/unit/U01/alert', 'acknowledged', raised.id));
  }, 90_000);
});
