import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { closed, connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.stop();
});

describe('CONNECT', () => {
  it('refuses anonymous, unknown accounts and wrong passwords', async () => {
    await expect(connectAs(gw.mqttPort, '', '')).rejects.toThrow(/Not authorized|Bad username|refused/i);
    await expect(connectAs(gw.mqttPort, 'nobody', 'secret')).rejects.toThrow(/Bad username or password/i);
    await expect(connectAs(gw.mqttPort, 'U02-duty', 'wrong')).rejects.toThrow(/Bad username or password/i);
    await expect(connectAs(gw.mqttPort, 'U02-duty', '')).rejects.toThrow(/Bad username|Not authorized/i);
  });
  it('accepts every kind of account with its password, and still does after repeated failures', async () => {
    for (let i = 0; i < 4; i++) {
      await expect(connectAs(gw.mqttPort, 'tech1', 'bad', { clientId: 'retry-me' })).rejects.toThrow();
    }
    const c = await connectAs(gw.mqttPort, 'tech1', 'secret', { clientId: 'retry-me' });
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    const o = await connectAs(gw.mqttPort, 'police-east');
    expect([c.connected, d.connected, o.connected]).toEqual([true, true, true]);
    await end(c, d, o);
    expect(gw.logs()).toMatch(/MQTT connect refused/);
  });
});

describe('device rules', () => {
  it('a device may not publish as another device: refused, connection closed, nothing ingested', async () => {
    const tech = await connectAs(gw.mqttPort, 'tech1');
    const inbox = new Inbox(tech);
    await subscribe(tech, 'gp/v1/events/#');
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    d.publish('gp/v1/dev/U01-PANIC-1/panic', JSON.stringify({ state: 'pressed', seq: 1 }), { qos: 1 });
    expect(await closed(d)).toBe(true);
    // a legit event afterwards arrives, the forged one never did
    const ok = await connectAs(gw.mqttPort, 'U02-READER-1');
    await publish(ok, 'gp/v1/dev/U02-READER-1/tap', { uid: '04A1B2C3D4E5F6', seq: 1 });
    await inbox.waitFor((m) => m.topic.startsWith('gp/v1/events/tap/'));
    expect(inbox.messages.some((m) => m.topic.startsWith('gp/v1/events/panic/'))).toBe(false);
    expect(gw.logs()).toMatch(/publish refused/);
    await end(tech, d, ok);
  });
  it('a device may subscribe to its own cmd/# only', async () => {
    const d = await connectAs(gw.mqttPort, 'U02-RC-1');
    const granted = await subscribe(d, [
      'gp/v1/dev/U02-RC-1/cmd/#',
      'gp/v1/unit/U02/alert',
      'gp/v1/dev/U01-RC-1/cmd/#',
      '#',
    ]);
    expect(granted.map((g) => g.qos)).toEqual([1, 128, 128, 128]);
    await end(d);
  });
  it('publishing to $SYS is refused', async () => {
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    d.publish('$SYS/broker/fake', 'x', { qos: 1 });
    expect(await closed(d)).toBe(true);
  });
  it('a device may not publish alerts or commands', async () => {
    const d = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    d.publish('gp/v1/unit/U02/alert', '{}', { qos: 1 });
    expect(await closed(d)).toBe(true);
    const e = await connectAs(gw.mqttPort, 'U02-RC-1');
    e.publish('gp/v1/dev/U02-RC-1/cmd/rollcall', '{}', { qos: 1 });
    expect(await closed(e)).toBe(true);
  });
});

describe('console rules', () => {
  it('a console subscribes to its unit and zone, not others', async () => {
    const c = await connectAs(gw.mqttPort, 'U02-duty');
    const granted = await subscribe(c, [
      'gp/v1/unit/U02/#',
      'gp/v1/zone/east/#',
      'gp/v1/unit/U01/#',
      'gp/v1/zone/west/#',
      'gp/v1/#',
    ]);
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 128, 128, 128]);
    await end(c);
  });
  it('a console may ack in its own unit only', async () => {
    const c = await connectAs(gw.mqttPort, 'U02-duty');
    await publish(c, 'gp/v1/unit/U02/ack', { id: 'A-unknown' });
    expect(c.connected).toBe(true);
    c.publish('gp/v1/unit/U01/ack', JSON.stringify({ id: 'A-unknown' }), { qos: 1 });
    expect(await closed(c)).toBe(true);
  });
});

describe('operator rules', () => {
  it('a technician reads gp/v1/# and publishes ops, but may not ack', async () => {
    const t = await connectAs(gw.mqttPort, 'tech1');
    const granted = await subscribe(t, ['gp/v1/#', '$SYS/#']);
    expect(granted.map((g) => g.qos)).toEqual([1, 128]);
    await publish(t, 'gp/v1/ops/alert', { unit: 'U02', message: 'test', severity: 'info' });
    expect(t.connected).toBe(true);
    t.publish('gp/v1/unit/U02/ack', JSON.stringify({ id: 'A-x' }), { qos: 1 });
    expect(await closed(t)).toBe(true);
  });
  it('an admin reads everything and may ack any unit', async () => {
    const a = await connectAs(gw.mqttPort, 'police-east');
    const granted = await subscribe(a, ['#']);
    expect(granted[0]?.qos).toBe(1);
    await publish(a, 'gp/v1/unit/U11/ack', { id: 'A-x' });
    await publish(a, 'gp/v1/unit/U03/resolve', { id: 'A-x' });
    expect(a.connected).toBe(true);
    a.publish('gp/v1/dev/U02-PANIC-1/panic', JSON.stringify({ state: 'pressed', seq: 9 }), { qos: 1 });
    expect(await closed(a)).toBe(true);
  });
});
