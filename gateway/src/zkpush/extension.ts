/**
 * ZKTeco-style push ("ADMS", iclock) attendance terminals as roll-call
 * terminals (docs/zkpush.md): the /iclock/ endpoints on the gateway's HTTP
 * port. A terminal is known by its SN only (the protocol has no login), so
 * an unknown SN is refused and reported like a bad MQTT payload; bodies are
 * bounded in size and time, requests rate-limited per terminal. Punches that
 * answer an open roll call become the same `rollcall` DeviceMessage an MQTT
 * terminal sends, through ingest.accept (device limits, journal, engines);
 * a roll call's start goes to the terminal as a screen message on its next
 * poll.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ReportThrottle, TokenBuckets } from '../ingest/limits.js';
import { reasonLabel } from '../metrics.js';
import type { DeviceCommand, DeviceMessage } from '../model/event.js';
import type { Extension, GatewayContext, IngestResult, MessageOrigin } from '../ports.js';
import { parseAttlogSliced, punchSeq } from './attlog.js';
import { readBody, sendText } from './body.js';
import { OpenCalls, seedsFromViews } from './calls.js';
import { rollcallMessage } from './commands.js';
import { handshakeText } from './options.js';
import { type Terminal, Terminals, type ZkMetrics, zkMetrics } from './terminals.js';

export interface ZkPushOptions {
  /** Largest body a terminal may post (default 256 KiB: ~5,000 ATTLOG lines). */
  maxBodyBytes?: number;
  /** Time to receive a whole body (default 10 s). */
  bodyDeadlineMs?: number;
  /** Requests per terminal (default 5/s, burst 20; a terminal polls every few seconds). */
  rate?: { perSecond: number; burst: number };
  /** Poll interval handed to terminals, seconds (default 10). */
  delayS?: number;
}

/** Malformed lines reported one by one per body; the rest in one summary. */
const REPORTED_LINES = 10;
const SN = /^[A-Za-z0-9_-]{1,40}$/;

type Endpoint = 'cdata' | 'getrequest' | 'devicecmd' | 'ping' | 'other';

