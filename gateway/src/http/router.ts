/** A small router for the gateway's HTTP port: exact paths, `:name` segments, `/*` prefixes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoutes, RouteHandler } from '../ports.js';

interface Route {
  method: string;
  parts: string[];
  prefix: boolean;
  handler: RouteHandler;
}

export class Router implements HttpRoutes {
  private readonly routes: Route[] = [];

  add(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: RouteHandler): void {
    const prefix = path.endsWith('/*');
    const clean = prefix ? path.slice(0, -2) : path;
    this.routes.push({ method, parts: clean.split('/').filter(Boolean), prefix, handler });
  }

  match(method: string, pathname: string): { handler: RouteHandler; params: Record<string, string> } | null {
    const segs = pathname.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      if (r.prefix ? segs.length < r.parts.length : segs.length !== r.parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < r.parts.length; i++) {
        const p = r.parts[i] as string;
        const s = segs[i] as string;
        if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(s);
        else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (r.prefix) params['*'] = segs.slice(r.parts.length).map(decodeURIComponent).join('/');
      return { handler: r.handler, params };
    }
    return null;
  }

  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    let m: ReturnType<Router['match']>;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      m = this.match(req.method ?? 'GET', url.pathname);
    } catch {
      // A malformed %-escape (decodeURIComponent throws) or URL is the client's mistake.
      return sendJson(res, 400, { error: 'malformed URL' });
    }
    if (!m) return sendJson(res, 404, { error: 'not found' });
    await m.handler(req, res, m.params, url);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
