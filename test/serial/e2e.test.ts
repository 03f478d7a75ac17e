/**
 * End to end: the real gateway process with a site whose serial port is a
 * socat pty. A line on the pty reaches an operator as an event; a bad line
 * reaches gp/v1/gateway/rejects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gplDriver, gplLine } from '../../devices/codecs/gpl.js';
import { topics } from '../../gateway/src/topics.js';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { siteYamlWithSerial, waitFor } from './harness.js';
import { type PtyPair, startPtyPair, writeLine } from './pty.js';

let dir: string;
let tty: PtyPair;
let gw: RunningGateway | null = null;
let operator: MqttClient | null = null;
const received: { topic: string; body: Record<string, unknown> }[] = [];

async function serialHealth(): Promise<{ path: string; state: string }[]> {
  const res = await fetch(gw?.url('/healthz') ?? '', { headers: basicAuth('tech1') });
  const body = (await res.json()) as { serial?: { ports?: { path: string; state: string }[] } };
  return body.serial?.ports ?? [];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gp-serial-e2e-'));
  tty = await startPtyPair(dir, 'usb');
  gw = await startGateway({
    siteYaml: siteYamlWithSerial([
      { path: tty.a, driver: 'gpl', devices: ['U03-SER-READER', 'U03-SER-PANIC', 'U03-SER-RC'] },
    ]),
  });
  operator = await connectAs(gw.mqttPort, 'tech1');
  operator.on('message', (topic, payload) => {
    received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> });
  });
  await operator.subscribeAsync([topics.event('tap', 'east', 'U03'), topics.rejects], { qos: 1 });
  let ports: Awaited<ReturnType<typeof serialHealth>> = [];
  await until(
    'the serial port open',
    async () => {
      ports = await serialHealth();
      return ports.some((p) => p.path === tty.a && p.state === 'open');
    },
    20_000,
    50,
  ).catch((err: unknown) => {
    throw new Error(
      `serial port never opened: ${JSON.stringify(ports)} (${String(err)})\n${gw?.logs().slice(-3000)}`,
    );
  });
});

afterAll(async () => {
  await operator?.endAsync();
  await gw?.stop();
  await tty?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('serial end to end', () => {
  it('a GPL/1 tap on the pty is published as an event with its checkpoint', async () => {
    writeLine(tty.b, gplLine('GP,U03-SER-READER,TAP,04:d1:e2:f5,4242'));
    const event = await waitFor('tap event', () =>
      received.find((m) => m.topic === topics.event('tap', 'east', 'U03') && m.body.seq === 4242),
    );
    expect(event.body).toMatchObject({
      kind: 'tap',
      device: 'U03-SER-READER',
      zone: 'east',
      unit: 'U03',
      uid: '04D1E2F5',
      uidKind: 'tag',
      checkpoint: 'CP-E-03',
      transport: 'serial',
      skewed: true,
    });
  });

  it('a bad line is published on gp/v1/gateway/rejects with its reason', async () => {
    const good = gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,7');
    writeLine(tty.b, `${good.slice(0, -4)}00\r\n`);
    writeLine(tty.b, gplLine('GP,U01-PANIC-1,PANIC,PRESSED,8'));
    const rejects = await waitFor('two rejects', () => {
      const r = received.filter((m) => m.topic === topics.rejects);
      return r.length >= 2 ? r : null;
    });
    expect(rejects.map((r) => r.body)).toEqual([
      {
        topic: `serial:${tty.a}`,
        device: 'U03-SER-PANIC',
        reason: expect.stringMatching(/^bad checksum: line says 00, computed [0-9A-F]{2}$/),
        at: expect.any(String),
      },
      {
        topic: `serial:${tty.a}`,
        device: null,
        reason: 'device U01-PANIC-1 is not bound to this port',
        at: expect.any(String),
      },
    ]);
  });

  it('an operator roll call reaches the serial terminal as RCSTART, and its card answer is recorded', async () => {
    const terminal = new SerialPort({ path: tty.b, baudRate: 9600, autoOpen: false, lock: false });
    let text = '';
    terminal.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    await new Promise<void>((resolve, reject) => terminal.open((e) => (e ? reject(e) : resolve())));
    try {
      await operator?.subscribeAsync(topics.event('rollcall', 'east', 'U03'), { qos: 1 });
      await operator?.publishAsync(topics.opsRollcall, JSON.stringify({ unit: 'U03', window_s: 60 }), {
        qos: 1,
      });
      const line = await waitFor('RCSTART', () => {
        const nl = text.indexOf('\n');
        return nl >= 0 ? text.slice(0, nl + 1) : null;
      });
      const cmd = gplDriver.decodeCommand(line);
      if (!cmd.ok) throw new Error(`bad RCSTART ${JSON.stringify(line)}: ${cmd.reason}`);
      expect(cmd.value.device).toBe('U03-SER-RC');
      expect(cmd.value.command.deadline).toBeGreaterThan(Date.now());
      // G005 (unit U03) taps the terminal
      writeLine(tty.b, gplLine(`GP,U03-SER-RC,RC,${cmd.value.command.call},04A1B2C3D4E502,1`));
      const answer = await waitFor('roll-call event', () =>
        received.find((m) => m.topic === topics.event('rollcall', 'east', 'U03')),
      );
      expect(answer.body).toMatchObject({
        kind: 'rollcall',
        device: 'U03-SER-RC',
        call: cmd.value.command.call,
        guard: 'G005',
        transport: 'serial',
      });
    } finally {
      await new Promise<void>((r) => (terminal.isOpen ? terminal.close(() => r()) : r()));
    }
  });
});
