/**
 * A console is sent the current state of every open alert of its unit
 * whenever the gateway cannot be sure its session already holds them, which
 * is every time a connection starts receiving its unit's alerts:
 *
 * - when it subscribes to them (a new or clean session, any session after a
 *   gateway restart: sessions live in the broker's memory);
 * - when it resumes a session that is subscribed to them. A session present
 *   does not prove custody: another client with the same credentials and
 *   client id may have drained its queue while the console was away, a
 *   QoS 0 subscription queues nothing, and messages queued for another
 *   account's session are dropped on delivery (authorize-forward.ts). This
 *   runs on `clientReady`, after aedes has written the queued messages, so
 *   the current state comes last and never looks older than what preceded it.
 *
 * Once caught up, a connection is not caught up again while it stays
 * subscribed (a console re-subscribing on every connect gets one catch-up).
 * The same payload as the last state change is sent again, so a console that
 * already had it sees a repeat of the same (id, state), never a new alert.
 */
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Account } from '../config/site.js';
import { filterCovers, topics } from '../topics.js';

/** aedes keeps a client's active subscriptions (restored ones included) here; not in its types. */
function activeFilters(client: Client): string[] {
  const subs = (client as Client & { subscriptions?: Record<string, unknown> }).subscriptions;
  return subs ? Object.keys(subs) : [];
}

export function attachAlertCatchUp(
  broker: Aedes,
  accounts: WeakMap<Client, Account>,
  openAlerts: (unit: string) => unknown[],
  logger: Logger,
): void {
  /** Connections caught up and subscribed to their unit's alerts ever since. */
  const current = new WeakSet<Client>();
  const unitOf = (client: Client): string | null => {
    const account = accounts.get(client);
    return account?.kind === 'console' ? account.unit.id : null;
  };
  const catchUp = (client: Client, unit: string, why: string): void => {
    current.add(client);
    const topic = topics.unitAlert(unit);
    const alerts = openAlerts(unit);
    for (const alert of alerts) {
      client.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(JSON.stringify(alert)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (err) => {
          if (err) logger.warn({ err, clientId: client.id }, 'alert catch-up not delivered');
        },
      );
    }
    if (alerts.length > 0)
      logger.info({ clientId: client.id, alerts: alerts.length, why }, 'console caught up on open alerts');
  };

  broker.on('clientReady', (client) => {
    const unit = unitOf(client);
    if (unit === null) return;
    const topic = topics.unitAlert(unit);
    if (activeFilters(client).some((f) => filterCovers(f, topic))) catchUp(client, unit, 'session resumed');
  });
  broker.on('subscribe', (subscriptions, client) => {
    const unit = unitOf(client);
    if (unit === null || current.has(client)) return;
    const topic = topics.unitAlert(unit);
    // aedes sets a refused filter's qos to 128 (its SUBACK code)
    const granted = subscriptions.filter((s) => (s.qos as number) !== 128);
    if (granted.some((s) => filterCovers(s.topic, topic))) catchUp(client, unit, 'subscribed');
  });
  broker.on('unsubscribe', (_filters, client) => {
    const unit = unitOf(client);
    if (unit === null || !current.has(client)) return;
    const topic = topics.unitAlert(unit);
    if (!activeFilters(client).some((f) => filterCovers(f, topic))) current.delete(client);
  });
}
