/**
 * Where the MQTT 5 bridge (mqtt5.ts) meets aedes' internals. aedes 1.2 speaks
 * 3.1.1 on the wire but its packet objects already carry v5 fields
 * (aedes-packet keeps `properties` and `messageExpiry`, subscriptions keep
 * no-local / retain-as-published / retain-handling). So a bridged client
 * exchanges OBJECTS with aedes, not re-encoded 3.1.1 bytes:
 * - inbound: after the 3.1.1 CONNECT, aedes' parser for that client is
 *   switched to v5, and the bridge feeds it v5 packets (properties intact);
 * - outbound: aedes writes every packet with mqtt-packet's writeToStream; a
 *   registry keyed by stream hands a bridged client's packets to the bridge
 *   as objects. Every other stream is written exactly as before (one WeakMap
 *   lookup per packet).
 * Checked against aedes 1.2.0 / mqtt-packet 9: `assertAedesShape` fails loudly
 * if a future version moves these.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

/** Takes one packet aedes writes to a bridged client; returns false to make aedes wait for 'drain'. */
export type Sink = (packet: Packet) => boolean;

const sinks = new WeakMap<object, Sink>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const mod = mqttPacket as unknown as {
    writeToStream: (packet: Packet, stream: object, opts?: unknown) => boolean;
  };
  const original = mod.writeToStream;
  mod.writeToStream = (packet, stream, opts) => {
    const sink = sinks.get(stream);
    return sink ? sink(packet) : original(packet, stream, opts);
  };
}

/** From now on, what aedes writes to `stream` goes to `sink`. */
export function registerSink(stream: object, sink: Sink): void {
  install();
  sinks.set(stream, sink);
}

/** The parts of an aedes 1.2 client the bridge uses. */
export interface AedesClientInternals {
  id: string;
  clean: boolean;
  closed: boolean;
  will: { topic: string; payload: Buffer; qos: number; retain: boolean; properties?: object } | null;
  subscriptions: Record<string, unknown>;
  broker: AedesBrokerInternals;
  _parser: {
    settings: { protocolVersion?: number };
    prependListener(ev: 'packet', fn: (p: Packet) => void): void;
  };
}

export interface AedesBrokerInternals {
  clients: Record<string, unknown>;
  maxInflightInbound: number;
  persistence: {
    cleanSubscriptions(client: { id: string }): Promise<unknown>;
    cleanIncoming?(client: { id: string }): Promise<unknown>;
  };
  authorizePublish(client: unknown, packet: Packet, cb: (err?: Error | null) => void): void;
  publish(packet: Packet, client: unknown, cb: (err?: Error) => void): void;
  on(ev: 'publish', fn: (packet: Packet & { properties?: object; messageExpiry?: number }) => void): void;
}

/** The aedes client created for `stream` by aedes' handle(), checked for what the bridge relies on. */
export function aedesClientOf(stream: object): AedesClientInternals {
  const c = (stream as { client?: Partial<AedesClientInternals> }).client;
  if (
    !c ||
    typeof c._parser?.prependListener !== 'function' ||
    typeof c.broker?.persistence?.cleanSubscriptions !== 'function' ||
    typeof c.broker?.publish !== 'function'
  ) {
    throw new Error('aedes client internals changed: mqtt5-wire.ts needs updating for this aedes version');
  }
  return c as AedesClientInternals;
}

/**
 * Once the 3.1.1 CONNECT is parsed, aedes' parser reads v5 packets (mqtt-packet
 * takes its version from the CONNECT it parsed, so it is switched right after).
 * `onPacket` sees each packet before aedes handles it.
 */
export function speakV5Inside(client: AedesClientInternals, onPacket: (p: Packet) => void): void {
  const parser = client._parser;
  parser.prependListener('packet', (p) => {
    if (p.cmd === 'connect') parser.settings = { protocolVersion: 5 };
    else onPacket(p);
  });
}
