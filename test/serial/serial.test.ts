/**
 * The serial extension against real pseudo-terminals (socat): lines in,
 * rejects with reasons, RCSTART out, and unplug/replug at the same path.
 */
import { mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { gplLine } from '../../devices/codecs/gpl.js';
import { createSerialExtension } from '../../gateway/src/serial/index.js';
import { harness, siteWithSerial, waitFor } from './harness.js';
import { type PtyPair, startPtyPair, writeLine } from './pty.js';

let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gp-serial-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function pty(name: string): Promise<PtyPair> {
  const pair = await startPtyPair(dir, name);
  cleanups.push(() => pair.kill());
  return pair;
}

async function startExtension(ports: Parameters<typeof siteWithSerial>[0]) {
  const h = harness(siteWithSerial(ports));
  const ext = createSerialExtension({ reopenBaseMs: 50, reopenMaxMs: 200, probeMs: 100 });
  await ext.start(h.ctx);
  cleanups.push(() => ext.stop());
  onTestFailed(() => {
    console.error(
      `serial health: ${JSON.stringify(ext.health())}\nlogs:\n${h.logs.map((l) => JSON.stringify(l)).join('\n')}`,
    );
  });
  const portState = (path: string) => ext.health().ports.find((p) => p.path === path);
  /** Open again after at least `reopens` losses (a flapping replug may count more than one). */
  const waitOpen = (path: string, reopens = 0) =>
    waitFor(`${path} open (reopens >= ${reopens})`, () => {
      const p = portState(path);
      return p?.state === 'open' && p.reopens >= reopens ? p : null;
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}\nhealth: ${JSON.stringify(ext.health())}\nlogs: ${JSON.stringify(h.logs.slice(-10))}`,
      );
    });
  return { ...h, ext, portState, waitOpen };
}

describe('serial extension on real ptys', () => {
  it('turns GPL/1 lines into accepted messages with the right device and origin', async () => {
    const tty = await pty('gpl');
    const s = await startExtension([
      { path: tty.a, driver: 'gpl', devices: ['U03-SER-PANIC', 'U03-SER-RC'] },
    ]);
    await s.waitOpen(tty.a);
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,18'));
    writeLine(tty.b, `${gplLine('GP,U03-SER-RC,RC,RC-1,04a1b2c3d4e502,19').trimEnd()}\n`); // bare \n
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,HB,90,-61,1'));
    await waitFor('3 messages', () => s.ingest.accepted.length >= 3);
    expect(s.ingest.accepted.map((a) => a.message)).toEqual([
      { kind: 'panic', device: 'U03-SER-PANIC', state: 'pressed', seq: 18, ts: null },
      { kind: 'rollcall', device: 'U03-SER-RC', call: 'RC-1', uid: '04A1B2C3D4E502', seq: 19, ts: null },
      {
        kind: 'heartbeat',
        device: 'U03-SER-PANIC',
        battery: 90,
        rssi: -61,
        tamper: true,
        seq: null,
        ts: null,
      },
    ]);
    for (const { origin } of s.ingest.accepted) {
      expect(origin).toEqual({ transport: 'serial', topic: `serial:${tty.a}`, port: tty.a, qos: 0 });
    }
    expect(s.ingest.rejected).toEqual([]);
    expect(s.portState(tty.a)).toMatchObject({
      driver: 'gpl',
      state: 'open',
      lines: 3,
      rejects: 0,
      reopens: 0,
      partialBytes: 0,
      lastError: null,
    });
    const text = await s.registry.metrics();
    expect(text).toContain(`guardpost_serial_port_up{port="${tty.a}"} 1`);
    expect(text).toContain(`guardpost_serial_lines_total{port="${tty.a}",result="accepted"} 3`);
  });

  it('rejects bad lines with precise reasons, and keeps going', async () => {
    const tty = await pty('bad');
    const s = await startExtension([{ path: tty.a, driver: 'gpl', devices: ['U03-SER-PANIC'] }]);
    await s.waitOpen(tty.a);
    const good = gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,1');
    writeLine(tty.b, `${good.slice(0, -4)}00\r\n`); // wrong checksum
    writeLine(tty.b, gplLine('GP,U01-PANIC-1,PANIC,PRESSED,2')); // not on this port
    writeLine(tty.b, 'garbage\r\n');
    writeLine(tty.b, Buffer.from([0x24, 0xff, 0xfe, 0x0d, 0x0a])); // non-ASCII bytes
    writeLine(tty.b, `${'x'.repeat(2000)}\r\n`); // over-long
    writeLine(tty.b, good);
    await waitFor('the good line after the bad ones', () => s.ingest.accepted.length === 1);
    expect(s.ingest.rejected.map((r) => [r.device, r.reason])).toEqual([
      ['U03-SER-PANIC', expect.stringMatching(/^bad checksum: line says 00, computed [0-9A-F]{2}$/)],
      [null, 'device U01-PANIC-1 is not bound to this port'],
      [null, 'missing "$" at start of line'],
      [null, 'non-ASCII byte 0xFF at column 2'],
      [null, 'line too long (> 256 bytes)'],
    ]);
    for (const r of s.ingest.rejected) {
      expect(r.topic).toBe(`serial:${tty.a}`);
      expect(r.transport).toBe('serial');
    }
    expect(s.ingest.accepted[0]?.message).toMatchObject({ device: 'U03-SER-PANIC', seq: 1 });
    expect(s.portState(tty.a)).toMatchObject({ lines: 6, rejects: 5 });
    expect(await s.registry.metrics()).toContain(
      `guardpost_serial_lines_total{port="${tty.a}",result="rejected"} 5`,
    );
  });

  it('uid-line: one UID per line from the single reader, gateway-assigned increasing seq', async () => {
    const tty = await pty('uid');
    const s = await startExtension([{ path: tty.a, driver: 'uid-line', devices: ['U03-SER-READER'] }]);
    await s.waitOpen(tty.a);
    writeLine(tty.b, '04:d1:e2:f5\r\n04A1B2C3D4E502\r\nnot-a-uid\r\n04d1e2f5\n');
    await waitFor('3 taps', () => s.ingest.accepted.length >= 3);
    const taps = s.ingest.accepted.map((a) => a.message);
    expect(taps.map((t) => (t.kind === 'tap' ? [t.device, t.uid] : null))).toEqual([
      ['U03-SER-READER', '04D1E2F5'],
      ['U03-SER-READER', '04A1B2C3D4E502'],
      ['U03-SER-READER', '04D1E2F5'],
    ]);
    const seqs = taps.map((t) => (t.kind === 'tap' ? t.seq : null));
    expect(seqs.every((q) => typeof q === 'number')).toBe(true);
    expect(new Set(seqs).size).toBe(3);
    expect(s.ingest.rejected).toEqual([
      {
        topic: `serial:${tty.a}`,
        device: 'U03-SER-READER',
        reason: 'uid: must be an NFC UID of 8, 14 or 20 hex digits',
        transport: 'serial',
      },
    ]);
  });

  it('writes RCSTART to the terminal when a roll call is sent to a serial device', async () => {
    const tty = await pty('rc');
    const s = await startExtension([{ path: tty.a, driver: 'gpl', devices: ['U03-SER-RC'] }]);
    await s.waitOpen(tty.a);
    expect(s.routes).toHaveLength(1);
    const terminal = new SerialPort({ path: tty.b, baudRate: 9600, autoOpen: false });
    let received = '';
    terminal.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await new Promise<void>((resolve, reject) => terminal.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise<void>((r) => (terminal.isOpen ? terminal.close(() => r()) : r())));
    const deadline = Date.UTC(2026, 10, 28, 20, 3, 0);
    const route = s.routes[0];
    expect(route?.send('U03-SER-RC', { kind: 'rollcall', call: 'RC-7', deadline, unit: 'U03' })).toBe(true);
    expect(route?.send('U02-RC-1', { kind: 'rollcall', call: 'RC-7', deadline, unit: 'U02' })).toBe(false);
    await waitFor('RCSTART on the terminal', () => received.includes('\n'));
    expect(received).toBe(gplLine(`GP,U03-SER-RC,RCSTART,RC-7,${deadline / 1000}`));
  });

  it('survives unplug/replug at the same path; a half line before the break is not glued to the next', async () => {
    const tty = await pty('plug');
    const s = await startExtension([{ path: tty.a, driver: 'gpl', devices: ['U03-SER-PANIC'] }]);
    await s.waitOpen(tty.a);
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,1'));
    await waitFor('first line', () => s.ingest.accepted.length === 1);

    const half = '$GP,U03-SER-PANIC,PANIC,REL';
    writeLine(tty.b, half); // no terminator: the adapter is pulled mid-line
    await waitFor('half line buffered', () => s.portState(tty.a)?.partialBytes === half.length);
    await tty.kill();
    const down = await waitFor('port down', () =>
      s.portState(tty.a)?.state === 'down' ? s.portState(tty.a) : null,
    );
    expect(down?.lastError).toBeTruthy();
    const lost = s.logs.find((l) => l.msg === 'serial port lost; half line dropped, reopening');
    expect(lost).toMatchObject({ port: tty.a, droppedBytes: half.length });
    expect(await s.registry.metrics()).toContain(`guardpost_serial_port_up{port="${tty.a}"} 0`);

    // a few failed reopen attempts while unplugged
    await waitFor('two failed reopen attempts', () =>
      s.logs.some(
        (l) =>
          l.port === tty.a &&
          typeof l.attempt === 'number' &&
          l.attempt >= 2 &&
          String(l.msg).startsWith('serial port'),
      ),
    );
    await tty.restart();
    await s.waitOpen(tty.a, 1);
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,RELEASED,2'));
    await waitFor('line after replug', () => s.ingest.accepted.length === 2);
    expect(s.ingest.accepted[1]?.message).toEqual({
      kind: 'panic',
      device: 'U03-SER-PANIC',
      state: 'released',
      seq: 2,
      ts: null,
    });
    expect(s.ingest.rejected).toEqual([]);
    expect(await s.registry.metrics()).toMatch(
      new RegExp(
        `guardpost_serial_reopens_total\\{port="${tty.a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\} [1-9]`,
      ),
    );

    // and a second unplug/replug works the same way
    await tty.kill();
    await waitFor('port down again', () => s.portState(tty.a)?.state === 'down');
    await tty.restart();
    await s.waitOpen(tty.a, 2);
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,3'));
    await waitFor('line after second replug', () => s.ingest.accepted.length === 3);
  });

  it('notices a hang-up that reads only see as end-of-file, and reopens', async () => {
    const tty = await pty('eof');
    const s = await startExtension([{ path: tty.a, driver: 'gpl', devices: ['U03-SER-PANIC'] }]);
    await s.waitOpen(tty.a);
    // Pull the plug from inside the data handler: the tty is hung up before serialport's next
    // read, which then sees EOF (0 bytes) instead of an error and would retry forever.
    let unplugged: Promise<void> | null = null;
    s.ingest.onAccept = () => {
      s.ingest.onAccept = null;
      unplugged = tty.kill({ blockMs: 400 });
    };
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,4'));
    await waitFor('unplugged', () => unplugged);
    await unplugged;
    const down = await waitFor('port down', () =>
      s.portState(tty.a)?.state !== 'open' ? s.portState(tty.a) : null,
    );
    expect(down?.lastError).toBeTruthy();
    await tty.restart();
    await s.waitOpen(tty.a, 1);
    writeLine(tty.b, gplLine('GP,U03-SER-PANIC,PANIC,PRESSED,5'));
    await waitFor('line after replug', () => s.ingest.accepted.length === 2);
    expect(s.ingest.accepted[1]?.message).toMatchObject({ device: 'U03-SER-PANIC', seq: 5 });
  });

  it('a port missing at start is retried until it appears; queued RCSTART is delivered then', async () => {
    const path = join(dir, 'ttyUSB-late');
    const s = await startExtension([{ path, driver: 'gpl', devices: ['U03-SER-RC'] }]);
    await waitFor('first failure', () => s.portState(path)?.lastError);
    expect(s.portState(path)?.state).not.toBe('open');
    const deadline = Date.now() + 60_000;
    expect(s.routes[0]?.send('U03-SER-RC', { kind: 'rollcall', call: 'RC-Q', deadline, unit: 'U03' })).toBe(
      true,
    );
    const tty = await pty('late');
    // the terminal listens first (opening a tty flushes its input), then the adapter "appears" at the path
    const terminal = new SerialPort({ path: tty.b, baudRate: 9600, autoOpen: false });
    let received = '';
    terminal.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await new Promise<void>((resolve, reject) => terminal.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise<void>((r) => (terminal.isOpen ? terminal.close(() => r()) : r())));
    symlinkSync(readlinkSync(tty.a), path);
    await s.waitOpen(path);
    await waitFor('queued RCSTART', () => received.includes('\n'));
    expect(received).toBe(gplLine(`GP,U03-SER-RC,RCSTART,RC-Q,${Math.floor(deadline / 1000)}`));
    writeLine(tty.b, gplLine('GP,U03-SER-RC,RC,RC-Q,04A1B2C3D4E502,1'));
    await waitFor('answer', () => s.ingest.accepted.length === 1);
  });

  it('stop closes the ports and stops reopening', async () => {
    const tty = await pty('stop');
    const s = await startExtension([{ path: tty.a, driver: 'gpl', devices: ['U03-SER-PANIC'] }]);
    await s.waitOpen(tty.a);
    await s.ext.stop();
    // closed, and nothing left to reopen it: no line can arrive any more (the data handler is
    // bound to the closed port), so no fixed wait is needed to show it
    expect(s.ext.health().ports).toMatchObject([{ path: tty.a, state: 'stopped', reopenScheduled: false }]);
    expect(s.ingest.accepted).toEqual([]);
    expect(await s.registry.metrics()).toContain(`guardpost_serial_port_up{port="${tty.a}"} 0`);
  });
});
