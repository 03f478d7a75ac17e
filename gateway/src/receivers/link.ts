/**
 * One TCP connection to an alarm receiving centre, stop-and-wait: one frame
 * out, then its answer (`ACK`/`NAK`/`DUH` with that sequence, or a `NAK`
 * 0000 as receivers send when they refuse a frame's time) or the ack
 * timeout. Connects on demand; any socket error, a hostile stream (more
 * garbage than a frame's worth between answers, oversize answers) or stop()
 * destroys the socket and the next exchange reconnects. The read side is a
 * bounded FrameSplitter: whatever the receiver sends, memory stays below
 * one frame's worth.
 */
import { connect, type Socket } from 'node:net';
import { FrameSplitter, MAX_FRAME_CHARS, recogniseAnswer } from '../../../devices/codecs/dc09/index.js';

export type Outcome = 'ACK' | 'NAK' | 'DUH' | 'timeout';

export interface LinkOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

export interface LinkStats {
  connected: boolean;
  garbageBytes: number;
  oversizeAnswers: number;
  strayAnswers: number;
}

/** More junk than this between two answers closes the connection. */
const MAX_GARBAGE = 4 * MAX_FRAME_CHARS;

interface Waiting {
  seq: number;
  resolve: (o: Outcome) => void;
}

export class ReceiverLink {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private splitter = new FrameSplitter();
  private waiting: Waiting | null = null;
  private garbageSinceAnswer = 0;
  private readonly stats = { garbageBytes: 0, oversizeAnswers: 0, strayAnswers: 0 };
  private closed = false;
  /** Serialises exchanges (reports and NULL supervision share the link). */
  private queue: Promise<unknown> = Promise.resolve();
  private busyCount = 0;

  constructor(
    private readonly o: LinkOptions,
    private readonly onError: (err: Error) => void,
  ) {}

  get busy(): boolean {
    return this.busyCount > 0;
  }

  status(): LinkStats {
    return { connected: this.socket !== null, ...this.stats };
  }

  /**
   * Send `frame` (sequence `seq`) and wait for its answer. Rejects when the
   * connection cannot be made or breaks; resolves 'timeout' after `timeoutMs`.
   */
  exchange(frame: string, seq: number, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    this.busyCount++;
    const run = this.queue.then(() => this.exchangeNow(frame, seq, timeoutMs, signal));
    this.queue = run.catch(() => undefined);
    return run.finally(() => {
      this.busyCount--;
    });
  }

  close(): void {
    this.closed = true;
    this.drop(new Error('receiver link closed'));
  }

  private async exchangeNow(
    frame: string,
    seq: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Outcome> {
    if (this.closed || signal?.aborted) throw new Error('receiver link closed');
    const socket = await this.connected();
    return new Promise<Outcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (o: Outcome | Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiting === waiting) this.waiting = null;
        socket.off('close', onClose);
        if (o instanceof Error) reject(o);
        else resolve(o);
      };
      const onClose = (): void => done(new Error('connection closed before the answer'));
      const onAbort = (): void => done(new Error('stopped'));
      const waiting: Waiting = { seq, resolve: (o) => done(o) };
      this.waiting = waiting;
      socket.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => done('timeout'), timeoutMs);
      socket.write(frame, 'latin1');
    });
  }

  private connected(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.o.host, port: this.o.port });
      s.setNoDelay(true);
      s.setKeepAlive(true, 30_000);
      const timer = setTimeout(() => {
        s.destroy(new Error(`connect timeout after ${this.o.connectTimeoutMs} ms`));
      }, this.o.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        this.splitter = new FrameSplitter();
        this.garbageSinceAnswer = 0;
        this.socket = s;
        resolve(s);
      });
      s.on('data', (chunk: Buffer) => this.onData(s, chunk));
      s.on('error', (err) => {
        clearTimeout(timer);
        if (this.socket === s) this.onError(err);
        reject(err);
      });
      s.on('close', () => {
        clearTimeout(timer);
        if (this.socket === s) this.socket = null;
        reject(new Error('connection closed'));
      });
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private onData(s: Socket, chunk: Buffer): void {
    if (this.socket !== s) return;
    const before = this.splitter.garbage;
    const oversizeBefore = this.splitter.oversize;
    const frames = this.splitter.push(chunk);
    const junk = this.splitter.garbage - before;
    this.stats.garbageBytes += junk;
    this.garbageSinceAnswer += junk + (this.splitter.oversize - oversizeBefore) * MAX_FRAME_CHARS;
    this.stats.oversizeAnswers += this.splitter.oversize - oversizeBefore;
    for (const f of frames) {
      const answer = recogniseAnswer(f);
      const w = this.waiting;
      if (answer && w && (answer.seq === w.seq || (answer.token === 'NAK' && answer.seq === 0))) {
        this.garbageSinceAnswer = 0;
        w.resolve(answer.token);
      } else {
        // answers to nothing we sent count as junk too: a flood of them closes the link
        this.stats.strayAnswers++;
        this.garbageSinceAnswer += f.length;
      }
    }
    if (this.garbageSinceAnswer > MAX_GARBAGE) {
      this.drop(new Error('receiver sent garbage: connection closed'));
    }
  }

  private drop(err: Error): void {
    const s = this.socket;
    this.socket = null;
    if (s) {
      this.onError(err);
      s.destroy();
    }
  }
}
