/** The MQTT broker: aedes with our hooks. */
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import type { LoginGuard } from '../auth/guard.js';
import type { Account, Site } from '../config/site.js';
import type { GatewayMetrics } from '../metrics.js';
import type { IngestPort } from '../ports.js';
import { makeAuthenticate } from './authenticate.js';
import { makeAuthorizeForward } from './authorize-forward.js';
import { makeAuthorizePublish } from './authorize-publish.js';
import { makeAuthorizeSubscribe } from './authorize-subscribe.js';

export interface BrokerDeps {
  site: Site;
  ingest: IngestPort;
  logger: Logger;
  metrics: GatewayMetrics;
  /** The login check and back-off shared with HTTP Basic. */
  guard: LoginGuard;
}

export async function createBroker(
  deps: BrokerDeps,
): Promise<{ broker: Aedes; accounts: WeakMap<Client, Account> }> {
  const accounts = new WeakMap<Client, Account>();
  const logger = deps.logger.child({ component: 'broker' });
  const broker = await Aedes.createBroker({
    id: `guardpost-${deps.site.id}`,
    authenticate: makeAuthenticate({ site: deps.site, guard: deps.guard, accounts, logger }),
    authorizePublish: makeAuthorizePublish({ ...deps, accounts, logger }),
    authorizeSubscribe: makeAuthorizeSubscribe({ ...deps, accounts, logger }),
    // every delivery checked against the receiving account (authorize-forward.ts)
    authorizeForward: makeAuthorizeForward({ ...deps, accounts, logger }),
    maxTopicLevels: 16,
    drainTimeout: 5_000,
  });
  broker.on('clientReady', (client) => {
    deps.metrics.connections.set(broker.connectedClients);
    logger.debug({ clientId: client.id, account: accounts.get(client)?.id }, 'client connected');
  });
  broker.on('clientDisconnect', (client) => {
    deps.metrics.connections.set(broker.connectedClients);
    logger.debug({ clientId: client.id }, 'client disconnected');
  });
  broker.on('clientError', (client, err) => {
    logger.debug({ clientId: client.id, err: err.message }, 'client error');
  });
  broker.on('connectionError', (client, err) => {
    logger.debug({ clientId: client?.id, err: err.message }, 'connection error');
  });
  return { broker, accounts };
}

/** Publish as the gateway itself (no client: the ACL hooks let it through). The payload is encoded by the caller, once. */
export function publishAsGateway(
  broker: Aedes,
  topic: string,
  payload: Buffer,
  qos: 0 | 1,
  retain = false,
): Promise<void> {
  return new Promise((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}
