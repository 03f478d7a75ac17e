/**
 * CONNECT: username = account id, password checked by the shared LoginGuard
 * (back-off by account and source address, constant-work refusals), then the
 * client id checked against the session owners (sessions.ts).
 *
 * Return codes: 4 (bad user name or password) for every credential refusal,
 * whatever the reason, so an answer never tells whether an account exists;
 * 2 (identifier rejected) for a client id owned by another account and for
 * an empty client id with clean=false ([MQTT-3.1.3-8]). The MQTT 5 bridge
 * turns them into 0x86 and 0x85.
 */
import type { AuthenticateError, AuthenticateHandler, Client } from 'aedes';
import type { Logger } from 'pino';
import type { LoginGuard } from '../auth/guard.js';
import type { Account, Site } from '../config/site.js';
import { remoteAddressOf } from './remote-address.js';
import { SessionOwners } from './sessions.js';

export interface AuthenticateDeps {
  site: Site;
  guard: LoginGuard;
  accounts: WeakMap<Client, Account>;
  logger: Logger;
  /** Session ownership (a private one by default). */
  sessions?: SessionOwners;
}

function refused(code: 2 | 4 | 5, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = code;
  return err;
}

/** aedes names a client that sent an empty client id `aedes_<uuid>` before our hook runs. */
const ASSIGNED_ID = /^aedes_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function makeAuthenticate(deps: AuthenticateDeps): AuthenticateHandler {
  const sessions = deps.sessions ?? new SessionOwners((id) => deps.site.accounts.has(id));
  return (client, username, password, done) => {
    const address = remoteAddressOf(client.conn);
    const refuse = (code: 2 | 4, why: string, level: 'warn' | 'debug' = 'warn'): void => {
      deps.logger[level](
        { clientId: client.id, username: username ?? null, address, why },
        'MQTT connect refused',
      );
      done(refused(code, why), false);
    };
    if (!client.clean && ASSIGNED_ID.test(client.id)) {
      deps.guard.refused('mqtt', 'client_id');
      return refuse(2, 'an empty client id needs a clean session');
    }
    deps.guard
      .login({ transport: 'mqtt', username, password, address, stillWanted: () => !client.closed })
      .then((outcome) => {
        if (!outcome.ok) return refuse(4, outcome.detail, outcome.reason === 'throttled' ? 'debug' : 'warn');
        const account = outcome.account;
        if (client.closed) return done(refused(4, 'gone'), false); // aedes ignores it; bind nothing
        const claim = sessions.claim(client.id, account.id, client.clean, client.conn);
        if (claim !== 'ok') {
          deps.guard.refused('mqtt', 'client_id');
          const owner =
            claim === 'reserved' ? 'is reserved for another account' : 'belongs to another account';
          return refuse(2, `client id ${owner}`);
        }
        const conn = client.conn;
        // as of the close: the MQTT 5 bridge sets a session's lifetime after CONNECT (mqtt5-bridge.ts)
        conn.once('close', () => sessions.release(client.id, conn, !client.clean));
        deps.accounts.set(client, account);
        done(null, true);
      })
      .catch((err: unknown) => {
        deps.guard.refused('mqtt', 'error');
        deps.logger.error({ err, clientId: client.id }, 'authentication failed unexpectedly');
        done(refused(5, 'authentication error'), false);
      });
  };
}
