/**
 * The one way out for everything a commit causes: the engines' effects
 * (alert publishes, device commands, log lines), the republish of each
 * accepted event, the onCommitted listeners (exporter, clock guard), and
 * whatever extensions publish. Built on a live broker, so nothing published
 * through it is silently lost for want of one; each payload object is
 * encoded once, however many topics it goes to (an alert reaches every
 * neighbour's unit topic, its zone and the operators).
 */
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { encodeMqttCommand } from '../../../devices/codecs/mqtt-command.js';
import { publishAsGateway } from '../broker/broker.js';
import type { OutboundEffect } from '../engines/runner.js';
import type { JournalEntry } from '../journal/types.js';
import type { GatewayMetrics } from '../metrics.js';
import { eventToWire } from '../model/wire.js';
import type { CommandRoute, OutboundSink, PublishOptions } from '../ports.js';
import { topics } from '../topics.js';

export interface OutboundDeps {
  broker: Aedes;
  metrics: GatewayMetrics;
  logger: Logger;
}

type CommittedListener = (entries: readonly JournalEntry[]) => void;

export class Outbound implements OutboundSink {
  private readonly routes: CommandRoute[] = [];
  private readonly listeners = new Set<CommittedListener>();
  private closing = false;

  constructor(private readonly deps: OutboundDeps) {}

  /** Device commands go to the first route that owns the device (serial ports); MQTT otherwise. */
  addCommandRoute(route: CommandRoute): void {
    this.routes.push(route);
  }

  onCommitted(listener: CommittedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The broker is about to close: what is still published after this (clients'
   * wills, a last commit) is already journaled and consoles catch up on
   * reconnect, so it is dropped and logged at debug, not as an error.
   */
  closingBroker(): void {
    this.closing = true;
  }

  committed(entries: readonly JournalEntry[], effects: readonly OutboundEffect[]): void {
    const encoded = new Map<unknown, Buffer>();
    const encode = (payload: unknown): Buffer => {
      let b = encoded.get(payload);
      if (!b) {
        b = toBuffer(payload);
        encoded.set(payload, b);
      }
      return b;
    };
    for (const effect of effects) {
      if (effect.type === 'publish') {
        if (effect.topic.endsWith('/alert')) this.deps.metrics.alertsPublished.inc();
        void this.send(effect.topic, encode(effect.payload), effect.qos, effect.retain ?? false);
      } else if (effect.type === 'command') {
        if (!this.routes.some((r) => r.send(effect.device, effect.command))) {
          const c = encodeMqttCommand(effect.command);
          void this.send(topics.deviceCommand(effect.device, c.command), Buffer.from(c.payload), 1, false);
        }
      } else {
        this.deps.logger[effect.level](effect.data ?? {}, effect.msg);
      }
    }
    for (const entry of entries) {
      if (entry.body.type !== 'event') continue;
      const e = entry.body.event;
      this.deps.metrics.events.inc({ kind: e.kind, transport: e.transport });
      void this.send(topics.event(e.kind, e.zone, e.unit), toBuffer(eventToWire(e)), 1, false);
    }
    if (entries.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(entries);
      } catch (err) {
        this.deps.logger.error({ err }, 'journal listener failed');
      }
    }
  }

  publish(topic: string, payload: string | Buffer | object, opts?: PublishOptions): Promise<void> {
    return this.send(topic, toBuffer(payload), opts?.qos ?? 0, opts?.retain ?? false);
  }

  private send(topic: string, body: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    if (this.closing) {
      this.deps.logger.debug({ topic }, 'publish dropped: the broker is stopping');
      return Promise.resolve();
    }
    return publishAsGateway(this.deps.broker, topic, body, qos, retain).catch((err: unknown) => {
      if (this.closing) this.deps.logger.debug({ topic }, 'publish dropped: the broker is stopping');
      else this.deps.logger.error({ err, topic }, 'publish failed');
    });
  }
}

function toBuffer(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
}
