/** Serving the console's static files: a fixed root, no traversal, known content types. */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console page talks to the MQTT WebSocket port, which is another origin
 * than the page's. mqtt.js runs its keepalive timer in a worker built from a
 * blob: URL (worker-timers), so a hidden tab's throttled page timers cannot
 * starve the pings: `worker-src blob:` lets it.
 */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'";

/**
 * Resolve a request path (already split on '/' and decoded by the router)
 * inside `root`, or null when it would leave the root or names something odd
 * (dot files, backslashes, NUL: the decoded segments may contain anything).
 */
export function resolveInside(root: string, relPath: string): string | null {
  const segments = relPath.split('/').filter((s) => s.length > 0);
  for (const s of segments) {
    if (s === '.' || s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0')) return null;
  }
  const base = resolve(root);
  const full = resolve(base, ...segments);
  return full === base || full.startsWith(base + sep) ? full : null;
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Send a file with its content type; 404 when missing or not a regular file or of an unknown type. */
export async function sendFile(
  res: ServerResponse,
  path: string,
  method: string | undefined,
): Promise<boolean> {
  const type = CONTENT_TYPES[extname(path).toLowerCase()];
  if (!type) return false;
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    const body = await readFile(path);
    res.writeHead(200, {
      'content-type': type,
      'content-length': String(body.length),
      // the page must pick up a gateway upgrade without a forced reload
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  } catch {
    return false;
  }
}
