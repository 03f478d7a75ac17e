/**
 * A stolen client id must not divert a console's alerts: a session belongs
 * to the account that created it (gateway/src/broker/sessions.ts). Another
 * account presenting that id is refused with "identifier rejected" (3.1.1
 * return code 2, MQTT 5 reason 0x85), and the rightful console still gets
 * the panic that was raised while it was away.
 */
import { connect as netConnect } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { closed, connectAs, connectWithInbox, end, publish, subscribe } from '../support/mqtt.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const v5 = { protocolVersion: 5 as const, properties: { sessionExpiryInterval: 3600 } };

async function authFailures(reason: string): Promise<number> {
  const text = await (await fetch(gw.url('/metrics'))).text();
  const m = new RegExp(
    `guardpost_auth_failures_total\\{[^}]*transport="mqtt"[^}]*reason="${reason}"[^}]*\\} (\\d+)`,
  ).exec(text);
  return Number(m?.[1] ?? 0);
}

/** A 3.1.1 CONNECT built by hand (mqtt-packet refuses to write an empty id with clean=0). */
function connectBytes(o: { clientId: string; username: string; password: string; clean: boolean }): Buffer {
  const str = (v: string): Buffer => {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const flags = 0x80 | 0x40 | (o.clean ? 0x02 : 0);
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 30]),
    str(o.clientId),
    str(o.username),
    str(o.password),
  ]);
  if (body.length > 127) throw new Error('keep it short: one-byte remaining length');
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** One raw 3.1.1 CONNECT; resolves with the CONNACK's return code. */
function rawConnack(port: number, connect: Parameters<typeof connectBytes>[0]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => {
      if (p.cmd !== 'connack') return;
      socket.destroy();
      resolve(p.returnCode ?? -1);
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without CONNACK')));
    socket.write(connectBytes(connect));
  });
}

describe('a client id belongs to the account that created its session', () => {
  it('another account with a console’s client id is refused (rc 2 / 0x85); the console gets the panic', async () => {
    const clientId = 'wall-screen-7'; // not named after its account: ownership comes from the first login
    const first = await connectAs(gw.mqttPort, 'U02-duty', 'secret', { clientId, clean: false });
    await subscribe(first, 'gp/v1/unit/U02/#');
    await end(first);
    const before = await authFailures('client_id');

    // a device of the same unit (a valid account, right password) tries to take the session
    await expect(
      connectAs(gw.mqttPort, 'U02-PANIC-1', 'secret', { clientId, clean: false }),
    ).rejects.toMatchObject({
      code: 2,
    });
    await expect(
      connectAs(gw.mqttPort, 'U02-PANIC-1', 'secret', { clientId, clean: true }),
    ).rejects.toMatchObject({
      code: 2,
    });
    await expect(
      connectAs(gw.mqttPort, 'U02-PANIC-1', 'secret', { clientId, clean: false, ...v5 }),
    ).rejects.toMatchObject({
      code: 0x85,
    });

    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 41 });
    await end(button);

    const { client, inbox } = await connectWithInbox(gw.mqttPort, 'U02-duty', 'secret', {
      clientId,
      clean: false,
    });
    const m = await inbox.waitFor(
      (x) => x.topic === 'gp/v1/unit/U02/alert' && (x.json as { kind?: string }).kind === 'panic',
      10_000,
      'the panic alert on the console’s own session',
    );
    expect(m.json).toMatchObject({ kind: 'panic', unit: 'U02', state: 'raised' });
    await end(client);
    expect(await authFailures('client_id')).toBeGreaterThanOrEqual(before + 3);
    expect(gw.logs()).toMatch(/client id belongs to another account/);
  });

  it('an id named after an account is that account’s from the start, and a live console is not kicked off', async () => {
    // nobody has used it yet (e.g. just after a restart): still not the device's to squat
    await expect(
      connectAs(gw.mqttPort, 'U03-PANIC-1', 'secret', { clientId: 'U03-duty-phone', clean: false }),
    ).rejects.toMatchObject({ code: 2 });
    await expect(
      connectAs(gw.mqttPort, 'U03-PANIC-1', 'secret', { clientId: 'U03-duty' }),
    ).rejects.toMatchObject({
      code: 2,
    });
    const phone = await connectAs(gw.mqttPort, 'U03-duty', 'secret', {
      clientId: 'U03-duty-phone',
      clean: false,
    });
    // a clean=true takeover would close the console's connection and wipe its session: refused too
    await expect(
      connectAs(gw.mqttPort, 'U04-duty', 'secret', { clientId: 'U03-duty-phone', clean: true }),
    ).rejects.toMatchObject({ code: 2 });
    expect(await closed(phone, 300)).toBe(false);
    // the owner itself may take its id over (a second screen, a reconnect)
    const again = await connectAs(gw.mqttPort, 'U03-duty', 'secret', {
      clientId: 'U03-duty-phone',
      clean: false,
    });
    expect(again.connected).toBe(true);
    await end(phone, again);
  });

  it('an id used only with clean sessions is free again once its connection ends', async () => {
    const a = await connectAs(gw.mqttPort, 'U11-duty', 'secret', { clientId: 'shared-kiosk' });
    await expect(
      connectAs(gw.mqttPort, 'U12-duty', 'secret', { clientId: 'shared-kiosk' }),
    ).rejects.toMatchObject({
      code: 2,
    });
    await end(a);
    const b = await connectAs(gw.mqttPort, 'U12-duty', 'secret', { clientId: 'shared-kiosk' });
    expect(b.connected).toBe(true);
    await end(b);
  });

  it('an empty client id with clean=false is refused with rc 2 ([MQTT-3.1.3-8]); with clean=true it is accepted', async () => {
    const login = { username: 'U02-duty', password: 'secret', clientId: '' };
    expect(await rawConnack(gw.mqttPort, { ...login, clean: false })).toBe(2);
    expect(await rawConnack(gw.mqttPort, { ...login, clean: true })).toBe(0);
  });
});
