/**
 * Checks of the `uplink:` key beyond its shape (uplink/schema.ts), called
 * from config/validate.ts: a password written into the YAML gets a reason
 * that says where it belongs, and combinations that cannot log in or whose
 * CA file would be ignored are named.
 */
import type { Problem } from '../config/problem.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateUplink(raw: Rec, problems: Problem[], warnings: Problem[]): void {
  const u = raw.uplink;
  if (!isRec(u)) return;
  if ('password' in u)
    problems.push({
      path: 'uplink.password',
      message:
        'the uplink password is never in the site config: put it in an environment variable and name it in password_env',
    });
  if (u.password_env !== undefined && u.username === undefined)
    problems.push({ path: 'uplink.password_env', message: 'a password needs a username (uplink.username)' });
  if (u.username !== undefined && u.password_env === undefined)
    warnings.push({
      path: 'uplink.username',
      message: 'no password_env: the uplink logs in without a password',
    });
  const url = typeof u.url === 'string' ? u.url : '';
  if (u.ca !== undefined && !/^(mqtts|wss):/.test(url))
    warnings.push({ path: 'uplink.ca', message: 'ca is used only with mqtts:// or wss:// URLs' });
}
