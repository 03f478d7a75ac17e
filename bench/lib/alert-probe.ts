/**
 * The panic probe of bench/alert.ts: a button presses, four duty consoles
 * must have the raised alert; each press is resolved before the next, so
 * every press is a new alert. A press that does not reach every console in
 * time is counted as undelivered instead of failing the run (under overload
 * that is the figure of interest).
 */
import type { MqttClient } from 'mqtt';
import { topics } from '../../gateway/src/topics.js';
import { connectAs, end } from '../../test/support/mqtt.js';
import type { BrokerUnderTest } from './brokers.js';

export const BUTTON = 'U01-PANIC-1';
export const CONSOLES = ['U01-duty', 'U02-duty', 'U03-duty', 'U04-duty'];

export interface ProbeOptions {
  /** Presses counted (at most; the budget may end the probe first). */
  samples: number;
  budgetMs: number;
  /** Presses first, not counted (JIT, the gateway's first alert). */
  warmup: number;
  /** A press not at every console after this long is undelivered. */
  timeoutMs: number;
  /** Password of the button and consoles (null: anonymous, bare broker). */
  password: string | null;
}

export interface ProbeResult {
  /** ms from the press's PUBLISH to the last console's delivery, delivered presses only. */
  latencies: number[];
  /** Presses that some console did not get within timeoutMs. */
  undelivered: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// one seq counter for the whole run: the gateway drops a device's repeated seqs
let pressSeq = 1000;

/** Resolves with the time the last of `clients` got a matching message, or null after `timeoutMs`. */
function allReceive(
  clients: MqttClient[],
  pred: (json: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    let left = clients.length;
    const handlers = clients.map((c) => {
      let done = false;
      const h = (_topic: string, payload: Buffer): void => {
        if (done) return;
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(payload.toString()) as Record<string, unknown>;
        } catch {
          return;
        }
        if (!pred(json)) return;
        done = true;
        c.off('message', h);
        if (--left === 0) {
          clearTimeout(t);
          resolve(performance.now());
        }
      };
      c.on('message', h);
      return h;
    });
    const t = setTimeout(() => {
      clients.forEach((c, i) => {
        c.off('message', handlers[i] as (t: string, p: Buffer) => void);
      });
      resolve(null);
    }, timeoutMs);
  });
}

export async function probe(broker: BrokerUnderTest, o: ProbeOptions): Promise<ProbeResult> {
  const gw = broker.name === 'gateway';
  const login = (id: string): Promise<MqttClient> =>
    o.password === null
      ? connectAs(broker.port, id, '', { username: undefined, password: undefined, connectTimeout: 60_000 })
      : connectAs(broker.port, id, o.password, { connectTimeout: 60_000 });
  const consoles = await Promise.all(CONSOLES.map(login));
  const button = await login(BUTTON);
  const result: ProbeResult = { latencies: [], undelivered: 0 };
  try {
    await Promise.all(
      consoles.map((c, i) => {
        const unit = (CONSOLES[i] ?? '').slice(0, 3);
        const topic = gw ? topics.unitAlert(unit) : topics.device(BUTTON, 'panic');
        return c.subscribeAsync(topic, { qos: 1 });
      }),
    );
    const deadline = performance.now() + o.budgetMs;
    let warmup = o.warmup;
    while (result.latencies.length + result.undelivered < o.samples && performance.now() < deadline) {
      const seq = ++pressSeq;
      const raised = allReceive(
        consoles,
        (j) => (gw ? j.kind === 'panic' && j.device === BUTTON && j.state === 'raised' : j.seq === seq),
        o.timeoutMs,
      );
      let id = '';
      const capture = (_t: string, p: Buffer): void => {
        try {
          const j = JSON.parse(p.toString()) as { id?: string; state?: string; device?: string };
          if (j.state === 'raised' && j.device === BUTTON && j.id) id = j.id;
        } catch {}
      };
      consoles[0]?.on('message', capture);
      const t0 = performance.now();
      button.publish(
        topics.device(BUTTON, 'panic'),
        JSON.stringify({ state: 'pressed', seq, ts: new Date().toISOString() }),
        { qos: 1 },
      );
      const t1 = await raised;
      if (warmup > 0) warmup--;
      else if (t1 === null) result.undelivered++;
      else result.latencies.push(t1 - t0);
      if (gw) {
        // an unresolved alert would swallow the next press: wait for U01's console to have it
        if (!id)
          await allReceive(consoles.slice(0, 1), (j) => j.state === 'raised' && j.device === BUTTON, 60_000);
        consoles[0]?.off('message', capture);
        if (!id) break;
        const resolved = allReceive(consoles, (j) => j.id === id && j.state === 'resolved', 60_000);
        consoles[0]?.publish(topics.unitResolve('U01'), JSON.stringify({ id }), { qos: 1 });
        if ((await resolved) === null) break;
      } else {
        consoles[0]?.off('message', capture);
      }
      await sleep(20 + (seq % 5) * 10);
    }
  } finally {
    await end(button, ...consoles);
  }
  return result;
}
