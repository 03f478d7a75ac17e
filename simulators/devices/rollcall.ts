/**
 * A roll-call terminal: shows the gateway's roll call (cmd/rollcall over
 * MQTT, RCSTART on a serial line) and answers with the configured guard
 * cards, one after another, as guards walk up and tap.
 */
import type { DeviceCommand, DeviceMessage } from '../../gateway/src/model/event.js';
import type { DeviceLink } from '../link.js';
import { DeviceSim, type DeviceSimOptions, type LinkOptions, openLink } from './base.js';

export interface RollcallAnswer {
  uid: string;
  /** Milliseconds after the command arrived. */
  afterMs: number;
}

export interface RollcallTerminalOptions extends DeviceSimOptions {
  /** Guard cards that answer every roll call (default none). */
  cards?: string[];
  /** Delay before the first card (default 500 ms). */
  delayMs?: number;
  /** Gap between cards (default 200 ms). */
  gapMs?: number;
  /** Full control: which cards answer a given call, and when (overrides cards/delay/gap). */
  answers?: (command: DeviceCommand) => RollcallAnswer[];
}

export interface RollcallRecord {
  command: DeviceCommand;
  receivedAt: number;
  answered: string[];
  errors: string[];
}

export class RollcallTerminalSim extends DeviceSim {
  cards: string[];
  readonly calls: RollcallRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private listeners: ((r: RollcallRecord) => void)[] = [];

  static async open(link: LinkOptions, opts: RollcallTerminalOptions = {}): Promise<RollcallTerminalSim> {
    const withCommands = link.via === 'mqtt' ? { ...link, commands: true } : link;
    return new RollcallTerminalSim(await openLink(withCommands), opts);
  }

  constructor(
    link: DeviceLink,
    private readonly opts: RollcallTerminalOptions = {},
  ) {
    super(link, opts);
    this.cards = [...(opts.cards ?? [])];
    link.onCommand((command) => this.onCommand(command));
  }

  /** Called for every roll call received (before any answer). */
  onCall(listener: (r: RollcallRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the first roll call received from now on. */
  nextCall(timeoutMs = 10_000): Promise<RollcallRecord> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${this.id}: no roll call within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const l = (r: RollcallRecord): void => {
        clearTimeout(t);
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(r);
      };
      this.listeners.push(l);
    });
  }

  /** Answer one card now (a guard tapping on the terminal). */
  answer(call: string, uid: string): Promise<DeviceMessage> {
    return this.emit({ kind: 'rollcall', device: this.id, call, uid, seq: this.nextSeq(), ts: this.ts() });
  }

  private onCommand(command: DeviceCommand): void {
    const record: RollcallRecord = { command, receivedAt: Date.now(), answered: [], errors: [] };
    this.calls.push(record);
    for (const l of [...this.listeners]) l(record);
    const delay = this.opts.delayMs ?? 500;
    const gap = this.opts.gapMs ?? 200;
    const plan = this.opts.answers
      ? this.opts.answers(command)
      : this.cards.map((uid, i) => ({ uid, afterMs: delay + i * gap }));
    for (const a of plan) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.answer(command.call, a.uid).then(
          () => record.answered.push(a.uid),
          (err: unknown) => record.errors.push(err instanceof Error ? err.message : String(err)),
        );
      }, a.afterMs);
      this.timers.add(t);
    }
  }

  override close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return super.close();
  }

  override drop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return super.drop();
  }
}
