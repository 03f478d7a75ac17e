/**
 * A ZKTeco-style push attendance terminal (docs/zkpush.md, docs/simulators.md):
 * the handshake (`GET /iclock/cdata?options=all`), ATTLOG uploads in the
 * terminal's local time, polling `getrequest` for commands and posting their
 * results to `devicecmd`. A roll call arrives as a screen message; the
 * configured PINs then punch, one after another, as guards walk up.
 */
import { epochToLocal } from '../../gateway/src/zkpush/attlog.js';

export interface ZkTerminalOptions {
  /** The gateway's HTTP base, e.g. http://127.0.0.1:8080 */
  url: string;
  sn: string;
  /** The site's time zone: the terminal's clock shows local time. */
  zone: string;
  /** PINs that punch when a roll call message appears (default none). */
  pins?: string[];
  /** Delay before the first punch after a message (default 300 ms), gap between punches (default 100 ms). */
  delayMs?: number;
  gapMs?: number;
  /** Poll interval (default: the handshake's Delay, in seconds). */
  pollMs?: number;
  /** The terminal clock's error, ms (positive: ahead). */
  clockOffsetMs?: number;
}

export interface ZkMessage {
  id: number;
  text: string;
  receivedAt: number;
}

export interface ZkAnswer {
  status: number;
  text: string;
}

const COMMAND = /^C:(\d+):(.*)$/;

export class ZkTerminalSim {
  readonly messages: ZkMessage[] = [];
  readonly uploads: ZkAnswer[] = [];
  options: Record<string, string> = {};
  private timer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private listeners: ((m: ZkMessage) => void)[] = [];
  private stamp = 0;
  private stopped = false;

  constructor(readonly o: ZkTerminalOptions) {}

  private endpoint(path: string, query: Record<string, string> = {}): string {
    const q = new URLSearchParams({ SN: this.o.sn, ...query });
    return `${this.o.url.replace(/\/$/, '')}/iclock/${path}?${q}`;
  }

  private async call(path: string, query: Record<string, string>, body?: string): Promise<ZkAnswer> {
    const res = await fetch(this.endpoint(path, query), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'user-agent': 'iClock Proxy/1.09', 'content-type': 'text/plain' },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, text: await res.text() };
  }

  /** The terminal's clock now, as it writes it. */
  localNow(): string {
    return epochToLocal(Date.now() + (this.o.clockOffsetMs ?? 0), this.o.zone);
  }

  /** Register: the option block, parsed (`GET OPTION FROM` included as `from`). */
  async handshake(): Promise<ZkAnswer> {
    const a = await this.call('cdata', { options: 'all', pushver: '2.4.1', language: '83' });
    if (a.status === 200) {
      this.options = {};
      for (const line of a.text.split(/\r?\n/)) {
        const from = /^GET OPTION FROM:\s*(.*)$/.exec(line);
        if (from) this.options.from = from[1] ?? '';
        const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
        if (kv?.[1]) this.options[kv[1]] = kv[2] ?? '';
      }
    }
    return a;
  }

  /** Upload ATTLOG lines as they are (tests send malformed ones too). */
  async upload(lines: string[] | string): Promise<ZkAnswer> {
    const body = typeof lines === 'string' ? lines : `${lines.join('\n')}\n`;
    this.stamp++;
    const a = await this.call('cdata', { table: 'ATTLOG', Stamp: String(this.stamp) }, body);
    this.uploads.push(a);
    return a;
  }

  /** One punch now (or at a given local time): `PIN, time, status 0 (check in), verify 1 (fingerprint)`. */
  punch(pin: string, local = this.localNow()): Promise<ZkAnswer> {
    return this.upload([`${pin}\t${local}\t0\t1\t0\t0\t0\t0\t0\t0`]);
  }

  /** One poll: runs the commands it got (a message schedules the punches), reports their results. */
  async poll(): Promise<string[]> {
    const a = await this.call('getrequest', { INFO: 'Ver 6.60 sim,3,0,10,127.0.0.1,10,12,12,0,111' });
    if (a.status !== 200 || a.text.trim() === 'OK') return [];
    const results: string[] = [];
    const commands: string[] = [];
    for (const line of a.text.split(/\r?\n/)) {
      const m = COMMAND.exec(line.trim());
      if (!m?.[1]) continue;
      const id = Number(m[1]);
      const cmd = m[2] ?? '';
      commands.push(cmd);
      const sms = cmd.startsWith('DATA UPDATE SMS ');
      if (sms) this.received({ id, text: /MSG=([^\t]*)/.exec(cmd)?.[1] ?? '', receivedAt: Date.now() });
      // -1002: what terminals answer for a command they do not know
      results.push(`ID=${id}&Return=${sms ? 0 : -1002}&CMD=${cmd.split(' ')[0] ?? ''}`);
    }
    if (results.length > 0) await this.call('devicecmd', {}, `${results.join('\n')}\n`);
    return commands;
  }

  /** Poll on a timer until stop(). */
  start(): void {
    const every = this.o.pollMs ?? Number(this.options.Delay ?? 10) * 1000;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        if (this.stopped) return;
        this.poll().then(tick, tick);
      }, every);
    };
    tick();
  }

  /** Resolves with the next screen message from now on. */
  nextMessage(timeoutMs = 10_000): Promise<ZkMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no message on ${this.o.sn} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const l = (m: ZkMessage): void => {
        clearTimeout(t);
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  /** Called for every screen message (before its punches). */
  onMessage(listener: (m: ZkMessage) => void): void {
    this.listeners.push(listener);
  }

  private received(m: ZkMessage): void {
    this.messages.push(m);
    for (const l of [...this.listeners]) l(m);
    (this.o.pins ?? []).forEach((pin, i) => {
      const t = setTimeout(
        () => {
          this.timers.delete(t);
          if (!this.stopped) void this.punch(pin).catch(() => undefined);
        },
        (this.o.delayMs ?? 300) + i * (this.o.gapMs ?? 100),
      );
      this.timers.add(t);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
