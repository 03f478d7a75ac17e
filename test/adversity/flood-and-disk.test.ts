/**
 * One device floods; the journal fills (docs/operators.md "Limits"). Against
 * the real gateway: a device sending 20,000 taps as fast as one client can is
 * rate-limited (rejects with their reason, a metric) while another unit's
 * panic still reaches the zone's consoles; and with a small journal cap,
 * taps filling it are refused in the reserve (not acknowledged, /healthz
 * says so) while a panic and its acknowledgement are accepted and delivered.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { floodUntilClosed } from '../support/flood.js';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { closed, connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

type Json = Record<string, unknown>;
const json = (m: { json: unknown }): Json => m.json as Json;
const alertsOn = (inbox: Inbox, unit: string) =>
  inbox.messages.filter((m) => m.topic === `gp/v1/unit/${unit}/alert`).map(json);

let gw: RunningGateway | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await end(...clients.splice(0));
  await gw?.stop();
  gw = undefined;
});

async function consoleOf(port: number, unit: string): Promise<Inbox> {
  const c = await connectAs(port, `${unit}-duty`);
  clients.push(c);
  const inbox = new Inbox(c);
  await subscribe(c, `gp/v1/unit/${unit}/alert`);
  return inbox;
}

describe('a flooding device', () => {
  it('is rate-limited with a reason on gp/v1/gateway/rejects while a panic reaches the zone', async () => {
    gw = await startGateway();
    const running = gw;
    const tech = await connectAs(running.mqttPort, 'tech1');
    clients.push(tech);
    const rejects = new Inbox(tech);
    await subscribe(tech, 'gp/v1/gateway/rejects');
    const u02 = await consoleOf(running.mqttPort, 'U02');
    const u03 = await consoleOf(running.mqttPort, 'U03');
    const wand = await connectAs(running.mqttPort, 'G001-WAND');
    clients.push(wand);
    const started = Date.now();
    // a fixed amount of work: 20,000 taps, half QoS 0, half QoS 1, written as fast as the client can
    const sent: Promise<void>[] = [];
    for (let seq = 1; seq <= 20_000; seq++) {
      const body = JSON.stringify({ uid: '04D1E2F3', seq });
      if (seq % 2 === 0) wand.publish('gp/v1/dev/G001-WAND/tap', body, { qos: 0 });
      else sent.push(publish(wand, 'gp/v1/dev/G001-WAND/tap', body, 1));
    }
    const limited = await rejects.waitFor(
      (m) => json(m).device === 'G001-WAND' && /rate limit/.test(String(json(m).reason)),
      30_000,
      'a rate-limit reject',
    );
    expect(json(limited)).toMatchObject({ topic: 'gp/v1/dev/G001-WAND/tap' });
    // another unit's panic, while the flood is still being worked through
    const button = await connectAs(running.mqttPort, 'U01-PANIC-1');
    clients.push(button);
    const pressedAt = Date.now();
    await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 1 });
    await u02.waitFor((m) => json(m).kind === 'panic' && json(m).unit === 'U01', 10_000, 'U02 alert');
    await u03.waitFor((m) => json(m).kind === 'panic' && json(m).unit === 'U01', 10_000, 'U03 alert');
    const deliveredMs = Date.now() - pressedAt;
    // rate-limited QoS 1 taps are acknowledged (like bad payloads): the device does not resend forever
    await Promise.all(sent);
    const elapsedS = (Date.now() - started) / 1000;
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/guardpost_rejects_total\{reason="device rate limit exceeded"\} \d+/);
    const taps = Number(
      /guardpost_events_total\{kind="tap",transport="mqtt"\} (\d+)/.exec(metrics)?.[1] ?? 0,
    );
    // burst 100 + 20/s, with slack: far below the 20,000 sent
    expect(taps).toBeGreaterThan(0);
    expect(taps).toBeLessThanOrEqual(100 + 20 * (elapsedS + 2));
    // reports are thinned: not one reject message per refused tap
    expect(rejects.messages.length).toBeLessThan(200);
    console.log(`panic delivered in ${deliveredMs} ms during the flood`);
    expect(deliveredMs).toBeLessThan(1000);
  });
});

describe('a journal at its cap', () => {
  it('refuses taps in the reserve while a panic and its ack are accepted and delivered', async () => {
    const siteYaml = `${readFileSync(SMALL_SITE, 'utf8')}
gateway:
  journal: { maxMB: 1, reserveMB: 0.25, diskReserveMB: 0 }
  limits: { deviceRate: { perSecond: 1000000, burst: 1000000 } }
`;
    gw = await startGateway({ siteYaml });
    const running = gw;
    const u02 = await consoleOf(running.mqttPort, 'U02');
    expect((await fetch(running.url('/healthz'))).status).toBe(200);
    // taps, QoS 1, 20 in flight, until the gateway stops acknowledging them (it closes the connection)
    const wand = await connectAs(running.mqttPort, 'G001-WAND');
    clients.push(wand);
    const acked = (
      await floodUntilClosed(wand, 'gp/v1/dev/G001-WAND/tap', (seq) => ({ uid: '04D1E2F3', seq }))
    ).length;
    expect(acked).toBeGreaterThan(100);
    expect(acked).toBeLessThan(20_000);
    const health = await fetch(running.url('/healthz'));
    expect(health.status).toBe(503);
    const body = (await health.json()) as {
      status: string;
      journal: { state: string; refusingBulk: boolean };
    };
    expect(body.status).toBe('journal-reserve');
    expect(body.journal).toMatchObject({ state: 'reserve', refusingBulk: true });
    // a panic is accepted (PUBACK) and reaches the neighbours
    const button = await connectAs(running.mqttPort, 'U01-PANIC-1');
    clients.push(button);
    await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 1 });
    const raised = json(await u02.waitFor((m) => json(m).state === 'raised', 10_000, 'raised alert'));
    // its acknowledgement too
    const duty = await connectAs(running.mqttPort, 'U02-duty');
    clients.push(duty);
    await publish(duty, 'gp/v1/unit/U02/ack', { id: raised.id });
    await u02.waitFor((m) => json(m).state === 'acknowledged', 10_000, 'acknowledged alert');
    expect(alertsOn(u02, 'U02').map((a) => a.state)).toEqual(['raised', 'acknowledged']);
    // taps are still refused: no PUBACK, the connection is closed so the device resends later
    const again = await connectAs(running.mqttPort, 'G001-WAND');
    clients.push(again);
    again.publish('gp/v1/dev/G001-WAND/tap', JSON.stringify({ uid: '04D1E2F3', seq: 30_000 }), { qos: 1 });
    expect(await closed(again)).toBe(true);
    // logged once per state change, not per refused tap
    await until('the reserve logged', () => running.logs().includes('journal in its reserve'));
    expect(running.logs().split('journal in its reserve').length - 1).toBe(1);
  });
});
