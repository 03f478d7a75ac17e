/**
 * The duty-room console: static page under /console/ (gateway/console-web),
 * the browser build of mqtt.js, and /console/config.json for the logged-in
 * account. The page itself talks MQTT over WebSocket as that account, so it
 * sees exactly what the protocol lets the account see.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LoginGuard } from '../auth/guard.js';
import type { Extension, GatewayContext } from '../ports.js';
import { basicAccount, sendUnauthorised } from './auth.js';
import { buildConsoleConfig } from './config.js';
import { resolveInside, sendFile, sendText } from './static.js';

export interface ConsoleExtensionOptions {
  /** Directory of the page (default: gateway/console-web next to the sources). */
  webRoot?: string;
  /** mqtt.js browser bundle (default: node_modules/mqtt/dist/mqtt.min.js). */
  mqttBrowserPath?: string;
  /** The login check (default: the gateway's, ctx.logins; a private one in component hosts). */
  logins?: LoginGuard;
}

export function defaultWebRoot(): string {
  const candidates = [
    new URL('../../console-web/', import.meta.url), // gateway/src/console → gateway/console-web
    new URL('../../../../gateway/console-web/', import.meta.url), // dist/gateway/src/console → gateway/console-web
  ].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

export function defaultMqttBrowserPath(): string | null {
  try {
    const path = createRequire(import.meta.url).resolve('mqtt/dist/mqtt.min');
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export function createConsoleExtension(options: ConsoleExtensionOptions = {}): Extension {
  const webRoot = options.webRoot ?? defaultWebRoot();
  const mqttPath = options.mqttBrowserPath ?? defaultMqttBrowserPath();
  let served = 0;
  let logins = 0;
  return {
    name: 'console',
    async start(ctx: GatewayContext): Promise<void> {
      const guard = options.logins ?? ctx.logins ?? (await LoginGuard.create({ site: ctx.site }));
      if (!existsSync(webRoot)) ctx.logger.error({ webRoot }, 'console: page directory missing');
      if (!mqttPath) ctx.logger.error('console: mqtt/dist/mqtt.min.js not found; the page cannot connect');
      ctx.http.add('GET', '/', (_req, res) => {
        res.writeHead(302, { location: '/console/', 'cache-control': 'no-store' });
        res.end();
      });
      // The read-only city wall (docs/city.md): the same static files, it signs in to the city broker itself.
      ctx.http.add('GET', '/city', (_req, res) => {
        res.writeHead(302, { location: '/console/city.html', 'cache-control': 'no-store' });
        res.end();
      });
      // Browsers ask for it on every page (the bulletin, /healthz): an icon, not a 404 in the log.
      ctx.http.add('GET', '/favicon.ico', async (req, res) => {
        if (!(await sendFile(res, `${webRoot}/favicon.svg`, req.method))) sendText(res, 404, 'not found');
      });
      ctx.http.add('GET', '/console/*', async (req, res, params, url) => {
        // /console → /console/ so the page's relative URLs resolve under it
        if (url.pathname === '/console') {
          res.writeHead(301, { location: '/console/' });
          res.end();
          return;
        }
        const rel = params['*'] ?? '';
        if (rel === 'config.json') {
          const account = await basicAccount(req, guard);
          // no challenge header: the page logs in with fetch(), not the browser's dialog
          if (!account) return sendUnauthorised(res, false);
          logins++;
          const body = JSON.stringify(buildConsoleConfig(ctx.site, account, ctx.addresses.ws));
          res.writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'cache-control': 'no-store',
          });
          res.end(body);
          return;
        }
        if (rel === 'vendor/mqtt.min.js') {
          if (mqttPath && (await sendFile(res, mqttPath, req.method))) return void served++;
          return sendText(res, 503, 'mqtt.js browser build missing (node_modules/mqtt/dist/mqtt.min.js)');
        }
        const path = resolveInside(webRoot, rel === '' ? 'index.html' : rel);
        if (path && (await sendFile(res, path, req.method))) return void served++;
        sendText(res, 404, 'not found');
      });
    },
    async stop(): Promise<void> {},
    health: () => ({
      ok: existsSync(webRoot) && mqttPath !== null,
      webRoot,
      mqttBrowser: mqttPath !== null,
      served,
      logins,
    }),
  };
}
