/**
 * HTTP Basic authentication with the site's console and operator accounts
 * (the same accounts and password hashes as MQTT), through the gateway's one
 * LoginGuard: the same back-off by account and source address as MQTT
 * CONNECT, and a device account is refused like a wrong password (same work,
 * same answer). Used by /api, the console and /bulletin: the one Basic-auth helper.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginGuard } from '../auth/guard.js';
import type { Account } from '../config/site.js';

export type HumanAccount = Exclude<Account, { kind: 'device' }>;

const isHuman = (a: Account): a is HumanAccount => a.kind !== 'device';

export async function basicAccount(req: IncomingMessage, logins: LoginGuard): Promise<HumanAccount | null> {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const outcome = await logins.login({
    transport: 'http',
    username: colon < 0 ? decoded : decoded.slice(0, colon),
    password: colon < 0 ? '' : decoded.slice(colon + 1),
    address: req.socket.remoteAddress,
    accepts: isHuman,
    stillWanted: () => !req.socket.destroyed,
  });
  return outcome.ok && isHuman(outcome.account) ? outcome.account : null;
}

export function sendUnauthorised(res: ServerResponse, challenge: boolean): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  // The console page logs in with fetch(); a challenge would pop the browser's own dialog over it.
  if (challenge) headers['www-authenticate'] = 'Basic realm="guardpost", charset="UTF-8"';
  res.writeHead(401, headers);
  res.end(JSON.stringify({ error: 'console or operator credentials required (HTTP Basic)' }));
}
