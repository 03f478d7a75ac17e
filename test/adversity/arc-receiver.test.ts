/**
 * Hostile alarm receiving centres against the gateway's DC-09 link
 * (gateway/src/receivers/link.ts), over real loopback TCP: a receiver that
 * never answers, one that trickles bytes without ever ending a frame, one
 * that answers with an endless stream (tens of MB), one that sends binary
 * garbage. The link must time out or close the connection, and hold no more
 * than one frame's worth of what it read, whatever arrives. End to end: a
 * gateway whose receiver floods garbage still gets a panic to the duty
 * consoles within a second.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, MAX_FRAME_CHARS } from '../../devices/codecs/dc09/index.js';
import { ReceiverLink } from '../../gateway/src/receivers/link.js';
import { siteWithReceivers } from '../receivers/arc-support.js';
import { startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function hostile(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    sockets.push(s);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

const frame = (seq: number): string =>
  encodeFrame({
    token: 'SIA-DCS',
    encrypted: false,
    seq,
    receiver: null,
    prefix: 'L0',
    account: 'AAA',
    data: '#AAA|Nri1/PA',
    extended: [],
    timestamp: Date.now(),
  });

function link(port: number, errors: string[] = []): ReceiverLink {
  return new ReceiverLink({ host: '127.0.0.1', port, connectTimeoutMs: 2000 }, (e) => errors.push(e.message));
}

/** The link's read buffer: what it holds for an unfinished frame. */
const buffered = (l: ReceiverLink): number =>
  (l as unknown as { splitter: { buffered: number } }).splitter.buffered;

describe('hostile receivers', () => {
  it('never answers: the exchange ends at the ack timeout', async () => {
    const port = await hostile(() => undefined);
    const l = link(port);
    const t0 = Date.now();
    expect(await l.exchange(frame(1), 1, 300)).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5000);
    l.close();
  });

  it('trickles bytes and never ends a frame: the ack timeout still ends the exchange', async () => {
    const port = await hostile((s) => {
      s.write('\n');
      timers.push(setInterval(() => s.write('A'), 10));
    });
    const l = link(port);
    expect(await l.exchange(frame(2), 2, 500)).toBe('timeout');
    expect(buffered(l)).toBeGreaterThan(0);
    expect(buffered(l)).toBeLessThanOrEqual(MAX_FRAME_CHARS);
    l.close();
  });

  it('answers with an endless stream: the connection is closed, memory stays flat', async () => {
    const chunk = `\n${'B'.repeat(64 * 1024)}`;
    let written = 0;
    const port = await hostile((s) => {
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && !s.destroyed) {
          written += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    });
    const errors: string[] = [];
    const l = link(port, errors);
    const heap0 = process.memoryUsage().heapUsed;
    await expect(l.exchange(frame(3), 3, 10_000)).rejects.toThrow(/closed/);
    expect(errors.join(' ')).toMatch(/garbage/);
    // far less than the stream: the link stopped reading long before 64 MB
    expect(written).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(16 * 1024 * 1024);
    expect(l.status().oversizeAnswers + l.status().garbageBytes).toBeGreaterThan(0);
    l.close();
  });

  it('binary garbage then a valid ACK on a new connection: the link recovers', async () => {
    let connections = 0;
    const port = await hostile((s) => {
      connections++;
      if (connections === 1) {
        const junk = Buffer.alloc(256 * 1024);
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256 === 10 ? 0 : (i * 7919) % 256;
        s.write(junk);
        return;
      }
      s.on('data', (d) => {
        const m = /"SIA-DCS"(\d{4})/.exec(d.toString('latin1'));
        if (m) s.write(`\n0000000F"ACK"${m[1]}L0#AAA[]\r`);
      });
    });
    const l = link(port);
    await expect(l.exchange(frame(4), 4, 5000)).rejects.toThrow();
    // a sloppy ACK (wrong CRC) is still recognised by token and sequence
    expect(await l.exchange(frame(5), 5, 5000)).toBe('ACK');
    l.close();
  });
});

describe('a flooding receiver does not delay a panic', () => {
  it('panic at the duty console within 1 s while the receiver floods garbage', async () => {
    const junk = Buffer.alloc(64 * 1024, 0x41);
    const port = await hostile((s) => {
      const pump = (): void => {
        while (!s.destroyed && s.write(junk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const gw = await startGateway({
      siteYaml: siteWithReceivers([
        `{ id: arc-junk, host: 127.0.0.1, port: ${port}, account: "AAA", supervision: 1s, ackTimeout: 1s }`,
      ]),
    });
    try {
      const { client, inbox } = await connectWithInbox(gw.mqttPort, 'U02-duty');
      await subscribe(client, 'gp/v1/unit/U02/alert');
      type H = { receivers: Record<string, { garbageBytes: number }> };
      // the link has met the flood (a NULL went out and garbage came back)
      await until('garbage read from the receiver', async () => {
        const h = (await (await fetch(gw.url('/healthz'))).json()) as H;
        return (h.receivers['arc-junk']?.garbageBytes ?? 0) > 0;
      });
      const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
      const t0 = Date.now();
      await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 9001 });
      await inbox.waitFor((m) => (m.json as { kind?: string }).kind === 'panic', 5000, 'panic alert');
      expect(Date.now() - t0).toBeLessThan(1000);
      await end(button, client);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
