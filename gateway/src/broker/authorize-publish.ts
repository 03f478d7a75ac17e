import type { AuthorizePublishHandler, Client } from 'aedes';
import type { Logger } from 'pino';
import { decodeMqttPayload } from '../../../devices/codecs/mqtt-json.js';
import type { Account, Site } from '../config/site.js';
import { decodeOp } from '../ingest/ops.js';
import type { GatewayMetrics } from '../metrics.js';
import type { IngestPort } from '../ports.js';
import { isGatewayInput, parseTopic } from '../topics.js';
import { canPublish } from './acl.js';
import { remoteAddressOf } from './remote-address.js';

export interface AuthorizePublishDeps {
  site: Site;
  accounts: WeakMap<Client, Account>;
  ingest: IngestPort;
  logger: Logger;
  metrics: GatewayMetrics;
}

/**
 * PUBLISH from a client. This hook runs BEFORE aedes sends the PUBACK (QoS 1),
 * so this is where an event is made durable: we call back only once the
 * ingest pipeline has journaled it.
 *
 * Nothing is acknowledged and dropped unseen. A refused topic (or retain
 * where it is not allowed) is an error: aedes closes the client, as MQTT
 * 3.1.1 has no negative PUBACK, and it is reported as a reject too. A bad
 * payload on an allowed topic is reported as a reject and acknowledged, so a
 * faulty device does not resend it forever nor lose its connection. Either
 * way aedes does not deliver it (authorize-forward.ts: inputs are never
 * forwarded as published), and a rejected retained publish is not stored.
 */
export function makeAuthorizePublish(deps: AuthorizePublishDeps): AuthorizePublishHandler {
  return (client, packet, done) => {
    if (!client) return done(null); // the gateway's own publishes
    const account = deps.accounts.get(client);
    if (!account) return done(new Error('not logged in'));
    const topic = packet.topic;
    const verdict = canPublish(account, topic, packet.retain);
    if (!verdict.ok) {
      deps.metrics.refusals.inc({ action: 'publish' });
      deps.logger.warn(
        { clientId: client.id, account: account.id, topic, retain: packet.retain, why: verdict.reason },
        'publish refused',
      );
      deps.ingest.reject(topic, account.kind === 'device' ? account.id : null, verdict.reason, 'mqtt');
      return done(new Error(verdict.reason));
    }
    const parsed = parseTopic(topic);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const rejected = (device: string | null, reason: string): void => {
      packet.retain = false; // aedes stores retained messages after this hook: not a rejected one
      deps.ingest.reject(topic, device, reason, 'mqtt');
      done(null);
    };
    if (parsed.type === 'device' && account.kind === 'device') {
      const started = process.hrtime.bigint();
      const decoded = decodeMqttPayload(parsed.device, parsed.kind, payload);
      if (!decoded.ok) return rejected(parsed.device, decoded.reason);
      deps.ingest.accept(decoded.value, { transport: 'mqtt', topic, qos: packet.qos }).then(
        () => {
          deps.metrics.ackLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
          done(null);
        },
        (err: unknown) => {
          // The journal could not write: no PUBACK, the device keeps the event and resends.
          // A bulk input refused for the journal's reserve is logged once per state change by the pipeline.
          const refused = typeof err === 'object' && err !== null && 'refused' in err;
          deps.logger[refused ? 'debug' : 'error'](
            { err, topic },
            'event not journaled; connection closed so the device resends',
          );
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
      return;
    }
    if (parsed.type === 'ops-other') return rejected(null, `unknown operation: ${topic}`);
    if (parsed.type !== 'device' && parsed.type !== 'device-other' && isGatewayInput(parsed)) {
      // the audit trail of alarm handling records where an input came from (its source address)
      const op = decodeOp(parsed, payload, account, deps.site, remoteAddressOf(client.conn) ?? 'mqtt');
      if (!op.ok) return rejected(null, op.reason);
      deps.ingest.operate(op.value).then(
        () => done(null),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    done(null); // an admin's own topic outside gp/v1 (acl.ts): delivered as published
  };
}
