/**
 * Simulators on a real serial line into the real gateway: a socat pty pair,
 * the gateway's serial port configured with one end, the simulators on the
 * other. A panic press over GPL/1 raises the alert; a roll call reaches the
 * terminal as RCSTART and its card answers count.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { topics } from '../../gateway/src/topics.js';
import { PanicButtonSim, ReaderSim, RollcallTerminalSim } from '../../simulators/devices/index.js';
import { makePtyPair, type PtyPair } from '../../simulators/pty.js';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';

let pty: PtyPair;
let gw: RunningGateway;
let operator: MqttClient;
let inbox: Inbox;

beforeAll(async () => {
  pty = await makePtyPair({ name: 'u03' });
  const site = parse(readFileSync(SMALL_SITE, 'utf8')) as {
    devices: Record<string, unknown>[];
    serial?: Record<string, unknown>[];
  };
  site.devices.push({ id: 'U03-SER-RC', kind: 'rollcall', unit: 'U03' });
  site.serial = [
    { path: pty.gatewayPath, driver: 'gpl', devices: ['U03-SER-PANIC', 'U03-SER-READER', 'U03-SER-RC'] },
  ];
  gw = await startGateway({ siteYaml: stringify(site) });
  operator = await connectAs(gw.mqttPort, 'tech1');
  inbox = new Inbox(operator);
  await subscribe(operator, topics.all);
});
afterAll(async () => {
  await end(operator);
  await gw?.stop();
  await pty?.close();
});

describe('simulators on a pty into the gateway', () => {
  it('a GPL/1 panic press raises the panic alert at the unit', async () => {
    const button = await PanicButtonSim.open({
      via: 'serial',
      path: pty.devicePath,
      device: 'U03-SER-PANIC',
    });
    const reader = await ReaderSim.open({ via: 'serial', path: pty.devicePath, device: 'U03-SER-READER' });
    await reader.tap('04A1B2C3D4E502');
    await button.press();
    const alert = await inbox.waitFor(
      (m) => m.topic === topics.unitAlert('U03') && (m.json as { kind?: string }).kind === 'panic',
      15_000,
      'panic alert',
    );
    expect(alert.json).toMatchObject({
      kind: 'panic',
      unit: 'U03',
      device: 'U03-SER-PANIC',
      state: 'raised',
    });
    const tap = await inbox.waitFor(
      (m) => m.topic === topics.event('tap', 'east', 'U03'),
      10_000,
      'tap event',
    );
    expect(tap.json).toMatchObject({ device: 'U03-SER-READER', uid: '04A1B2C3D4E502', transport: 'serial' });
    await button.close();
    await reader.close();
  });

  it('a roll call reaches the terminal as RCSTART and its card answer is counted present', async () => {
    const terminal = await RollcallTerminalSim.open(
      { via: 'serial', path: pty.devicePath, device: 'U03-SER-RC' },
      { cards: ['04A1B2C3D4E502'], delayMs: 100 },
    );
    const call = terminal.nextCall(15_000);
    // 6 s: long beside the terminal's answer 100 ms after RCSTART (it must count as present)
    await publish(operator, topics.opsRollcall, { unit: 'U03', window_s: 6 });
    const record = await call;
    const id = record.command.call;
    const result = await inbox.waitFor(
      (m) => m.topic === topics.rollcallResult(id),
      20_000,
      'roll-call result',
    );
    const units = (
      result.json as { units: { unit: string; present: { guard: string }[]; absent: unknown[] }[] }
    ).units;
    const u03 = units.find((u) => u.unit === 'U03');
    expect(u03?.present).toMatchObject([{ guard: 'G005', device: 'U03-SER-RC' }]);
    expect(u03?.absent).toEqual([]);
    expect(record.answered).toEqual(['04A1B2C3D4E502']);
    await terminal.close();
  });
});
