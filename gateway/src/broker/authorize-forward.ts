/**
 * Every delivery aedes makes (live, queued for a session, retained, the
 * alert catch-up) passes here, once per receiving client: the message is
 * dropped unless it is deliverable at all (acl.ts `isDeliverable`: no
 * client input as published) and the receiving account may read its topic
 * (`receiverOf`). Subscribe-time checks alone do not cover a session resumed
 * under another account, nor a publish by the gateway on a topic the client
 * should not see. Synchronous and on the hot path: the per-account rule is
 * compiled once and the topic parsed once per message.
 */
import type { AuthorizeForwardHandler, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Account, Site } from '../config/site.js';
import type { GatewayMetrics } from '../metrics.js';
import { parseTopic } from '../topics.js';
import { isDeliverable, receiverOf } from './acl.js';

export function makeAuthorizeForward(deps: {
  site: Site;
  accounts: WeakMap<Client, Account>;
  logger: Logger;
  metrics: GatewayMetrics;
}): AuthorizeForwardHandler {
  const zoneOfUnit = (unit: string): string | undefined => deps.site.units.get(unit)?.zone;
  const receivers = new WeakMap<Account, (topic: string) => boolean>();
  // aedes hands the same message to every subscriber in turn: remember the last verdict
  let lastPayload: Buffer | null = null;
  let lastTopic = '';
  let lastDeliverable = false;
  return (client, packet) => {
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload !== lastPayload || topic !== lastTopic) {
      lastPayload = payload;
      lastTopic = topic;
      lastDeliverable = isDeliverable(parseTopic(topic), payload);
    }
    if (!lastDeliverable) return null;
    const account = deps.accounts.get(client);
    if (!account) return null;
    let mayReceive = receivers.get(account);
    if (!mayReceive) {
      mayReceive = receiverOf(account, zoneOfUnit);
      receivers.set(account, mayReceive);
    }
    if (mayReceive(topic)) return packet;
    deps.metrics.refusals.inc({ action: 'forward' });
    deps.logger.warn(
      { clientId: client.id, account: account.id, topic },
      'delivery refused: outside the ACL',
    );
    return null;
  };
}
