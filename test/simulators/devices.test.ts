/**
 * Device simulators against a real MQTT broker (in-process aedes over TCP)
 * and over a real socat pty: exact topics, payloads, QoS, retained status,
 * the will, and the roll-call command round trip.
 */

import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lineDrivers } from '../../devices/codecs/index.js';
import { decodeMqttPayload } from '../../devices/codecs/mqtt-json.js';
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import { topics } from '../../gateway/src/topics.js';
import { PanicButtonSim, ReaderSim, RollcallTerminalSim } from '../../simulators/devices/index.js';
import { makePtyPair, type PtyPair } from '../../simulators/pty.js';
import { until } from '../support/wait.js';
import { type Received, startBroker, type TestBroker } from './broker.js';

let broker: TestBroker;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  broker = await startBroker();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close().catch(() => undefined)));
});
afterAll(async () => {
  await broker.close();
});

const mqttLink = (device: string, password = 'pw-1') =>
  ({ via: 'mqtt', url: broker.url, device, password }) as const;

function decoded(r: Received): DeviceMessage {
  const parts = r.topic.split('/');
  const kind = parts[parts.length - 1] as 'tap' | 'panic' | 'rollcall' | 'heartbeat' | 'status';
  const d = decodeMqttPayload(parts[3] ?? '', kind, r.payload);
  if (!d.ok) throw new Error(`${r.topic}: ${d.reason}`);
  return d.value;
}

function nearNow(ts: string | null): void {
  expect(ts).not.toBeNull();
  expect(Math.abs(Date.parse(ts ?? '') - Date.now())).toBeLessThan(10_000);
  expect(ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
}

describe('over MQTT', () => {
  it('ReaderSim logs in as its device, says online (retained) and publishes taps with seq and ts at QoS 1', async () => {
    const reader = await ReaderSim.open(mqttLink('U02-READER-1', 'guardpost-demo'));
    open.push(reader);
    expect(broker.logins.find((l) => l.username === 'U02-READER-1')?.password).toBe('guardpost-demo');
    const status = await broker.waitFor((r) => r.topic === topics.device('U02-READER-1', 'status'));
    expect(status.payload.toString()).toBe('online');
    expect(status.retain).toBe(true);
    expect(status.qos).toBe(1);

    await reader.tap('04:a1:b2:c3:d4:e5:f6');
    await reader.tap('04D1E2F3');
    const got = broker.received.filter((r) => r.topic === topics.device('U02-READER-1', 'tap'));
    expect(got).toHaveLength(2);
    for (const r of got) expect(r.qos).toBe(1);
    const [first, second] = got.map(decoded);
    expect(first).toMatchObject({ kind: 'tap', device: 'U02-READER-1', uid: '04A1B2C3D4E5F6', seq: 1 });
    expect(second).toMatchObject({ kind: 'tap', uid: '04D1E2F3', seq: 2 });
    nearNow(first?.kind === 'tap' ? first.ts : null);
    expect(reader.sent).toEqual({ tap: 2 });
  });

  it('QoS 0 when asked', async () => {
    const reader = await ReaderSim.open({ ...mqttLink('Q0-READER'), qos: 0 });
    open.push(reader);
    await reader.tap('04D1E2F3');
    const r = await broker.waitFor((x) => x.topic === topics.device('Q0-READER', 'tap'));
    expect(r.qos).toBe(0);
  });

  it('PanicButtonSim presses, releases, heartbeats; dropping the link publishes the offline will', async () => {
    const button = await PanicButtonSim.open(mqttLink('U03-PANIC-1'), { startSeq: 4_294_967_295 });
    await button.press();
    await button.release();
    button.startHeartbeat(100);
    // the timer beats at once, then every 100 ms
    await until(
      'two timer heartbeats',
      () => broker.received.filter((r) => r.topic === topics.device('U03-PANIC-1', 'heartbeat')).length >= 2,
      15_000,
      20,
    );
    button.stopHeartbeat();
    await button.heartbeat({ tamper: true, battery: 12 });
    await broker.waitFor(
      (r) => r.topic === topics.device('U03-PANIC-1', 'heartbeat') && r.payload.includes('"battery":12'),
    );
    const panics = broker.received
      .filter((r) => r.topic === topics.device('U03-PANIC-1', 'panic'))
      .map(decoded);
    // seq wraps at 2^32
    expect(panics).toMatchObject([
      { kind: 'panic', state: 'pressed', seq: 4_294_967_295 },
      { kind: 'panic', state: 'released', seq: 0 },
    ]);
    const beats = broker.received
      .filter((r) => r.topic === topics.device('U03-PANIC-1', 'heartbeat'))
      .map(decoded);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats[0]).toMatchObject({ kind: 'heartbeat', battery: 97, rssi: -61, tamper: false, seq: 1 });
    expect(beats.filter((b) => b.kind === 'heartbeat' && b.battery === 12 && b.tamper === true)).toHaveLength(
      1,
    );

    await button.drop();
    const will = await broker.waitFor(
      (r) => r.topic === topics.device('U03-PANIC-1', 'status') && r.payload.toString() === 'offline',
    );
    expect(will.retain).toBe(true);
    expect(decoded(will)).toEqual({ kind: 'status', device: 'U03-PANIC-1', status: 'offline' });
  });

  it('RollcallTerminalSim subscribes to its commands and answers cmd/rollcall with its cards', async () => {
    const terminal = await RollcallTerminalSim.open(mqttLink('U02-RC-1'), {
      cards: ['04A1B2C3D4E5F6', '04A1B2C3D4E5F7'],
      delayMs: 50,
      gapMs: 30,
    });
    open.push(terminal);
    const call = terminal.nextCall();
    const deadline = new Date(Date.now() + 60_000).toISOString();
    await broker.publish(
      topics.deviceCommand('U02-RC-1', 'rollcall'),
      JSON.stringify({ call: 'RC-1', deadline, unit: 'U02' }),
    );
    const record = await call;
    expect(record.command).toEqual({
      kind: 'rollcall',
      call: 'RC-1',
      deadline: Date.parse(deadline),
      unit: 'U02',
    });
    await broker.waitFor(
      (r) =>
        r.topic === topics.device('U02-RC-1', 'rollcall') &&
        decoded(r).kind === 'rollcall' &&
        r.payload.includes('F7'),
    );
    const answers = broker.received
      .filter((r) => r.topic === topics.device('U02-RC-1', 'rollcall'))
      .map(decoded);
    expect(answers).toMatchObject([
      { kind: 'rollcall', call: 'RC-1', uid: '04A1B2C3D4E5F6', seq: 1 },
      { kind: 'rollcall', call: 'RC-1', uid: '04A1B2C3D4E5F7', seq: 2 },
    ]);
    // a command for another device is not this terminal's business
    await broker.publish(
      topics.deviceCommand('U01-RC-1', 'rollcall'),
      JSON.stringify({ call: 'RC-2', deadline }),
    );
    // a later command of its own arrives after the foreign one would have (one publisher, in order)
    const next = terminal.nextCall();
    await broker.publish(
      topics.deviceCommand('U02-RC-1', 'rollcall'),
      JSON.stringify({ call: 'RC-3', deadline, unit: 'U02' }),
    );
    await next;
    expect(terminal.calls.map((c) => c.command.call)).toEqual(['RC-1', 'RC-3']);
  });
});

