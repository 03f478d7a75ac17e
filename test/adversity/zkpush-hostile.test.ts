/**
 * Hostile traffic on the push-terminal endpoints (/iclock/), against the real
 * gateway over real HTTP: 30 malformed ATTLOG bodies from a known SN are
 * refused line by line (nothing journaled, reports bounded per body) while a
 * panic still reaches its duty room; an oversized body is cut off with 413;
 * a body that trickles in (slowloris) is cut off at the body timeout with
 * 408; a client spraying 100 made-up SNs gets 403s whose reports are thinned
 * to about one a second. The gateway stays healthy throughout.
 */
import { connect, type Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkTerminalSim } from '../../simulators/devices/zk.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { ZK_DEVICE, ZK_SN, zkSiteYaml } from '../zkpush/site.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];

beforeAll(async () => {
  gw = await startGateway({
    siteYaml: zkSiteYaml({
      // a burst that takes the 30 bodies whole, and a refill slow enough to see the limit afterwards
      zkpush: { bodyTimeout: '1s', maxBodyKB: 64, rate: { perSecond: 1, burst: 40 } },
    }),
  });
});

afterAll(async () => {
  await end(...clients);
  await gw?.stop();
});

interface ZkHealth {
  status: string;
  zkpush: {
    terminals: { device: string; punches: Record<string, number> }[];
    refused: Record<string, number>;
  };
}
const health = async (): Promise<{ code: number; body: ZkHealth }> => {
  const res = await fetch(gw.url('/healthz'));
  return { code: res.status, body: (await res.json()) as ZkHealth };
};

/** 30 kinds of broken ATTLOG body, each small enough to be read whole. */
function malformed(i: number): string {
  const junk = Buffer.from(Array.from({ length: 2048 }, (_, k) => (k * 37 + i * 11) % 256)).toString(
    'latin1',
  );
  const bodies = [
    junk,
    'no tabs at all\n'.repeat(200),
    `1005\t2026-99-99 99:99:99\t0\t1\n`.repeat(50),
    `${'9'.repeat(5000)}\t2026-12-02 08:00:00\n`,
    '1005\t2026-12-02 08:00:00\u0000\u001b[2J\t0\t1\n',
    '\t\t\t\t\n\t\n',
    '1005\r\n\r\n\r\n',
    `<script>alert(1)</script>\t${'x'.repeat(30)}\n`,
    'PIN\tTIME\tSTATUS\tVERIFY\n',
    '1005\t2026-12-02 08:00:00\t-1\t999999\n',
  ];
  return bodies[i % bodies.length] as string;
}

/** Send raw bytes and resolve with what came back when the socket closed (or after `ms`). */
function rawExchange(send: (s: Socket) => void, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(gw.httpPort, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, ms);
    s.on('data', (d) => {
      text += d.toString();
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve({ text, closed: true });
    });
    s.on('error', () => undefined);
    s.on('connect', () => send(s));
  });
}

