import type { AuthenticateError, AuthenticateHandler, Client } from 'aedes';
import type { Logger } from 'pino';
import type { PasswordVerifier } from '../auth/password.js';
import type { Account, Site } from '../config/site.js';
import type { GatewayMetrics } from '../metrics.js';
import type { FailureThrottle } from './throttle.js';

export interface AuthenticateDeps {
  site: Site;
  verifier: PasswordVerifier;
  throttle: FailureThrottle;
  accounts: WeakMap<Client, Account>;
  logger: Logger;
  metrics: GatewayMetrics;
  now?: () => number;
}

function refused(code: 4 | 5, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = code;
  return err;
}

/** CONNECT: username = account id, password checked against its scrypt hash. */
export function makeAuthenticate(deps: AuthenticateDeps): AuthenticateHandler {
  const now = deps.now ?? Date.now;
  return (client, username, password, done) => {
    const key = `id:${client.id}`;
    const delay = deps.throttle.delayFor(key, now());
    const run = async (): Promise<void> => {
      const fail = (code: 4 | 5, why: string): void => {
        deps.throttle.fail(key, now());
        deps.metrics.authFailures.inc();
        deps.logger.warn({ clientId: client.id, username: username ?? null, why }, 'MQTT connect refused');
        done(refused(code, why), false);
      };
      if (!username) return fail(5, 'anonymous connections are refused');
      const account = deps.site.accounts.get(username);
      if (!account) return fail(4, 'unknown account');
      if (!account.passwordHash) return fail(5, 'account has no password (serial-only device?)');
      if (!password || password.length === 0) return fail(4, 'missing password');
      const ok = await deps.verifier.verify(username, password, account.passwordHash);
      if (!ok) return fail(4, 'wrong password');
      deps.throttle.succeed(key);
      deps.accounts.set(client, account);
      done(null, true);
    };
    const go = (): void => {
      run().catch((err: unknown) => {
        deps.logger.error({ err, clientId: client.id }, 'authentication failed unexpectedly');
        done(refused(5, 'authentication error'), false);
      });
    };
    if (delay > 0) setTimeout(go, delay);
    else go();
  };
}
