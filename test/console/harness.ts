/**
 * A small in-process host for one Extension: a real HTTP server on 127.0.0.1
 * with the gateway's router, a real journal, and a GatewayContext whose
 * broker-facing parts are inert (these component tests exercise HTTP only).
 * Optionally proxies /api/* to a running gateway so the console page can
 * talk to the real API and broker while this process serves the page.
 */
import { createServer, request, type Server } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Site } from '../../gateway/src/config/site.js';
import { Router } from '../../gateway/src/http/router.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { Extension, GatewayContext } from '../../gateway/src/ports.js';

export interface Harness {
  port: number;
  url(path: string): string;
  journal: Journal;
  close(): Promise<void>;
}

export async function host(
  ext: Extension,
  site: Site,
  opts: { journal?: Journal; wsPort?: number; apiPort?: number } = {},
): Promise<Harness> {
  const router = new Router();
  const journal = opts.journal ?? new Journal({ path: ':memory:' });
  const ctx: GatewayContext = {
    site,
    journal,
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    dataDir: '',
    ingest: {
      accept: async () => ({ status: 'rejected', reason: 'harness' }),
      reject: () => {},
      operate: async () => {},
    },
    http: router,
    publish: async () => {},
    onCommitted: () => () => {},
    addCommandRoute: () => {},
    queries: {
      alerts: () => [],
      rollcall: () => null,
      rollcalls: () => [],
      tours: () => [],
      devices: () => [],
    },
    addresses: { mqtt: 0, ws: opts.wsPort ?? 0, http: 0 },
  };
  const apiPort = opts.apiPort;
  if (apiPort !== undefined) {
    router.add('GET', '/api/*', (req, res) => {
      const up = request(
        { host: '127.0.0.1', port: apiPort, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end();
    });
  }
  await ext.start(ctx);
  const server: Server = createServer((req, res) => {
    router.dispatch(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const port = address.port;
  ctx.addresses.http = port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    journal,
    close: async () => {
      await ext.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!opts.journal) journal.close();
    },
  };
}

/** A raw GET that does not normalise the path (fetch would resolve `..`). */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export function basic(user: string, password = 'secret'): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
