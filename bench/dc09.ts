/**
 * DC-09 reporting latency (issue 14): a panic press → the ARC simulator
 * holding the report frame and writing its ACK, p50/p99, for a plain
 * SIA-DCS receiver and an encrypted Contact ID one (both configured, both
 * timed on the same press). Beside it, on the same press, the gateway's own
 * path (the raised alert at the unit's duty console over MQTT), and as the
 * reference a raw TCP echo round trip (client in this process, echo server
 * in a child process, same loopback) of a frame-sized message. Each press is
 * resolved before the next, so every press is a new alert (and a restore
 * report, not timed).
 */
import { createConnection } from 'node:net';
import type { MqttClient } from 'mqtt';
import { type ArcReceived, ArcSimulator } from '../simulators/arc.js';
import { siteWithReceivers } from '../test/receivers/arc-support.js';
import { connectAs, end, publish, subscribe } from '../test/support/mqtt.js';
import { startBenchGateway } from './lib/brokers.js';
import { spawnChild } from './lib/children.js';
import { summarize } from './lib/stats.js';
import { type BenchContext, type BenchReport, ratio } from './lib/types.js';

const BUTTON = 'U02-PANIC-1';
const KEY = 'bench-key-16-chr';
/** One press and its resolve per 250 ms: 4/s, under the panic (5/s) and account (10/s) limits. */
const CYCLE_MS = 250;

/** Resolves with the time the simulator got a frame matching `pred`, or null after `timeoutMs`. */
function frameAt(
  sim: ArcSimulator,
  pred: (r: ArcReceived) => boolean,
  timeoutMs: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    const on = (r: ArcReceived): void => {
      if (!pred(r)) return;
      clearTimeout(t);
      sim.off('frame', on);
      resolve(performance.now());
    };
    const t = setTimeout(() => {
      sim.off('frame', on);
      resolve(null);
    }, timeoutMs);
    sim.on('frame', on);
  });
}

function alertAt(
  client: MqttClient,
  state: string,
  timeoutMs: number,
): Promise<{ at: number; id: string } | null> {
  return new Promise((resolve) => {
    const on = (_t: string, payload: Buffer): void => {
      const a = JSON.parse(payload.toString()) as { kind: string; state: string; device: string; id: string };
      if (a.kind !== 'panic' || a.device !== BUTTON || a.state !== state) return;
      clearTimeout(t);
      client.off('message', on);
      resolve({ at: performance.now(), id: a.id });
    };
    const t = setTimeout(() => {
      client.off('message', on);
      resolve(null);
    }, timeoutMs);
    client.on('message', on);
  });
}

const ECHO = `const s=require('node:net').createServer(c=>{c.setNoDelay(true);c.pipe(c)});s.listen(0,'127.0.0.1',()=>console.log('PORT '+s.address().port));`;

async function echoRoundTrips(samples: number): Promise<number[]> {
  const child = spawnChild(process.execPath, ['-e', ECHO]);
  const port = Number(await child.line('PORT ', 10_000));
  const sock = createConnection({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const msg = `\n${'A'.repeat(60)}\r`;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      let got = 0;
      const on = (d: Buffer): void => {
        got += d.length;
        if (got >= msg.length) {
          sock.off('data', on);
          r();
        }
      };
      sock.on('data', on);
      sock.write(msg);
    });
    out.push(performance.now() - t0);
  }
  sock.destroy();
  await child.stop();
  return out;
}

export async function dc09Bench(ctx: BenchContext): Promise<BenchReport> {
  const samples = ctx.quick ? 20 : 200;
  const warmup = 5;
  const sia = new ArcSimulator();
  const cid = new ArcSimulator({ key: KEY });
  await sia.listen();
  await cid.listen();
  const gw = await startBenchGateway({
    siteYaml: siteWithReceivers([
      `{ id: arc-sia, host: 127.0.0.1, port: ${sia.port}, account: "AAA", supervision: 0, kinds: [panic] }`,
      `{ id: arc-cid, host: 127.0.0.1, port: ${cid.port}, account: "BBB", format: ADM-CID, key: "${KEY}", supervision: 0, kinds: [panic] }`,
    ]),
  });
  const button = await connectAs(gw.port, BUTTON);
  const admin = await connectAs(gw.port, 'police-east');
  const duty = await connectAs(gw.port, 'U02-duty');
  await subscribe(duty, 'gp/v1/unit/U02/alert');
  const lat = { sia: [] as number[], cid: [] as number[], mqtt: [] as number[] };
  let lost = 0;
  try {
    for (let i = 0; i < samples + warmup; i++) {
      if (i % 20 === 0) ctx.log(`press ${i + 1}/${samples + warmup}`);
      const isPA = (r: ArcReceived): boolean =>
        r.answer === 'ACK' && r.frame?.data.endsWith('Nri2/PA') === true;
      const isCID = (r: ArcReceived): boolean =>
        r.answer === 'ACK' && r.frame?.data.endsWith('1120 01 002') === true;
      const pSia = frameAt(sia, isPA, 10_000);
      const pCid = frameAt(cid, isCID, 10_000);
      const pMqtt = alertAt(duty, 'raised', 10_000);
      const t0 = performance.now();
      const next = t0 + CYCLE_MS;
      await publish(button, `gp/v1/dev/${BUTTON}/panic`, { state: 'pressed', seq: 500_000 + i });
      const [a, b, m] = await Promise.all([pSia, pCid, pMqtt]);
      if (a === null || b === null || m === null) lost++;
      else if (i >= warmup) {
        lat.sia.push(a - t0);
        lat.cid.push(b - t0);
        lat.mqtt.push(m.at - t0);
      }
      if (m) {
        const restored = Promise.all([
          frameAt(sia, (r) => r.frame?.data.endsWith('Nri2/PR') === true, 10_000),
          frameAt(cid, (r) => r.frame?.data.endsWith('3120 01 002') === true, 10_000),
        ]);
        await publish(admin, 'gp/v1/unit/U02/resolve', { id: m.id });
        await restored;
      }
      // within the per-device and per-account rate limits (a refused resolve would leave the alert open)
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    await end(button, admin, duty);
    await gw.stop();
    await sia.close();
    await cid.close();
  }
  const echo = summarize(await echoRoundTrips(samples));
  const s = summarize(lat.sia);
  const c = summarize(lat.cid);
  const q = summarize(lat.mqtt);
  const row = (path: string, x: typeof s) => ({
    path,
    samples: x.count,
    'p50 ms': x.p50,
    'p99 ms': x.p99,
    'max ms': x.max,
    'p50 / echo': ratio(x.p50, echo.p50),
    'p99 / echo': ratio(x.p99, echo.p99),
  });
  return {
    name: 'dc09',
    title: 'DC-09: panic press → ACK at the receiving-centre simulator',
    rows: [
      row('press → SIA-DCS frame ACKed (plain)', s),
      row('press → ADM-CID frame ACKed (AES-128)', c),
      row('press → raised alert at the duty console (MQTT)', q),
      row('reference: raw TCP echo round trip', echo),
    ],
    notes: [
      `${samples} presses after ${warmup} warm-up, each resolved (a restore report) before the next, one every ${CYCLE_MS} ms; ${lost} press(es) not seen within 10 s.`,
      'The receiver path runs after the commit, off the panic path: the MQTT row is the gateway alert the consoles see.',
    ],
    data: { sia: s, cid: c, mqtt: q, echo, lost },
  };
}
