/**
 * HTTP Basic authentication with the site's console and operator accounts
 * (the same accounts and password hashes as MQTT). Devices cannot log in here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PasswordVerifier } from '../auth/password.js';
import type { Account, Site } from '../config/site.js';

export type HumanAccount = Exclude<Account, { kind: 'device' }>;

export async function basicAccount(
  req: IncomingMessage,
  site: Site,
  verifier: PasswordVerifier,
): Promise<HumanAccount | null> {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const account = site.accounts.get(decoded.slice(0, colon));
  if (!account?.passwordHash || account.kind === 'device') return null;
  return (await verifier.verify(account.id, decoded.slice(colon + 1), account.passwordHash)) ? account : null;
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
