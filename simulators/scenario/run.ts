/**
 * Executes a scenario plan against a gateway: every device of the plan
 * connects over MQTT, heartbeats, and plays its actions on time; an operator
 * account starts the roll call and watches every alert on gp/v1/#.
 */
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import type { Site } from '../../gateway/src/config/site.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { topics } from '../../gateway/src/topics.js';
import { clockSeq, type DeviceSim } from '../devices/base.js';
import { PanicButtonSim } from '../devices/panic.js';
import { ReaderSim } from '../devices/reader.js';
import { RollcallTerminalSim } from '../devices/rollcall.js';
import { connectMqttLink } from '../link.js';
import { asAlert, matchAlerts } from './match.js';
import { formatProgress } from './report.js';
import type { PlannedAction, ScenarioPlan, ScenarioResult } from './types.js';

export const DEMO_PASSWORD = 'guardpost-demo';

export interface RunOptions {
  url: string;
  /** Password of every account (the demo site's is "guardpost-demo"). */
  password?: string;
  /** Per-account passwords, over `password`. */
  passwords?: Record<string, string>;
  qos?: 0 | 1;
  /** 'tty': one live line; 'lines': a plain line every 5 s; 'none' (default). */
  progress?: 'tty' | 'lines' | 'none';
  write?: (text: string) => void;
  /** Devices connecting at once (default 16). */
  connectConcurrency?: number;
  signal?: AbortSignal;
  /**
   * At the end, resolve the alerts this run caused (matched to the plan), so the same night can be
   * played again: the gateway raises nothing new while an alert with the same key is open.
   * `true`: as the site's first admin operator; a string: as that (admin) account.
   */
  resolve?: boolean | string;
}

