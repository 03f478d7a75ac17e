import type { AuthorizeSubscribeHandler, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Account, Site } from '../config/site.js';
import type { GatewayMetrics } from '../metrics.js';
import { canSubscribe } from './acl.js';

/** SUBSCRIBE: a refused filter gets SUBACK 0x80 (the connection stays). */
export function makeAuthorizeSubscribe(deps: {
  site: Site;
  accounts: WeakMap<Client, Account>;
  logger: Logger;
  metrics: GatewayMetrics;
}): AuthorizeSubscribeHandler {
  const zoneOfUnit = (unit: string): string | undefined => deps.site.units.get(unit)?.zone;
  return (client, sub, done) => {
    const account = deps.accounts.get(client);
    const verdict = account
      ? canSubscribe(account, sub.topic, zoneOfUnit)
      : { ok: false as const, reason: 'not logged in' };
    if (verdict.ok) return done(null, sub);
    deps.metrics.refusals.inc({ action: 'subscribe' });
    deps.logger.warn(
      { clientId: client.id, account: account?.id, topic: sub.topic, why: verdict.reason },
      'subscribe refused',
    );
    done(null, null);
  };
}
