/**
 * The ports between the layers: what transports call (IngestPort), what HTTP
 * handlers register on (HttpRoutes), what extensions get and implement
 * (GatewayContext, Extension), the engines' read-only views (GatewayQueries).
 * It sits below everything that implements or uses them, so no import runs
 * back up from a lower layer to runtime/.
 *
 * Extensions (serial ports, InfluxDB exporter, Node-RED supervisor, duty
 * console, bulletin...) get their dependencies through GatewayContext instead
 * of importing singletons, start and stop with the gateway, and report their
 * health.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoginGuard } from './auth/guard.js';
import type { Site } from './config/site.js';
import type { OutboundEffect } from './engines/runner.js';
import type { Journal } from './journal/journal.js';
import type { JournalEntry, OpInput } from './journal/types.js';
import type { DeviceCommand, DeviceMessage, Transport } from './model/event.js';

/** Where a device message came from; the port path is the identity of a serial device. */
export interface MessageOrigin {
  transport: Transport;
  /** MQTT topic, or `serial:<path>` for serial lines. */
  topic: string;
  /** The serial port path, for serial messages. */
  port?: string;
  /** MQTT QoS of the publish (0 for serial). */
  qos?: 0 | 1 | 2;
}

/** The single entry into the data path: every transport calls this. */
export interface IngestPort {
  /**
   * Validate, resolve against the site config, dedupe, journal (group
   * commit), run the engines. Resolves once the event is durable (or was a
   * duplicate); rejects (and reports the reject) when it was refused.
   */
  accept(message: DeviceMessage, origin: MessageOrigin): Promise<IngestResult>;
  /** Report an input refused before it became a DeviceMessage (bad line, bad checksum...). */
  reject(topic: string, device: string | null, reason: string, transport: Transport): void;
  /** Operator / console inputs (ack, resolve, ops). */
  operate(input: OpInput): Promise<void>;
}

export type IngestResult =
  | { status: 'accepted'; seq: number }
  | { status: 'duplicate' }
  | { status: 'rejected'; reason: string };

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  url: URL,
) => void | Promise<void>;

export interface HttpRoutes {
  /** `path` may end in `/*` (prefix) or contain `:name` segments. */
  add(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: RouteHandler): void;
}

/** Options of a publish as the gateway itself. */
export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

/**
 * The one way out for everything a commit causes (runtime/outbound.ts): the
 * ingest pipeline hands it each committed batch, extensions publish through it.
 */
export interface OutboundSink {
  /**
   * After COMMIT, in this order: the engines' effects (alert publishes,
   * device commands, log lines), each event's republish, then the
   * onCommitted listeners.
   */
  committed(entries: readonly JournalEntry[], effects: readonly OutboundEffect[]): void;
  /** Publish as the gateway; never rejects (a failure is logged). Objects are sent as JSON. */
  publish(topic: string, payload: string | Buffer | object, opts?: PublishOptions): Promise<void>;
}

/** Commands to devices on serial lines are delivered by whoever owns the port. */
export interface CommandRoute {
  /** true when this route delivered (or queued) the command for that device. */
  send(device: string, command: DeviceCommand): boolean;
}

export interface GatewayContext {
  site: Site;
  journal: Journal;
  logger: Logger;
  metrics: Registry;
  dataDir: string;
  ingest: IngestPort;
  http: HttpRoutes;
  /** Publish through the in-process broker (as the gateway itself). */
  publish(topic: string, payload: string | Buffer | object, opts?: PublishOptions): Promise<void>;
  /** Called after each committed batch with the entries it appended, in order. */
  onCommitted(listener: (entries: readonly JournalEntry[]) => void): () => void;
  /** Register a delivery route for device commands (serial). MQTT is the default route. */
  addCommandRoute(route: CommandRoute): void;
  /** Snapshot of the engines' live state for APIs (alerts, roll calls, tours). */
  queries: GatewayQueries;
  /** Resolved listener addresses (after start). */
  addresses: { mqtt: number; ws: number; http: number; mqtts?: number };
  /** The gateway's login check and back-off (HTTP Basic shares MQTT's); component hosts may leave it out. */
  logins?: LoginGuard;
}

/** Read-only views the engines offer to HTTP APIs and the console. */
export interface GatewayQueries {
  alerts(filter: { state?: 'open' | 'all' | string; unit?: string; zone?: string; kind?: string }): unknown[];
  /** One alert with its audit trail (docs/alerts.md "Audit"); `unit`: only if it targets that unit. */
  alert?(id: string, unit?: string): unknown | null;
  rollcall(call: string): unknown | null;
  rollcalls(): unknown[];
  tours(filter: { zone?: string; since?: number }): unknown[];
  devices(filter: { unit?: string; zone?: string }): unknown[];
}

export interface Extension {
  readonly name: string;
  start(ctx: GatewayContext): Promise<void>;
  stop(): Promise<void>;
  /** Merged into /healthz under the extension's name. `ok: false` does not make /healthz 503 (only the journal does). */
  health?(): Record<string, unknown>;
}
