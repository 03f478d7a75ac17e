/**
 * A console that comes back without its session (a new or clean session, or
 * any session after a gateway restart: sessions live in the broker's memory)
 * is sent the current state of every open alert of its unit as soon as it
 * subscribes to its unit's topics. Resumed sessions need nothing: the broker
 * delivers what was queued for them. The same payload as the last state
 * change is sent again, so a console that already had it sees a repeat of the
 * same (id, state), never a new alert.
 */
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Account } from '../config/site.js';
import { filterCovers, topics } from '../topics.js';

export function attachAlertCatchUp(
  broker: Aedes,
  accounts: WeakMap<Client, Account>,
  openAlerts: (unit: string) => unknown[],
  logger: Logger,
): void {
  const resumed = new WeakSet<Client>();
  broker.on('connackSent', (packet, client) => {
    if (packet.sessionPresent) resumed.add(client);
  });
  broker.on('subscribe', (subscriptions, client) => {
    const account = accounts.get(client);
    if (account?.kind !== 'console' || resumed.has(client)) return;
    const topic = topics.unitAlert(account.unit.id);
    if (!subscriptions.some((s) => filterCovers(s.topic, topic))) return;
    const alerts = openAlerts(account.unit.id);
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
      logger.info({ clientId: client.id, alerts: alerts.length }, 'console caught up on open alerts');
  });
}
