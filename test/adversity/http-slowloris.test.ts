/**
 * Slow HTTP clients against the real gateway: 100 sockets that send half a
 * request header on the HTTP port and on the MQTT WebSocket port, then
 * nothing (slowloris), are cut off by the server's header timeout instead of
 * being held for Node's 60 s / 300 s defaults; meanwhile a panic still
 * reaches the neighbour's duty console and the console page still loads.
 */
import { connect, type Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  gw = await startGateway();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await end(...clients);
  await gw?.stop();
});

function halfRequest(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /console/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const opened = Date.now();
      const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
    socket.on('error', () => undefined);
    socket.resume(); // read what the server sends (its 408), or its FIN is never seen
    sockets.push(socket);
  });
}

describe('slow HTTP clients', () => {
  it('half-sent headers are cut off by the header timeout; a panic and the console page still get through', async () => {
    const slow = await Promise.all([
      ...Array.from({ length: 50 }, () => halfRequest(gw.httpPort)),
      ...Array.from({ length: 50 }, () => halfRequest(gw.wsPort)),
    ]);
    const duty = await connectAs(gw.mqttPort, 'U01-duty');
    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    clients.push(duty, button);
    const inbox = new Inbox(duty);
    await subscribe(duty, 'gp/v1/unit/U01/#', 1);
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 1 }, 1);
    const alert = await inbox.waitFor((m) => m.topic === 'gp/v1/unit/U01/alert', 10_000, 'the panic alert');
    expect((alert.json as { kind: string }).kind).toBe('panic');
    const page = await fetch(gw.url('/healthz'));
    expect(page.status).toBe(200);

    // every slow socket is closed by the server (10 s header timeout, checked every 2 s): well before
    // Node's default 60 s; the bound is generous so a loaded machine cannot change the outcome
    const lifetimes = await Promise.race([
      Promise.all(slow.map((s) => s.closed)),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 45_000).unref()),
    ]);
    const open = slow.filter((s) => !s.socket.destroyed).length;
    expect(lifetimes, `${open} of ${slow.length} slow sockets were still open after 45 s`).not.toBeNull();
    for (const ms of lifetimes ?? []) expect(ms).toBeGreaterThanOrEqual(9_000);
    await until('still healthy', async () => (await fetch(gw.url('/healthz'))).status === 200);
  }, 60_000);
});