export async function runScenario(site: Site, plan: ScenarioPlan, opts: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const passwordOf = (id: string): string => opts.passwords?.[id] ?? opts.password ?? DEMO_PASSWORD;
  const write = opts.write ?? ((t: string) => process.stdout.write(t));
  const errors: string[] = [];
  const fail = (what: string) => (err: unknown) => {
    errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  };
  const seen = new Map<string, AlertPayload>();
  const alertTopics = new Set<string>([
    ...[...site.units.keys()].map((u) => topics.unitAlert(u)),
    ...[...site.zones.keys()].map((z) => topics.zoneAlert(z)),
    ...site.config.operators.map((o) => topics.operatorAlert(o.id)),
  ]);

  if (!plan.operator) throw new Error('the site has no operator account to watch alerts with');
  const observer = await connectClient(opts.url, plan.operator, passwordOf(plan.operator));
  observer.on('message', (topic, payload) => {
    if (!alertTopics.has(topic)) return;
    const alert = asAlert(payload);
    if (!alert) return;
    const before = seen.get(alert.id);
    if (!before || before.updatedAt <= alert.updatedAt) seen.set(alert.id, alert);
  });
  await new Promise<void>((resolve, reject) =>
    observer.subscribe(topics.all, { qos: 1 }, (err, granted) => {
      if (err) return reject(err);
      if (granted?.some((g) => g.qos === 128))
        return reject(new Error(`${plan.operator} may not subscribe to gp/v1/#`));
      resolve();
    }),
  );

  const sims = new Map<string, DeviceSim>();
  const rollcall = plan.actions.find(
    (a): a is Extract<PlannedAction, { type: 'rollcall' }> => a.type === 'rollcall',
  );
  try {
    await inBatches(plan.devices, opts.connectConcurrency ?? 16, async (d) => {
      const link = await connectMqttLink({
        url: opts.url,
        device: d.id,
        password: passwordOf(d.id),
        qos: opts.qos ?? 1,
        commands: d.kind === 'rollcall',
      });
      // seq from the clock: a rerun within 10 minutes is not dropped as duplicates
      const startSeq = clockSeq();
      const sim =
        d.kind === 'panic'
          ? new PanicButtonSim(link, { startSeq })
          : d.kind === 'reader'
            ? new ReaderSim(link, { startSeq })
            : new RollcallTerminalSim(link, { startSeq, answers: () => rollcall?.answers[d.id] ?? [] });
      sims.set(d.id, sim);
      if (d.heartbeatMs) sim.startHeartbeat(Math.max(200, Math.floor(d.heartbeatMs / 2)));
    });

    const t0 = Date.now();
    const pending = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>, what: string): void => {
      const q = p.catch(fail(what)).finally(() => pending.delete(q));
      pending.add(q);
    };
    const sent = (): Record<string, number> => {
      const out: Record<string, number> = { status: sims.size };
      for (const s of sims.values()) for (const [k, v] of Object.entries(s.sent)) out[k] = (out[k] ?? 0) + v;
      if (opsSent > 0) out.ops = opsSent;
      return out;
    };
    let opsSent = 0;
    let done = 0;
    let lastLine = 0;
    const report = (final = false): void => {
      if (opts.progress === undefined || opts.progress === 'none') return;
      const now = Date.now();
      const line = formatProgress({
        elapsedMs: now - t0,
        durationMs: plan.durationMs,
        done,
        total: plan.actions.length,
        sent: sent(),
        alerts: seen.size,
        plannedSeen: plan.expected.length - matchAlerts(plan.expected, [...seen.values()]).missing.length,
        planned: plan.expected.length,
      });
      if (opts.progress === 'tty') write(`\r\x1b[K${line}${final ? '\n' : ''}`);
      else if (final || now - lastLine >= 5000) {
        lastLine = now;
        write(`${line}\n`);
      }
    };
    const ticker = setInterval(() => report(), opts.progress === 'tty' ? 250 : 1000);

    try {
      for (const a of plan.actions) {
        if (opts.signal?.aborted) break;
        const wait = t0 + a.at - Date.now();
        if (wait > 0) await sleep(wait, opts.signal);
        if (opts.signal?.aborted) break;
        done++;
        const sim = sims.get('device' in a ? a.device : '');
        switch (a.type) {
          case 'tap':
            if (sim instanceof ReaderSim) track(sim.tap(a.uid), `tap ${a.device}`);
            break;
          case 'panic':
            if (sim instanceof PanicButtonSim)
              track(a.state === 'pressed' ? sim.press() : sim.release(), `panic ${a.device}`);
            break;
          case 'silence':
            sim?.stopHeartbeat();
            break;
          case 'rollcall': {
            const body = JSON.stringify({ ...(a.zone ? { zone: a.zone } : {}), window_s: a.windowS });
            opsSent++;
            track(publish(observer, topics.opsRollcall, body), 'roll call');
            break;
          }
        }
      }
      // wait for the alerts the plan expects (or the end of the plan)
      while (!opts.signal?.aborted && Date.now() < t0 + plan.durationMs) {
        if (matchAlerts(plan.expected, [...seen.values()]).missing.length === 0) break;
        await sleep(200, opts.signal);
      }
      await Promise.all(pending);
    } finally {
      clearInterval(ticker);
    }
    report(true);
    for (const s of sims.values()) if (s.lastError) errors.push(`${s.id}: ${s.lastError.message}`);
    if (opts.resolve) {
      const caused = matchAlerts(plan.expected, [...seen.values()]).matched.map((m) => m.seen);
      await resolveAlerts(site, opts, passwordOf, caused, seen).catch(fail('resolve'));
    }
    const seenList = [...seen.values()];
    const match = matchAlerts(plan.expected, seenList);
    return {
      sent: sent(),
      planned: plan.expected,
      seen: seenList,
      missing: match.missing,
      unplanned: match.unplanned,
      errors,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await Promise.all([...sims.values()].map((s) => s.close().catch(() => undefined)));
    await new Promise<void>((r) => observer.end(false, {}, () => r()));
  }
}

/** Resolve each alert as an admin operator; wait (up to 10 s) until the resolutions come back. */
async function resolveAlerts(
  site: Site,
  opts: RunOptions,
  passwordOf: (id: string) => string,
  alerts: readonly AlertPayload[],
  seen: ReadonlyMap<string, AlertPayload>,
): Promise<void> {
  const open = alerts.filter((a) => a.state !== 'resolved');
  if (open.length === 0) return;
  const admin =
    typeof opts.resolve === 'string'
      ? opts.resolve
      : site.config.operators.find((o) => o.role === 'admin')?.id;
  if (!admin) throw new Error('no admin operator account to resolve alerts with');
  const client = await connectClient(opts.url, admin, passwordOf(admin));
  try {
    for (const a of open) await publish(client, topics.unitResolve(a.unit), JSON.stringify({ id: a.id }));
    const until = Date.now() + 10_000;
    while (Date.now() < until && open.some((a) => seen.get(a.id)?.state !== 'resolved')) await sleep(100);
    const left = open.filter((a) => seen.get(a.id)?.state !== 'resolved').map((a) => a.id);
    if (left.length > 0) throw new Error(`not resolved: ${left.join(', ')}`);
  } finally {
    await new Promise<void>((r) => client.end(false, {}, () => r()));
  }
}

function connectClient(url: string, username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      username,
      password,
      clientId: `${username}-scenario-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(new Error(`${username}: cannot connect to ${url}: ${err.message}`));
    });
  });
}

function publish(client: MqttClient, topic: string, body: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, body, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function inBatches<T>(items: readonly T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
