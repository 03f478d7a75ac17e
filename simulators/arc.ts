/**
 * An alarm receiving centre (ARC) simulator for SIA DC-09 (`guardpost-sim
 * arc`, docs/simulators.md): listens on TCP, checks each frame's CRC, length
 * and timestamp (± a window), decrypts with its key, parses the SIA-DCS or
 * Contact ID data, and answers ACK (same sequence), NAK (`"NAK"0000…` with
 * its own time, as receivers do for a bad CRC or clock) or DUH (not
 * understood). Switches: outage (stop listening), refuse (accept and close),
 * silent (never answer), NAK storm (NAK the next n frames). Tests and the
 * bench drive it in-process; every received frame is recorded and emitted.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import {
  type Dc09Frame,
  decodeFrame,
  encodeFrame,
  FrameSplitter,
  parseCidData,
  parseSiaData,
} from '../devices/codecs/dc09/index.js';

export type ArcAnswer = 'ACK' | 'NAK' | 'DUH' | 'none';

export interface ArcReceived {
  at: number;
  raw: string;
  /** The decoded frame, or null when it did not decode. */
  frame: Dc09Frame | null;
  reason: string | null;
  answer: ArcAnswer;
}

export interface ArcOptions {
  port?: number;
  host?: string;
  /** AES key for encrypted frames (any account). */
  key?: string | null;
  /** Accepted timestamp skew, ms (default 60 000 either way). */
  windowMs?: number;
  /** Check the length field (default true). */
  checkLength?: boolean;
  /** Receiver number and line in answers (default R0 / L0). */
  receiver?: string;
  line?: string;
  now?: () => number;
  /** Keep at most this many received frames (default 10 000). */
  keep?: number;
}

export class ArcSimulator extends EventEmitter {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly received: ArcReceived[] = [];
  private naksLeft = 0;
  private refusing = false;
  private silent = false;
  private boundPort = 0;
  private readonly now: () => number;
  counts = { frames: 0, acks: 0, naks: 0, duhs: 0, bad: 0, connections: 0 };

  constructor(private readonly o: ArcOptions = {}) {
    super();
    this.now = o.now ?? Date.now;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Listen (again, on the same port after an outage). */
  async listen(): Promise<number> {
    if (this.server) return this.boundPort;
    const server = createServer((s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort || this.o.port || 0, this.o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : 0;
    return this.boundPort;
  }

  /** Outage: stop listening and drop every connection (connects are refused until listen()). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accept connections and close them at once (a receiver that is up but refuses). */
  refuse(on = true): void {
    this.refusing = on;
    if (on) for (const s of this.sockets) s.destroy();
  }

  /** Read frames but never answer. */
  setSilent(on = true): void {
    this.silent = on;
  }

  /** NAK the next `n` frames. */
  nakStorm(n: number): void {
    this.naksLeft = Math.max(0, Math.floor(n));
  }

  async close(): Promise<void> {
    await this.down();
  }

  /** Decoded report frames (not NULL) that were ACKed, in arrival order. */
  acked(): Dc09Frame[] {
    return this.received
      .filter((r) => r.answer === 'ACK' && r.frame !== null && r.frame.token !== 'NULL')
      .map((r) => r.frame as Dc09Frame);
  }

  private onConnection(s: Socket): void {
    this.counts.connections++;
    if (this.refusing) {
      s.destroy();
      return;
    }
    this.sockets.add(s);
    const splitter = new FrameSplitter();
    s.on('data', (chunk: Buffer) => {
      for (const raw of splitter.push(chunk)) this.onFrame(s, raw);
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private onFrame(s: Socket, raw: string): void {
    this.counts.frames++;
    const d = decodeFrame(raw, { key: this.o.key ?? null, checkLength: this.o.checkLength !== false });
    let answer: ArcAnswer;
    let reason: string | null = null;
    let frame: Dc09Frame | null = null;
    if (!d.ok) {
      this.counts.bad++;
      reason = d.reason;
      // a frame the receiver cannot trust (CRC, length, key) is NAKed; one it cannot read, DUH
      answer = /^(crc|length|encrypted)/.test(d.reason) ? 'NAK' : 'DUH';
    } else {
      frame = d.value;
      reason = this.check(frame);
      answer = reason === null ? 'ACK' : reason.startsWith('timestamp') ? 'NAK' : 'DUH';
      if (answer === 'ACK' && this.naksLeft > 0) {
        this.naksLeft--;
        answer = 'NAK';
        reason = 'NAK storm';
      }
    }
    if (this.silent) answer = 'none';
    const rec: ArcReceived = { at: this.now(), raw, frame, reason, answer };
    this.received.push(rec);
    if (this.received.length > (this.o.keep ?? 10_000)) this.received.shift();
    if (answer === 'ACK') this.counts.acks++;
    if (answer === 'NAK') this.counts.naks++;
    if (answer === 'DUH') this.counts.duhs++;
    if (answer !== 'none') s.write(this.answerFrame(answer, frame), 'latin1');
    this.emit('frame', rec);
  }

  /** Timestamp within the window, data readable for its token. */
  private check(f: Dc09Frame): string | null {
    const win = this.o.windowMs ?? 60_000;
    if (f.token === 'ACK' || f.token === 'NAK' || f.token === 'DUH') return 'token: not a report';
    if (f.timestamp === null) return f.encrypted ? 'timestamp: missing' : null;
    if (Math.abs(f.timestamp - this.now()) > win) return 'timestamp: outside the window';
    if (f.token === 'SIA-DCS' && !parseSiaData(f.data).ok) return 'data: not SIA-DCS';
    if (f.token === 'ADM-CID' && !parseCidData(f.data).ok) return 'data: not Contact ID';
    return null;
  }

  private answerFrame(answer: 'ACK' | 'NAK' | 'DUH', f: Dc09Frame | null): string {
    const base = {
      receiver: this.o.receiver ?? 'R0',
      prefix: f?.prefix ?? this.o.line ?? 'L0',
      extended: [],
    };
    if (answer === 'NAK' || f === null) {
      // DC-09: a NAK carries sequence 0000, no account, and the receiver's time
      return encodeFrame({
        ...base,
        token: answer,
        encrypted: false,
        seq: answer === 'NAK' || f === null ? 0 : f.seq,
        account: null,
        data: '',
        timestamp: Math.floor(this.now() / 1000) * 1000,
      });
    }
    return encodeFrame(
      {
        ...base,
        token: answer,
        encrypted: f.encrypted,
        seq: f.seq,
        account: f.account,
        data: '',
        timestamp: f.encrypted ? Math.floor(this.now() / 1000) * 1000 : null,
      },
      { key: f.encrypted ? (this.o.key ?? null) : null },
    );
  }
}