describe('over a socat pty (GPL/1)', () => {
  // A fresh pty pair per test: socat ends the pair when the device side closes.
  let pty: PtyPair;
  let port: SerialPort;
  const lines: string[] = [];
  const ctx = (device: string) => ({ allowedDevices: new Set([device]), nextSeq: () => 0 });

  beforeEach(async () => {
    lines.length = 0;
    pty = await makePtyPair();
    port = new SerialPort({ path: pty.gatewayPath, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));
    port
      .pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }))
      .on('data', (l: string) => lines.push(l));
  });
  afterEach(async () => {
    await new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r()));
    await pty.close();
  });

  const waitLines = async (n: number): Promise<string[]> => {
    await until(`${n} lines on the pty`, () => lines.length >= n, 15_000, 20);
    return lines.splice(0, lines.length);
  };

  it('readers and panic buttons write lines the gpl driver decodes', async () => {
    // two devices on one line, as a port listing several device ids
    const reader = await ReaderSim.open({ via: 'serial', path: pty.devicePath, device: 'U03-SER-READER' });
    const button = await PanicButtonSim.open({
      via: 'serial',
      path: pty.devicePath,
      device: 'U03-SER-PANIC',
    });
    await reader.tap('04d1e2f5');
    await button.press();
    await button.heartbeat({ battery: 55, rssi: -70, tamper: false });
    const got = await waitLines(3);
    await reader.close();
    await button.close();
    expect(got).toHaveLength(3);
    for (const l of got) expect(l.endsWith('\r')).toBe(true);
    const gpl = lineDrivers.gpl;
    expect(gpl.decode(got[0] ?? '', ctx('U03-SER-READER'))).toEqual({
      ok: true,
      value: { kind: 'tap', device: 'U03-SER-READER', uid: '04D1E2F5', seq: 1, ts: null },
    });
    expect(gpl.decode(got[1] ?? '', ctx('U03-SER-PANIC'))).toMatchObject({
      ok: true,
      value: { kind: 'panic', state: 'pressed', seq: 1 },
    });
    expect(gpl.decode(got[2] ?? '', ctx('U03-SER-PANIC'))).toMatchObject({
      ok: true,
      value: { kind: 'heartbeat', battery: 55, rssi: -70, tamper: false },
    });
  });

  it('a terminal answers RCSTART with RC lines', async () => {
    const terminal = await RollcallTerminalSim.open(
      { via: 'serial', path: pty.devicePath, device: 'U03-SER-RC' },
      { cards: ['04A1B2C3D4E502'], delayMs: 20 },
    );
    const deadline = Date.now() + 60_000;
    const cmd = lineDrivers.gpl.encodeCommand('U03-SER-RC', {
      kind: 'rollcall',
      call: 'RC-9',
      deadline,
      unit: 'U03',
    });
    if (cmd === null) throw new Error('no RCSTART');
    port.write(cmd);
    const got = await waitLines(1);
    await terminal.close();
    expect(terminal.calls[0]?.command).toMatchObject({
      call: 'RC-9',
      deadline: Math.floor(deadline / 1000) * 1000,
    });
    expect(lineDrivers.gpl.decode(got[0] ?? '', ctx('U03-SER-RC'))).toMatchObject({
      ok: true,
      value: { kind: 'rollcall', device: 'U03-SER-RC', call: 'RC-9', uid: '04A1B2C3D4E502', seq: 1 },
    });
  });

  it('uid-line readers write bare UIDs; what the driver cannot say is an error', async () => {
    const reader = await ReaderSim.open({
      via: 'serial',
      path: pty.devicePath,
      device: 'U04-READER-1',
      driver: 'uid-line',
    });
    await reader.tap('04D1E2F3');
    const got = await waitLines(1);
    expect(lineDrivers['uid-line'].decode(got[0] ?? '', ctx('U04-READER-1'))).toMatchObject({
      ok: true,
      value: { kind: 'tap', device: 'U04-READER-1', uid: '04D1E2F3' },
    });
    await expect(reader.heartbeat()).rejects.toThrow(/cannot send a heartbeat/);
    await reader.close();
  });
});
