/**
 * The uplink's connection to the upstream broker (mqtt.js 5). One mqtt.js
 * client per connection attempt, with mqtt.js's own reconnect off: mqtt.js
 * keeps QoS 1 publishes made while offline in an in-memory store without
 * bound and replays its store one message per round trip; here nothing is
 * published while disconnected, what was in flight when a link dropped is
 * failed back to the sender (sender.ts re-sends it from the journal batch),
 * and the dead client is dropped with whatever it held. Reconnects back off
 * with jitter (runtime/backoff.ts), so a city broker that restarts is not hit
 * by every district at once.
 *
 * Persistent session upstream (clean: false, a fixed client id; MQTT 5 with
 * a session expiry) for the downstream commands. Hostile input from upstream
 * is bounded before it is buffered: MQTT 5's Maximum Packet Size makes the
 * broker drop bigger packets, and a fixed-header watch on the socket
 * (broker/packet-size.ts) closes the link on any bigger one (3.1.1 brokers).
 * No PUBACK progress for `ackTimeoutMs` while publishes are in flight (a
 * black-holed WAN): the link is closed and reconnected.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { PacketSizeWatcher } from '../broker/packet-size.js';
import { type BackoffOptions, backoffDelay } from '../runtime/backoff.js';

export type LinkState = 'stopped' | 'connecting' | 'connected' | 'disconnected';

export interface LinkOptions {
  url: string;
  username: string | undefined;
  password: string | undefined;
  clientId: string;
  protocolVersion: 4 | 5;
  ca: Buffer | undefined;
  /** Filters subscribed (QoS 1) on every connect. */
  subscribe: readonly string[];
  ackTimeoutMs: number;
  /** Largest packet taken from upstream, fixed header included (default 64 KiB). */
  maxPacketBytes?: number;
  backoff?: BackoffOptions;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  log: Logger;
  onMessage(topic: string, payload: Buffer, retain: boolean): void;
  onConnect?(): void;
  random?: () => number;
}

/** A publish that failed because the link closed before its PUBACK. */
export class LinkClosedError extends Error {
  override readonly name = 'LinkClosedError';
}

const SESSION_EXPIRY_S = 24 * 3600;

export class UplinkLink {
  private client: MqttClient | null = null;
  private stateValue: LinkState = 'stopped';
  private lastErrorValue: string | null = null;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** Rejecters of the publishes awaiting PUBACK on the current client. */
  private readonly pending = new Set<(err: Error) => void>();
  private lastProgress = 0;
  private readonly connectWaiters = new Set<() => void>();
  private connects = 0;
  private connectedSince: number | null = null;
  private receiveMaximum = Number.POSITIVE_INFINITY;

  constructor(private readonly o: LinkOptions) {}

  get state(): LinkState {
    return this.stateValue;
  }

  get connected(): boolean {
    return this.stateValue === 'connected';
  }

  get lastError(): string | null {
    return this.lastErrorValue;
  }

