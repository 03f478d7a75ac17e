/**
 * A real gateway started with Node-RED (`startGateway({ nodered: true })`:
 * the gateway's own supervisor runs Node-RED as its child process), plus
 * the admin-API and webhook helpers the end-to-end tests use.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/wait.js';

export interface NodeRedHealth {
  state: string;
  pid: number | null;
  restarts: number;
  port: number;
}

export interface NodeRedSite {
  gw: RunningGateway;
  port: number;
  base: string;
  /** `nodered` from the gateway's /healthz. */
  health(): Promise<NodeRedHealth>;
  stop(): Promise<void>;
}

export async function startGatewayWithNodeRed(env: Record<string, string>): Promise<NodeRedSite> {
  const gw = await startGateway({
    nodered: true,
    env: { GUARDPOST_NR_USER: 'tech1', GUARDPOST_NR_PASSWORD: 'secret', ...env },
  });
  if (gw.noderedPort === null) throw new Error('startGateway gave no Node-RED port');
  const site: NodeRedSite = {
    gw,
    port: gw.noderedPort,
    base: `http://127.0.0.1:${gw.noderedPort}`,
    health: async () => {
      const body = (await (await fetch(gw.url('/healthz'))).json()) as { nodered?: NodeRedHealth };
      if (!body.nodered) throw new Error('the gateway runs no Node-RED extension (no "nodered" in /healthz)');
      return body.nodered;
    },
    stop: () => gw.stop(),
  };
  await waitForEditor(site);
  return site;
}

/** Until the editor answers and the supervisor says running. */
export async function waitForEditor(site: NodeRedSite, timeoutMs = 45_000): Promise<void> {
  let last = '';
  try {
    await until(
      'the Node-RED editor',
      async () => {
        const res = await fetch(`${site.base}/auth/login`);
        const h = await site.health();
        last = `${res.status} ${JSON.stringify(h)}`;
        return res.status === 200 && h.state === 'running';
      },
      timeoutMs,
      250,
    );
  } catch (err) {
    throw new Error(`Node-RED editor not up: ${last} (${String(err)})\n${site.gw.logs().slice(-3000)}`);
  }
}

export async function adminToken(base: string, username: string, password: string): Promise<Response> {
  return fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope: '*',
      username,
      password,
    }),
  });
}

export async function bearer(
  base: string,
  username = 'tech1',
  password = 'secret',
): Promise<Record<string, string>> {
  const res = await adminToken(base, username, password);
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const { access_token } = (await res.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}

export interface FlowNode {
  id: string;
  type: string;
  [k: string]: unknown;
}

export async function getFlows(
  base: string,
  auth: Record<string, string>,
): Promise<{ rev: string; flows: FlowNode[] }> {
  const res = await fetch(`${base}/flows`, { headers: { ...auth, 'Node-RED-API-Version': 'v2' } });
  if (res.status !== 200) throw new Error(`GET /flows: ${res.status}`);
  return (await res.json()) as { rev: string; flows: FlowNode[] };
}

export async function deployFlows(
  base: string,
  auth: Record<string, string>,
  flows: FlowNode[],
  rev: string,
): Promise<string> {
  const res = await fetch(`${base}/flows`, {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': 'nodes',
    },
    body: JSON.stringify({ flows, rev }),
  });
  if (res.status !== 200) throw new Error(`POST /flows: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { rev: string }).rev;
}

/** Press an inject node's button through the admin API. */
export async function inject(base: string, auth: Record<string, string>, id: string): Promise<void> {
  const res = await fetch(`${base}/inject/${id}`, { method: 'POST', headers: auth });
  if (res.status !== 200) throw new Error(`POST /inject/${id}: ${res.status}`);
}

export interface Received {
  at: number;
  method: string;
  path: string;
  body: unknown;
}

/** An HTTP receiver on 127.0.0.1 standing in for the webhook. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  port = 0;
  private waiters: { pred: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];

  async start(): Promise<string> {
    this.port = await freePort();
    this.server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        data += c;
      });
      req.on('end', () => {
        let body: unknown = data;
        try {
          body = JSON.parse(data);
        } catch {
          // keep the text
        }
        const r = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', body };
        this.received.push(r);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(r)) return true;
          w.resolve(r);
          return false;
        });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => this.server?.listen(this.port, '127.0.0.1', r));
    return `http://127.0.0.1:${this.port}/hook`;
  }

  waitFor(pred: (r: Received) => boolean, timeoutMs: number, what: string): Promise<Received> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(new Error(`webhook: timed out waiting for ${what}; got ${JSON.stringify(this.received)}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