describe('hostile push-terminal traffic', () => {
  it('30 malformed ATTLOG bodies are refused without harm; a panic meanwhile still arrives', async () => {
    const duty = await connectAs(gw.mqttPort, 'U01-duty');
    const panic = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    const tech = await connectAs(gw.mqttPort, 'tech1');
    clients.push(duty, panic, tech);
    const dutyInbox = new Inbox(duty);
    const techInbox = new Inbox(tech);
    await subscribe(duty, 'gp/v1/unit/U01/#', 1);
    await subscribe(tech, 'gp/v1/#', 0);
    const sim = new ZkTerminalSim({ url: gw.url(''), sn: ZK_SN, zone: 'Asia/Shanghai' });
    expect((await sim.handshake()).status).toBe(200);

    const uploads = Array.from({ length: 30 }, (_, i) => sim.upload(malformed(i)));
    const pressedAt = Date.now();
    await publish(panic, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: 1 }, 1);
    await dutyInbox.waitFor((m) => m.topic === 'gp/v1/unit/U01/alert', 10_000, 'the panic alert');
    const panicMs = Date.now() - pressedAt;
    const answers = await Promise.all(uploads);

    // each body: taken and answered (its lines were no punches), or deferred by the rate limit
    for (const a of answers)
      expect(a.status === 200 ? /^OK: \d+$/.test(a.text) : a.status === 503).toBe(true);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10);
    const { code, body } = await health();
    expect(code).toBe(200);
    const t = body.zkpush.terminals.find((x) => x.device === ZK_DEVICE);
    expect(t?.punches.accepted).toBe(0);
    expect(t?.punches.malformed).toBeGreaterThan(30);
    // nothing of it reached the data path; reports: at most 10 lines + 1 summary per body
    expect(techInbox.messages.some((m) => m.topic.startsWith('gp/v1/events/rollcall/'))).toBe(false);
    const lineRejects = techInbox.messages.filter(
      (m) => m.topic === 'gp/v1/gateway/rejects' && (m.json as { device: string }).device === ZK_DEVICE,
    );
    expect(lineRejects.length).toBeGreaterThan(0);
    expect(lineRejects.length).toBeLessThanOrEqual(11 * 30);
    expect(panicMs).toBeLessThan(5_000); // generous: the panic is not stuck behind the bodies
  });

  it('an oversized body is cut off with 413, a trickling one with 408 at the body timeout', async () => {
    const big = await fetch(gw.url(`/iclock/cdata?SN=${ZK_SN}&table=ATTLOG&Stamp=1`), {
      method: 'POST',
      body: `1005\t2026-12-02 08:00:00\t0\t1\n`.repeat(4000), // ~120 KiB > 64 KiB
    }).catch((err: unknown) => err);
    if (big instanceof Response) expect(big.status).toBe(413);
    else expect(big).toBeInstanceOf(Error); // the server may close before the client has sent it all

    // a body announced but sent in chunks, without chunk terminator: never completes
    const slow = await rawExchange((s) => {
      s.write(
        `POST /iclock/cdata?SN=${ZK_SN}&table=ATTLOG HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n1005\t2026`,
      );
    }, 8_000);
    expect(slow.text).toMatch(/^HTTP\/1\.1 408/);
    expect(slow.closed).toBe(true);
    expect((await health()).code).toBe(200);
  });

  it('a terminal over its request rate gets 503 with Retry-After', async () => {
    const polls = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const r = await fetch(gw.url(`/iclock/getrequest?SN=${ZK_SN}`));
        await r.text();
        return { status: r.status, retry: r.headers.get('retry-after') };
      }),
    );
    const busy = polls.filter((p) => p.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(15); // the burst is spent: about one a second comes through
    expect(busy[0]?.retry).toBe('30');
    expect((await health()).code).toBe(200);
  });

  it('100 made-up SNs are refused, and their reports are thinned', async () => {
    const tech = await connectAs(gw.mqttPort, 'tech1');
    clients.push(tech);
    const inbox = new Inbox(tech);
    await subscribe(tech, 'gp/v1/gateway/rejects', 0);
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const r = await fetch(gw.url(`/iclock/cdata?SN=FAKE${i}X&options=all`));
        await r.text();
        return r.status;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([403]));
    // a last, different refusal: once its report is here, every earlier one is (one publisher, in order)
    expect((await fetch(gw.url('/iclock/getrequest'))).status).toBe(400);
    await until('the marker report', () =>
      inbox.messages.some((m) => (m.json as { reason: string }).reason.startsWith('missing or malformed SN')),
    );
    const reports = inbox.messages.filter((m) =>
      (m.json as { reason: string }).reason.startsWith('unknown terminal SN'),
    );
    expect(reports.length).toBeLessThan(20); // one a second, not one per request
    const { code, body } = await health();
    expect(code).toBe(200);
    expect(body.zkpush.refused['unknown terminal SN']).toBeGreaterThanOrEqual(100);
    expect(Object.keys(body.zkpush.refused).length).toBeLessThan(10); // labels do not grow with SNs
  });
});