export function createZkPushExtension(options: ZkPushOptions = {}): Extension {
  const limits = {
    maxBytes: options.maxBodyBytes ?? 256 * 1024,
    deadlineMs: options.bodyDeadlineMs ?? 10_000,
  };
  const rate = options.rate ?? { perSecond: 5, burst: 20 };
  const buckets = new TokenBuckets(rate, 10_000);
  const reports = new ReportThrottle(1000, 1000);
  const calls = new OpenCalls();
  const refused: Record<string, number> = {};
  let terminals: Terminals | null = null;
  let ctx: GatewayContext | null = null;
  let metrics: ZkMetrics | null = null;
  let unsubscribe: (() => void) | null = null;

  const origin = (endpoint: Endpoint): MessageOrigin => ({
    transport: 'http',
    topic: `http:/iclock/${endpoint}`,
  });

  /** Refuse a request: counted, reported (thinned to one a second per device and reason), answered. */
  const refuse = (
    res: ServerResponse,
    endpoint: Endpoint,
    status: number,
    reason: string,
    device: string | null,
    close: boolean,
  ): void => {
    const label = reasonLabel(reason);
    if (Object.keys(refused).length < 50 || label in refused) refused[label] = (refused[label] ?? 0) + 1;
    metrics?.requests.inc({ endpoint, status: String(status) });
    const folded = reports.report(`${device ?? '?'}\u0000${label}`, Date.now());
    if (folded !== null && ctx) {
      ctx.ingest.reject(
        origin(endpoint).topic,
        device,
        folded > 0 ? `${reason} (${folded} more like it)` : reason,
        'http',
      );
    }
    sendText(res, status, status === 403 ? 'ERROR: unknown device' : `ERROR: ${reason}`, close);
  };

  /** The terminal a request comes from, or null once refused. */
  const identify = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    endpoint: Endpoint,
  ): Terminal | null => {
    const post = req.method === 'POST';
    const sn = url.searchParams.get('SN') ?? url.searchParams.get('sn') ?? '';
    if (!SN.test(sn)) {
      refuse(res, endpoint, 400, 'missing or malformed SN', null, post);
      return null;
    }
    const t = terminals?.bySerial.get(sn);
    if (!t) {
      refuse(res, endpoint, 403, `unknown terminal SN: ${sn}`, null, post);
      return null;
    }
    const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (t.device.address && from !== t.device.address) {
      refuse(
        res,
        endpoint,
        403,
        `terminal SN from a foreign address: ${sn} called from ${from}`,
        t.device.id,
        post,
      );
      return null;
    }
    const now = Date.now();
    if (!buckets.take(t.device.id, now)) {
      refuse(
        res,
        endpoint,
        503,
        `terminal request rate exceeded (${rate.perSecond}/s, burst ${rate.burst})`,
        t.device.id,
        post,
      );
      return null;
    }
    t.lastSeen = now;
    heartbeat(t, now);
    return t;
  };

  /** A terminal with a `heartbeat:` interval is supervised like any device: its requests are its heartbeats. */
  const heartbeat = (t: Terminal, now: number): void => {
    const every = ctx?.site.heartbeatMs(t.device.id) ?? null;
    if (every === null || !ctx || (t.heartbeatSentAt !== null && now - t.heartbeatSentAt < every / 2)) return;
    t.heartbeatSentAt = now;
    const msg: DeviceMessage = {
      kind: 'heartbeat',
      device: t.device.id,
      battery: null,
      rssi: null,
      tamper: null,
      seq: null,
      ts: null,
    };
    ctx.ingest.accept(msg, origin('getrequest')).catch(() => undefined);
  };

  const ok = (res: ServerResponse, endpoint: Endpoint, text: string): void => {
    metrics?.requests.inc({ endpoint, status: '200' });
    sendText(res, 200, text);
  };

  const handshake = (req: IncomingMessage, res: ServerResponse, _p: unknown, url: URL): void => {
    const t = identify(req, res, url, 'cdata');
    if (!t || !ctx) return;
    const text = handshakeText({
      sn: t.sn,
      attlogStamp: t.attlogStamp,
      zone: ctx.site.timezone,
      now: Date.now(),
      delayS: options.delayS ?? 10,
    });
    ok(res, 'cdata', text);
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, _p: unknown, url: URL): Promise<void> => {
    const t = identify(req, res, url, 'cdata');
    if (!t) return;
    const body = await readBody(req, limits);
    if (!body.ok)
      return refuse(res, 'cdata', body.status, `push body refused: ${body.reason}`, t.device.id, true);
    const table = (url.searchParams.get('table') ?? '').toUpperCase();
    if (table !== 'ATTLOG') {
      // operation logs, user and template data: not wanted (TransFlag asks for none), taken and dropped
      return ok(res, 'cdata', `OK: ${body.text.split('\n').filter((l) => l.trim() !== '').length}`);
    }
    const answer = await attlog(t, body.text);
    if (answer === null)
      return refuse(
        res,
        'cdata',
        503,
        'ATTLOG upload deferred: device limits or journal room',
        t.device.id,
        true,
      );
    const stamp = url.searchParams.get('Stamp');
    if (stamp !== null && /^\d{1,20}$/.test(stamp)) t.attlogStamp = stamp;
    ok(res, 'cdata', answer);
  };

  /** One ATTLOG body: "OK: n", or null when some answers must be sent again later (limits, journal). */
  const attlog = async (t: Terminal, text: string): Promise<string | null> => {
    if (!ctx || !terminals || !metrics) return null;
    const parsed = await parseAttlogSliced(text, ctx.site.timezone);
    const now = Date.now();
    const count = (outcome: keyof Terminal['punches'], n = 1): void => {
      t.punches[outcome] += n;
      metrics?.punches.inc({ outcome }, n);
    };
    count('malformed', parsed.rejects.length);
    const topic = origin('cdata').topic;
    for (const r of parsed.rejects.slice(0, REPORTED_LINES))
      ctx.ingest.reject(topic, t.device.id, r.reason, 'http');
    if (parsed.rejects.length > REPORTED_LINES) {
      const more = parsed.rejects.length - REPORTED_LINES;
      ctx.ingest.reject(
        topic,
        t.device.id,
        `ATTLOG body: ${more} more malformed lines not reported one by one`,
        'http',
      );
    }
    calls.prune(now);
    const answers: Promise<IngestResult>[] = [];
    let newest: number | null = null;
    for (const p of parsed.punches) {
      newest = newest === null ? p.at : Math.max(newest, p.at);
      const hit = calls.answerFor(t.device.unit, p.at, now);
      if (!hit) {
        count('outside');
        continue;
      }
      const guard = terminals.guardByPin.get(p.pin);
      if (!guard) {
        count('unknown_pin');
        const key = `${t.device.id}\u0000pin`;
        if (reports.report(key, now) !== null)
          ctx.logger.warn(
            { device: t.device.id, pin: p.pin, call: hit.call },
            'zk-push: a PIN no guard has punched during a roll call (guards[].pin)',
          );
        continue;
      }
      const msg: DeviceMessage = {
        kind: 'rollcall',
        device: t.device.id,
        call: hit.call,
        uid: guard.uid,
        seq: punchSeq(p.pin, p.local),
        ts: new Date(p.at).toISOString(),
      };
      answers.push(ctx.ingest.accept(msg, origin('cdata')));
    }
    if (newest !== null) t.lastPunchLagMs = now - newest;
    let again = false;
    for (const r of await Promise.allSettled(answers)) {
      if (r.status === 'rejected')
        again = true; // journal reserve or a failed commit: not durable
      else if (r.value.status === 'accepted') count('accepted');
      else if (r.value.status === 'duplicate') count('duplicate');
      else if (/limit|quota/.test(r.value.reason)) {
        count('refused');
        again = true;
      } else count('refused'); // refused by the data path (reported there): sending it again changes nothing
    }
    return again ? null : `OK: ${parsed.lines}`;
  };

  const poll = (req: IncomingMessage, res: ServerResponse, _p: unknown, url: URL): void => {
    const t = identify(req, res, url, 'getrequest');
    if (!t) return;
    const info = url.searchParams.get('INFO');
    if (info !== null) t.info = info.slice(0, 200);
    ok(res, 'getrequest', t.queue.take(Date.now()));
  };

  const results = async (req: IncomingMessage, res: ServerResponse, _p: unknown, url: URL): Promise<void> => {
    const t = identify(req, res, url, 'devicecmd');
    if (!t || !ctx) return;
    const body = await readBody(req, { ...limits, maxBytes: Math.min(limits.maxBytes, 64 * 1024) });
    if (!body.ok)
      return refuse(res, 'devicecmd', body.status, `push body refused: ${body.reason}`, t.device.id, true);
    for (const r of t.queue.settle(body.text, Date.now())) {
      const data = { device: t.device.id, id: r.id, code: r.code, cmd: r.cmd };
      if (r.code === 0) ctx.logger.info(data, 'zk-push: terminal ran the command');
      else
        ctx.logger.warn(data, 'zk-push: terminal refused the command (it may not support screen messages)');
    }
    ok(res, 'devicecmd', 'OK');
  };

  return {
    name: 'zkpush',
    async start(c: GatewayContext): Promise<void> {
      ctx = c;
      metrics = zkMetrics(c.metrics);
      const known = new Terminals(c.site);
      terminals = known;
      for (const seed of seedsFromViews(c.queries.rollcalls())) calls.seed(seed);
      unsubscribe = c.onCommitted((entries) => calls.observe(entries));
      for (const base of ['/iclock/cdata', '/iclock/cdata.aspx']) {
        c.http.add('GET', base, handshake);
        c.http.add('POST', base, upload);
      }
      for (const base of ['/iclock/getrequest', '/iclock/getrequest.aspx']) c.http.add('GET', base, poll);
      for (const base of ['/iclock/devicecmd', '/iclock/devicecmd.aspx']) c.http.add('POST', base, results);
      c.http.add('GET', '/iclock/ping', (req, res, _p, url) => {
        if (identify(req, res, url, 'ping')) ok(res, 'ping', 'OK');
      });
      c.addCommandRoute({
        send(device: string, command: DeviceCommand): boolean {
          const t = known.byDevice.get(device);
          if (!t) return false;
          const startedAt = Date.now();
          t.queue.push((id) => rollcallMessage(command, id, startedAt, c.site.timezone), command.deadline);
          return true;
        },
      });
      if (known.bySerial.size > 0)
        c.logger.info({ terminals: [...known.bySerial.keys()] }, 'zk-push terminals served on /iclock/');
    },
    async stop(): Promise<void> {
      unsubscribe?.();
      unsubscribe = null;
    },
    health(): Record<string, unknown> {
      return { terminals: terminals?.health() ?? [], openCalls: calls.size, refused: { ...refused } };
    },
  };
}
