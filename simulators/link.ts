/**
 * How a simulated device reaches the gateway: an MQTT connection (protocol
 * §1) or a serial line (§2, GPL/1 or uid-line). Both speak the shared codecs
 * in devices/codecs, so a simulator sends exactly what the gateway decodes.
 */

import { ReadlineParser } from '@serialport/parser-readline';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { type LineDriverName, lineDrivers } from '../devices/codecs/index.js';
import { decodeMqttCommand } from '../devices/codecs/mqtt-command.js';
import { encodeMqttPayload } from '../devices/codecs/mqtt-json.js';
import type { DeviceCommand, DeviceMessage } from '../gateway/src/model/event.js';
import { topics } from '../gateway/src/topics.js';

export interface DeviceLink {
  readonly transport: 'mqtt' | 'serial';
  readonly device: string;
  /** Sends one message; resolves when the broker acknowledged it (QoS 1) or it was written. */
  send(msg: DeviceMessage): Promise<void>;
  /** Gateway → device commands (cmd/rollcall, RCSTART). */
  onCommand(handler: (command: DeviceCommand) => void): void;
  /** Clean close: MQTT DISCONNECT (the will is not published), or the port closed. */
  close(): Promise<void>;
  /** Drops the connection without a DISCONNECT: the broker publishes the `offline` will. */
  drop(): Promise<void>;
}

export interface MqttLinkOptions {
  url: string;
  device: string;
  password: string;
  qos?: 0 | 1;
  /** Subscribe to gp/v1/dev/{device}/cmd/#. */
  commands?: boolean;
  /** Reconnect after a lost connection (CLI); tests usually want false. */
  reconnect?: boolean;
  clientId?: string;
  connectTimeoutMs?: number;
}

export async function connectMqttLink(opts: MqttLinkOptions): Promise<DeviceLink> {
  const qos = opts.qos ?? 1;
  const statusTopic = topics.device(opts.device, 'status');
  const client: MqttClient = mqtt.connect(opts.url, {
    username: opts.device,
    password: opts.password,
    clientId: opts.clientId ?? `${opts.device}-sim-${Math.random().toString(16).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: opts.reconnect ? 1000 : 0,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  const handlers: ((c: DeviceCommand) => void)[] = [];
  const commandTopic = topics.deviceCommand(opts.device, 'rollcall');
  client.on('message', (topic, payload) => {
    if (topic !== commandTopic) return;
    const command = decodeMqttCommand(payload);
    if (command) for (const h of handlers) h(command);
  });

  const publish = (topic: string, payload: string, q: 0 | 1, retain: boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: q, retain }, (err) => (err ? reject(err) : resolve()));
    });

  // Every (re)connect: announce online (retained), and re-subscribe for commands.
  const announce = async (): Promise<void> => {
    if (opts.commands) {
      await new Promise<void>((resolve, reject) =>
        client.subscribe(topics.deviceCommandFilter(opts.device), { qos: 1 }, (err, granted) => {
          if (err) return reject(err);
          if (granted?.some((g) => g.qos === 128)) return reject(new Error('command subscription refused'));
          resolve();
        }),
      );
    }
    const online = encodeMqttPayload({ kind: 'status', device: opts.device, status: 'online' });
    await publish(statusTopic, online.payload, 1, true);
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      client.end(true);
      reject(new Error(`${opts.device}: cannot connect to ${opts.url}: ${err.message}`));
    };
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      announce().then(resolve, reject);
    });
  });
  client.on('connect', () => {
    void announce().catch(() => undefined);
  });
  client.on('error', () => undefined); // reconnects (if enabled) are handled by mqtt.js

  return {
    transport: 'mqtt',
    device: opts.device,
    send: (msg) => {
      const { kind, payload } = encodeMqttPayload(msg);
      return publish(
        topics.device(opts.device, kind),
        payload,
        kind === 'status' ? 1 : qos,
        kind === 'status',
      );
    },
    onCommand: (h) => {
      handlers.push(h);
    },
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
    drop: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}

export interface SerialLinkOptions {
  /** The device side of the line (a tty, or one end of a socat pty pair). */
  path: string;
  device: string;
  driver?: LineDriverName;
  baudRate?: number;
}

export async function openSerialLink(opts: SerialLinkOptions): Promise<DeviceLink> {
  const driver = lineDrivers[opts.driver ?? 'gpl'];
  // no exclusive lock: several simulated devices may share one line (a port listing several devices)
  const port = new SerialPort({
    path: opts.path,
    baudRate: opts.baudRate ?? 9600,
    autoOpen: false,
    lock: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new Error(`cannot open ${opts.path}: ${err.message}`)) : resolve())),
  );
  const handlers: ((c: DeviceCommand) => void)[] = [];
  const parser = port.pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }));
  parser.on('data', (line: string) => {
    const decoded = driver.decodeCommand(line);
    if (!decoded.ok || decoded.value.device !== opts.device) return;
    for (const h of handlers) h(decoded.value.command);
  });
  port.on('error', () => undefined);
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    });
  return {
    transport: 'serial',
    device: opts.device,
    send: async (msg) => {
      const line = driver.encode(msg);
      if (line === null) {
        if (msg.kind === 'status') return; // a serial line has no status: the port state says it
        throw new Error(`the ${driver.name} driver cannot send a ${msg.kind} message`);
      }
      await new Promise<void>((resolve, reject) =>
        port.write(line, 'latin1', (err) => (err ? reject(err) : resolve())),
      );
      await new Promise<void>((resolve) => port.drain(() => resolve()));
    },
    onCommand: (h) => {
      handlers.push(h);
    },
    close,
    drop: close,
  };
}
