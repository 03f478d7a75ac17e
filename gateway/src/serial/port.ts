/**
 * One serial port of the site config: open it, split and decode its lines,
 * hand them to the ingest pipeline, and survive unplug/replug by reopening
 * with exponential backoff. Never throws into the gateway.
 */
import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import type { LineContext, LineDriver } from '../../../devices/codecs/line.js';
import type { SerialPortConfig } from '../config/schema.js';
import type { DeviceCommand, DeviceMessage } from '../model/event.js';
import type { IngestPort } from '../ports.js';
import { BoundedLineSplitter } from './line-splitter.js';
import type { SerialMetrics } from './metrics.js';
import { RecordBatcher } from './records-batch.js';

export type PortState = 'open' | 'opening' | 'down' | 'stopped';

export interface PortHealth {
  path: string;
  driver: string;
  state: PortState;
  lastError: string | null;
  lines: number;
  rejects: number;
  reopens: number;
  /** Bytes of a line received without its newline yet (dropped if the port is lost). */
  partialBytes: number;
  /** A reopen is waiting out its back-off. */
  reopenScheduled: boolean;
}

export interface SerialLineDeps {
  ingest: IngestPort;
  logger: Logger;
  metrics: SerialMetrics;
  nextSeq(device: string): number;
  reopenBaseMs: number;
  reopenMaxMs: number;
  /** How often an open port is asked for its settings, to notice a hang-up no read reports (default 1 s). */
  probeMs?: number;
  random?: () => number;
  now?: () => number;
}

/** Commands waiting for a port that is down; bounded, expired at their deadline. */
const MAX_PENDING_COMMANDS = 32;

export class SerialLine {
  private port: SerialPort | null = null;
  private state: PortState = 'opening';
  private lastError: string | null = null;
  private lines = 0;
  private rejects = 0;
  private reopens = 0;
  private attempts = 0;
  private everOpen = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private probe: NodeJS.Timeout | null = null;
  private pending: { device: string; command: DeviceCommand; line: string }[] = [];
  private readonly splitter: BoundedLineSplitter;
  private readonly ctx: LineContext;
  private readonly topic: string;
  private readonly log: Logger;
  private readonly batcher = new RecordBatcher((m) => this.accept(m));

  constructor(
    readonly config: SerialPortConfig,
    readonly driver: LineDriver,
    private readonly deps: SerialLineDeps,
  ) {
    this.topic = `serial:${config.path}`;
    this.log = deps.logger.child({ port: config.path });
    this.ctx = { allowedDevices: new Set(config.devices), nextSeq: (d) => deps.nextSeq(d) };
    this.splitter = new BoundedLineSplitter(driver.maxLineBytes, {
      line: (text) => this.onLine(text),
      overflow: () => {
        this.lines++;
        this.reportReject(
          this.driver.deviceHint('', this.ctx),
          `line too long (> ${driver.maxLineBytes} bytes)`,
        );
      },
    });
    deps.metrics.up.set({ port: config.path }, 0);
  }

  get path(): string {
    return this.config.path;
  }

  start(): void {
    this.open();
  }

  health(): PortHealth {
    return {
      path: this.config.path,
      driver: this.driver.name,
      state: this.state,
      lastError: this.lastError,
      lines: this.lines,
      rejects: this.rejects,
      reopens: this.reopens,
      partialBytes: this.splitter.pending,
      reopenScheduled: this.timer !== null,
    };
  }

  /** Write a command line for a device bound to this port; queued while the port is down. */
  send(device: string, command: DeviceCommand): boolean {
    const line = this.driver.encodeCommand(device, command);
    if (line === null) {
      this.log.warn(
        { device, command: command.kind, driver: this.driver.name },
        'driver cannot send this command',
      );
      return false;
    }
    if (this.state === 'open' && this.port) {
      this.write(this.port, device, line);
      return true;
    }
    this.pending.push({ device, command, line });
    if (this.pending.length > MAX_PENDING_COMMANDS) {
      const dropped = this.pending.shift();
      this.log.warn({ device: dropped?.device }, 'command queue full; oldest command dropped');
    }
    this.log.info({ device, state: this.state }, 'port not open; command queued until it reopens');
    return true;
  }

  async stop(): Promise<void> {
    this.batcher.flush();
    this.stopped = true;
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopProbe();
    const port = this.port;
    this.port = null;
    this.deps.metrics.up.set({ port: this.config.path }, 0);
    if (port) await closeQuietly(port);
  }

