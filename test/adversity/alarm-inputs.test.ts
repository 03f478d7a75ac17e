/**
 * Hostile alarm-handling inputs over real TCP (issue 13): a console flooding
 * checklist toggles is rate limited per account before the priority lane (a
 * panic still reaches the neighbours within a second, the flood is refused
 * with a clear reason and mostly never journaled); a console of another zone
 * cannot take or acknowledge an alert it is not a target of, nor publish on
 * another unit's topics.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { closed, connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];
let seq = 500;

async function client(user: string, filter: string): Promise<{ client: MqttClient; inbox: Inbox }> {
  const c = await connectWithInbox(gw.mqttPort, user);
  clients.push(c.client);
  await subscribe(c.client, filter);
  return c;
}

const alert = (m: { topic: string; json: unknown }) =>
  m.topic.endsWith('/alert') ? (m.json as { id: string; kind: string; unit: string; state: string }) : null;

async function detail(id: string): Promise<{ owner: unknown; ackBy: unknown; audit: { action: string }[] }> {
  const res = await fetch(gw.url(`/api/alerts/${id}`), { headers: basicAuth('police-east') });
  return (await res.json()) as { owner: unknown; ackBy: unknown; audit: { action: string }[] };
}

beforeAll(async () => {
  gw = await startGateway();
}, 60_000);
afterAll(async () => {
  await end(...clients);
  await gw?.stop();
});

describe('alarm-handling inputs under attack', () => {
  it('a checklist flood is refused past the account rate; a panic meanwhile reaches the neighbours within 1 s', async () => {
    const u01 = await client('U01-duty', 'gp/v1/unit/U01/#');
    const u03 = await client('U03-duty', 'gp/v1/unit/U03/#');
    const tech = await client('tech1', 'gp/v1/gateway/rejects');
    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    clients.push(button);
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: ++seq });
    const first = await u01.inbox.waitFor((m) => alert(m)?.kind === 'panic' && alert(m)?.unit === 'U02');
    const id = alert(first)?.id as string;
    const second = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    clients.push(second);
    // 2000 toggles, each a change (done flips), QoS 0 as fast as the socket takes them
    for (let i = 0; i < 2000; i++)
      u01.client.publish(
        'gp/v1/unit/U01/checklist',
        JSON.stringify({ id, step: 'call_unit', done: i % 2 === 0 }),
        { qos: 0 },
      );
    const sent = Date.now();
    await publish(second, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: ++seq });
    await u03.inbox.waitFor(
      (m) => alert(m)?.kind === 'panic' && alert(m)?.unit === 'U01',
      10_000,
      'U01 panic',
    );
    expect(Date.now() - sent).toBeLessThan(1000);
    const reject = await tech.inbox.waitFor((m) =>
      String((m.json as { reason?: string }).reason).includes('account rate limit'),
    );
    expect(reject.topic).toBe('gp/v1/gateway/rejects');
    // the flood never filled the journal: at most the burst and a few seconds' rate of it
    const d = await until('flood drained', async () => {
      const x = await detail(id);
      return x.audit.length > 1 ? x : null;
    });
    expect(d.audit.filter((e) => e.action === 'checklist').length).toBeLessThan(150);
  }, 30_000);

  it('another zone’s console may not take or ack an alert it is not a target of, nor use another unit’s topic', async () => {
    const u11 = await client('U11-duty', 'gp/v1/unit/U11/#');
    const u02 = await client('U02-duty', 'gp/v1/unit/U02/#');
    const b = await connectAs(gw.mqttPort, 'U03-PANIC-1');
    clients.push(b);
    await publish(b, 'gp/v1/dev/U03-PANIC-1/panic', { state: 'pressed', seq: ++seq });
    const raised = await u02.inbox.waitFor((m) => alert(m)?.kind === 'panic' && alert(m)?.unit === 'U03');
    const id = alert(raised)?.id as string;
    await publish(u11.client, 'gp/v1/unit/U11/take', { id });
    await publish(u11.client, 'gp/v1/unit/U11/ack', { id });
    await publish(u11.client, 'gp/v1/unit/U11/view', { id });
    // a marker from a target proves the refused inputs were handled before it
    await publish(u02.client, 'gp/v1/unit/U02/checklist', { id, step: 'send_guard', done: true });
    const d = await until('marker applied', async () => {
      const x = await detail(id);
      return x.audit.some((e) => e.action === 'checklist') ? x : null;
    });
    expect(d.owner).toBeNull();
    expect(d.ackBy).toBeNull();
    expect(d.audit.map((e) => e.action)).toEqual(['raise', 'checklist']);
    // publishing on the target unit's topic is refused outright (the connection is closed)
    u11.client.publish('gp/v1/unit/U02/take', JSON.stringify({ id }), { qos: 1 });
    expect(await closed(u11.client)).toBe(true);
    expect((await detail(id)).owner).toBeNull();
  }, 30_000);
});
