/**
 * Alert catch-up over real TCP (gateway/src/broker/catch-up.ts): a session
 * present for a console does not prove it holds its unit's alerts. A
 * console whose session queued nothing (QoS 0 subscription) or whose queue
 * another client with the same id drained gets the open alerts when it
 * comes back, and the last state it sees of an alert is the current one.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, Inbox, publish, subscribe } from '../support/mqtt.js';

type Alert = { id: string; state: string; message: string };
const alertOf = (m: { topic: string; json: unknown }): Alert | null =>
  m.topic.endsWith('/alert') && typeof m.json === 'object' && m.json ? (m.json as Alert) : null;

let gw: RunningGateway;
let admin: MqttClient;
/** A console of U04 that stays connected: it proves an alert was raised while the others were away. */
let watch: { client: MqttClient; inbox: Inbox };

beforeAll(async () => {
  gw = await startGateway();
  admin = await connectAs(gw.mqttPort, 'police-east');
  watch = await connectWithInbox(gw.mqttPort, 'U04-duty');
  await subscribe(watch.client, 'gp/v1/unit/U04/#');
});
afterAll(async () => {
  await end(admin, watch?.client);
  await gw?.stop();
});

/** Raise a custom alert on U04 and return it as the watching console saw it. */
async function raise(): Promise<Alert> {
  const text = `catch-up-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  await publish(admin, 'gp/v1/ops/alert', { unit: 'U04', message: text, severity: 'warning' });
  const m = await watch.inbox.waitFor((x) => alertOf(x)?.message.includes(text) === true);
  return alertOf(m) as Alert;
}

/** Reconnect with a persistent session; resolves with the client, its inbox and the CONNACK's sessionPresent. */
async function resume(
  clientId: string,
): Promise<{ client: MqttClient; inbox: Inbox; sessionPresent: boolean }> {
  let inbox: Inbox | undefined;
  let sessionPresent = false;
  const opts: IClientOptions = { clientId, clean: false };
  const client = await connectAs(gw.mqttPort, 'U04-duty', 'secret', opts, (c) => {
    inbox = new Inbox(c);
    c.once('connect', (p) => {
      sessionPresent = p.sessionPresent;
    });
  });
  return { client, inbox: inbox as Inbox, sessionPresent };
}

describe('catch-up with a session present', () => {
  it('a session subscribed at QoS 0 (nothing queued) still gets the alert raised while away', async () => {
    const clientId = 'U04-duty-qos0-screen';
    const first = await connectAs(gw.mqttPort, 'U04-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U04/#', 0);
    await end(first);
    const alert = await raise();
    const back = await resume(clientId);
    expect(back.sessionPresent).toBe(true);
    const m = await back.inbox.waitFor((x) => alertOf(x)?.id === alert.id, 10_000, 'the catch-up');
    expect(m.topic).toBe('gp/v1/unit/U04/alert');
    expect(alertOf(m)?.state).toBe('raised');
    await end(back.client);
  });

  it('a session whose queue another client with the same id drained still gets the alert', async () => {
    const clientId = 'U04-duty-phone';
    const first = await connectAs(gw.mqttPort, 'U04-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U04/#');
    await end(first);
    const alert = await raise();
    // someone else with the console's credentials and client id takes the queued alert and leaves
    const thief = await resume(clientId);
    await thief.inbox.waitFor((x) => alertOf(x)?.id === alert.id, 10_000, 'the queued alert');
    await end(thief.client);
    const back = await resume(clientId);
    expect(back.sessionPresent).toBe(true);
    await back.inbox.waitFor((x) => alertOf(x)?.id === alert.id, 10_000, 'the catch-up');
    await end(back.client);
  });

  it('after queued older states, the last state delivered is the current one', async () => {
    const clientId = 'U04-duty-desk';
    const first = await connectAs(gw.mqttPort, 'U04-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U04/#');
    await end(first);
    const alert = await raise();
    await publish(watch.client, 'gp/v1/unit/U04/ack', { id: alert.id });
    await watch.inbox.waitFor((x) => alertOf(x)?.id === alert.id && alertOf(x)?.state === 'acknowledged');
    const back = await resume(clientId);
    expect(back.sessionPresent).toBe(true);
    const states = (): string[] =>
      back.inbox.messages.filter((x) => alertOf(x)?.id === alert.id).map((x) => alertOf(x)?.state ?? '');
    // queued: raised, acknowledged; then the catch-up: acknowledged
    await back.inbox.waitFor(
      () => states().filter((s) => s === 'acknowledged').length >= 2,
      10_000,
      'catch-up',
    );
    expect(states().at(-1)).toBe('acknowledged');
    expect(states()).toContain('raised');
    await end(back.client);
  });
});