  private open(): void {
    if (this.stopped) return;
    this.timer = null;
    this.state = 'opening';
    this.splitter.reset();
    let port: SerialPort;
    try {
      port = new SerialPort({ path: this.config.path, baudRate: this.config.baudRate, autoOpen: false });
    } catch (err) {
      // bad settings for this platform: keep retrying slowly rather than crash the gateway
      this.state = 'down';
      this.lastError = err instanceof Error ? err.message : String(err);
      this.log.error({ err: this.lastError }, 'serial port cannot be created');
      this.timer = setTimeout(() => this.open(), this.deps.reopenMaxMs);
      return;
    }
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.splitter.push(chunk);
    });
    port.on('error', (err: Error) => this.down(port, err));
    port.on('close', (err: Error | null) => this.down(port, err ?? new Error('port closed')));
    port.open((err) => {
      if (this.port !== port || this.stopped) {
        if (!err) void closeQuietly(port);
        return;
      }
      if (err) {
        this.down(port, err);
        return;
      }
      this.state = 'open';
      this.lastError = null;
      this.attempts = 0;
      if (this.everOpen) {
        this.reopens++;
        this.deps.metrics.reopens.inc({ port: this.config.path });
      }
      this.everOpen = true;
      this.deps.metrics.up.set({ port: this.config.path }, 1);
      this.log.info(
        { driver: this.driver.name, baudRate: this.config.baudRate, devices: this.config.devices },
        this.reopens > 0 ? 'serial port reopened' : 'serial port open',
      );
      this.flushPending(port);
      this.startProbe(port);
    });
  }

  /**
   * On Linux a hung-up tty (adapter pulled, pty master closed) often reads
   * as endless EOF, which serialport retries silently instead of reporting
   * a disconnect. Any ioctl on a hung-up tty fails with EIO, so ask for the
   * baud rate now and then and treat a failure as the port being lost.
   */
  private startProbe(port: SerialPort): void {
    this.stopProbe();
    let inFlight = false;
    this.probe = setInterval(() => {
      const binding = port.port;
      if (inFlight || !binding || this.port !== port) return;
      inFlight = true;
      binding.getBaudRate().then(
        () => {
          inFlight = false;
        },
        (err: unknown) => {
          inFlight = false;
          const why = err instanceof Error ? err.message : String(err);
          this.down(port, new Error(`port stopped answering (${why})`));
        },
      );
    }, this.deps.probeMs ?? 1000);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  /** Error or close of the current port: drop the half line, back off, reopen. */
  private down(port: SerialPort, err: Error): void {
    if (this.port !== port || this.stopped) return;
    this.port = null;
    this.stopProbe();
    const wasOpen = this.state === 'open';
    this.state = 'down';
    this.lastError = err.message;
    this.deps.metrics.up.set({ port: this.config.path }, 0);
    const dropped = this.splitter.reset();
    port.removeAllListeners();
    port.on('error', () => {}); // a late error from the dead handle must not crash the process
    if (port.isOpen) void closeQuietly(port);
    const delay = this.backoff();
    const fields = { err: err.message, retryMs: delay, attempt: this.attempts, droppedBytes: dropped };
    if (wasOpen) this.log.warn(fields, 'serial port lost; half line dropped, reopening');
    else if (this.attempts <= 1) this.log.warn(fields, 'serial port cannot be opened; retrying');
    else this.log.debug(fields, 'serial port still unavailable');
    this.timer = setTimeout(() => this.open(), delay);
  }

  /** Exponential backoff with jitter: base·2^n capped at max, then 50–100 % of that. */
  private backoff(): number {
    const random = this.deps.random ?? Math.random;
    const ceiling = Math.min(
      this.deps.reopenMaxMs,
      this.deps.reopenBaseMs * 2 ** Math.min(this.attempts, 30),
    );
    this.attempts++;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  private onLine(text: string): void {
    this.lines++;
    const decoded = this.driver.decode(text, this.ctx);
    if (!decoded.ok) {
      this.reportReject(this.driver.deviceHint(text, this.ctx), decoded.reason);
      return;
    }
    this.batcher.push(decoded.value);
  }

  /** One decoded message (a dock's REC lines gathered: records-batch.ts) into the pipeline. */
  private accept(message: DeviceMessage): void {
    const labels = { port: this.config.path };
    this.deps.ingest
      .accept(message, { transport: 'serial', topic: this.topic, port: this.config.path, qos: 0 })
      .then(
        (result) => {
          if (result.status === 'rejected') this.rejects++;
          this.deps.metrics.lines.inc({ ...labels, result: result.status });
        },
        (err: unknown) => {
          this.deps.metrics.lines.inc({ ...labels, result: 'error' });
          this.log.error({ err, device: message.device }, 'serial event not journaled (QoS 0: lost)');
        },
      );
  }

  private reportReject(device: string | null, reason: string): void {
    this.rejects++;
    this.deps.metrics.lines.inc({ port: this.config.path, result: 'rejected' });
    this.deps.ingest.reject(this.topic, device, reason, 'serial');
  }

  private flushPending(port: SerialPort): void {
    const now = (this.deps.now ?? Date.now)();
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) {
      if (p.command.deadline <= now) {
        this.log.info(
          { device: p.device, call: p.command.call },
          'queued command expired before the port reopened',
        );
        continue;
      }
      this.write(port, p.device, p.line);
    }
  }

  private write(port: SerialPort, device: string, line: string): void {
    port.write(Buffer.from(line, 'latin1'), (err) => {
      if (err) this.log.warn({ err: err.message, device }, 'command write failed');
      else this.log.info({ device, line: line.trimEnd() }, 'command sent');
    });
  }
}

function closeQuietly(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    port.close(() => resolve());
  });
}