  /** The broker's MQTT 5 Receive Maximum (QoS 1 publishes it takes unacknowledged); unbounded on 3.1.1. */
  get windowLimit(): number {
    return this.receiveMaximum;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Successful connects since start (the first one included). */
  get connectCount(): number {
    return this.connects;
  }

  get since(): number | null {
    return this.connectedSince;
  }

  start(): void {
    if (this.stateValue !== 'stopped') return;
    this.stateValue = 'connecting';
    const every = Math.max(250, Math.floor(this.o.ackTimeoutMs / 4));
    this.watchdog = setInterval(() => this.checkProgress(), every);
    this.watchdog.unref();
    this.open();
  }

  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.reconnectTimer = null;
    this.watchdog = null;
    const client = this.client;
    this.client = null;
    this.failPending('uplink stopping');
    for (const w of this.connectWaiters) w();
    this.connectWaiters.clear();
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  /** Resolves once connected; rejects when `signal` aborts or the link stops. */
  waitConnected(signal: AbortSignal): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.connectWaiters.delete(done);
        signal.removeEventListener('abort', done);
        if (this.connected) resolve();
        else reject(new LinkClosedError('not connected'));
      };
      if (signal.aborted || this.stateValue === 'stopped') return done();
      this.connectWaiters.add(done);
      signal.addEventListener('abort', done);
    });
  }

  /** QoS 1 publish; resolves on PUBACK, rejects when the link closes first. Never queued offline. */
  publish(topic: string, payload: Buffer, retain = false): Promise<void> {
    return this.request((client, done) =>
      client.publish(topic, payload, { qos: 1, retain }, (err) => done(err ?? undefined)),
    );
  }

  /** Subscribe on the current connection; resolves on SUBACK, rejects when refused or the link closes first. */
  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    return this.request((client, done) =>
      client.subscribe(filter, { qos }, (err, granted) => {
        // a SUBACK reason code of 0x80 or more: refused (ACL)
        const refused = granted?.some((g) => g.qos >= 0x80);
        done(err ?? (refused ? new Error(`subscription to ${filter} refused`) : undefined));
      }),
    );
  }

  /** Unsubscribe; resolves on UNSUBACK (after everything the broker sent before it). */
  unsubscribe(filter: string): Promise<void> {
    return this.request((client, done) => client.unsubscribe(filter, (err) => done(err ?? undefined)));
  }

  // ---------------------------------------------------------------- internals

  /** One acknowledged request on the current client, failed back like a publish when the link closes. */
  private request(send: (client: MqttClient, done: (err?: Error) => void) => void): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new LinkClosedError('not connected'));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.pending.delete(fail);
        reject(err);
      };
      if (this.pending.size === 0) this.lastProgress = Date.now();
      this.pending.add(fail);
      send(client, (err) => {
        if (settled) return;
        if (err) return fail(err);
        settled = true;
        this.pending.delete(fail);
        this.lastProgress = Date.now();
        resolve();
      });
    });
  }

  private open(): void {
    const o = this.o;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: false,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 15_000,
      keepalive: o.keepaliveS ?? 30,
      resubscribe: false,
      queueQoSZero: false,
      rejectUnauthorized: true,
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.ca) options.ca = o.ca;
    const maxPacket = o.maxPacketBytes ?? 64 * 1024;
    if (o.protocolVersion === 5)
      options.properties = { sessionExpiryInterval: SESSION_EXPIRY_S, maximumPacketSize: maxPacket };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    this.watchSizes(client, maxPacket);
    client.on('connect', (connack) => {
      if (this.client !== client) return;
      this.receiveMaximum = connack.properties?.receiveMaximum ?? Number.POSITIVE_INFINITY;
      this.stateValue = 'connected';
      this.failures = 0;
      this.connects += 1;
      this.connectedSince = Date.now();
      this.lastErrorValue = null;
      this.lastProgress = Date.now();
      o.log.info({ url: o.url, clientId: o.clientId }, 'uplink connected');
      if (o.subscribe.length > 0)
        client.subscribe([...o.subscribe], { qos: 1 }, (err) => {
          if (err) this.noteError(`subscribe failed: ${err.message}`);
        });
      o.onConnect?.();
      for (const w of [...this.connectWaiters]) w();
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client === client) o.onMessage(topic, payload, packet.retain === true);
    });
    client.on('error', (err) => {
      if (this.client === client) this.noteError(err.message);
    });
    client.on('close', () => this.closed(client));
  }

  /** Close the link on a packet bigger than the limit, as soon as its header is read. */
  private watchSizes(client: MqttClient, limit: number): void {
    const watcher = new PacketSizeWatcher(limit);
    const stream = client.stream;
    stream.prependListener('data', (chunk: Buffer) => {
      const v = watcher.feed(chunk);
      if (v.ok || this.client !== client) return;
      const why =
        v.reason === 'too-large' ? `a ${v.size}-byte packet (limit ${limit})` : 'a malformed packet';
      this.noteError(`upstream sent ${why}: link closed`);
      stream.destroy();
    });
  }

  private closed(client: MqttClient): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('message');
    client.end(true);
    this.failPending('uplink connection closed');
    if (this.stateValue === 'stopped') return;
    if (this.stateValue === 'connected') this.o.log.warn({ url: this.o.url }, 'uplink disconnected');
    this.stateValue = 'disconnected';
    this.connectedSince = null;
    const delay = backoffDelay(
      this.failures,
      this.o.backoff ?? { baseMs: 1000, maxMs: 30_000 },
      this.o.random,
    );
    this.failures += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stateValue === 'stopped') return;
      this.stateValue = 'connecting';
      this.open();
    }, delay);
  }

  private checkProgress(): void {
    const client = this.client;
    if (!client || !this.connected || this.pending.size === 0) return;
    if (Date.now() - this.lastProgress < this.o.ackTimeoutMs) return;
    this.noteError(`no PUBACK for ${Math.round(this.o.ackTimeoutMs / 1000)} s: reconnecting`);
    client.stream.destroy();
  }

  private failPending(why: string): void {
    const err = new LinkClosedError(why);
    for (const fail of [...this.pending]) fail(err);
    this.pending.clear();
  }

  private noteError(message: string): void {
    if (message !== this.lastErrorValue) this.o.log.warn({ url: this.o.url, error: message }, 'uplink error');
    this.lastErrorValue = message;
  }
}
