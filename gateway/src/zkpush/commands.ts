/**
 * Commands for push terminals: a small queue per terminal that `getrequest`
 * drains (`C:<id>:<command>` lines), and the results terminals post back to
 * `devicecmd` (`ID=…&Return=…&CMD=…`). A roll call becomes a public short
 * message (`DATA UPDATE SMS … TAG=253`) shown on the terminal's screen for
 * the window: terminals have no roll-call command (docs/zkpush.md). Pure
 * apart from the clock passed in.
 */
import type { DeviceCommand } from '../model/event.js';
import { epochToLocal } from './attlog.js';

export interface QueuedCommand {
  id: number;
  text: string;
  /** Not handed out after this (a roll call message after its window is noise). */
  expiresAt: number;
  sentAt: number | null;
}

export interface CommandResult {
  id: number;
  /** 0: done; negative: the terminal's error code (e.g. an unsupported command). */
  code: number;
  cmd: string;
  at: number;
}

/** Pending commands per terminal: beyond this the oldest is dropped. */
export const MAX_QUEUED = 16;
/** Commands handed out per poll. */
export const MAX_PER_POLL = 4;

/** Tab, newline and "=" separate fields in a command: keep them out of message text. */
const clean = (s: string): string => s.replace(/[\t\r\n=]/g, ' ').slice(0, 120);

/** The roll call as a public message for the window; `uid` names it on the terminal. */
export function rollcallMessage(cmd: DeviceCommand, uid: number, startedAt: number, zone: string): string {
  const minutes = Math.max(1, Math.ceil((cmd.deadline - startedAt) / 60_000));
  const until = epochToLocal(cmd.deadline, zone).slice(11, 16);
  const msg = clean(`ROLL CALL ${cmd.call}: punch in before ${until}`);
  return `DATA UPDATE SMS MSG=${msg}\tTAG=253\tUID=${uid}\tMIN=${minutes}\tStartTime=${epochToLocal(startedAt, zone)}`;
}

export class CommandQueue {
  private readonly queue: QueuedCommand[] = [];
  private readonly results: CommandResult[] = [];

  /** `nextId`: command ids, shared by every terminal's queue. */
  constructor(private readonly nextId: () => number) {}

  /** `text` gets the command's id (a message's UID on the terminal). */
  push(text: (id: number) => string, expiresAt: number): QueuedCommand {
    const id = this.nextId();
    const c: QueuedCommand = { id, text: text(id), expiresAt, sentAt: null };
    this.queue.push(c);
    if (this.queue.length > MAX_QUEUED) this.queue.shift();
    return c;
  }

  /** The `getrequest` answer: unsent, unexpired commands (at most MAX_PER_POLL), or "OK". */
  take(now: number): string {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const c = this.queue[i] as QueuedCommand;
      if (c.expiresAt <= now || (c.sentAt !== null && now - c.sentAt > 3_600_000)) this.queue.splice(i, 1);
    }
    const due = this.queue.filter((c) => c.sentAt === null).slice(0, MAX_PER_POLL);
    if (due.length === 0) return 'OK';
    for (const c of due) c.sentAt = now;
    return due.map((c) => `C:${c.id}:${c.text}`).join('\n');
  }

  /** Results posted to devicecmd; lines that are no result are skipped. Returns the ones for our commands. */
  settle(body: string, now: number): CommandResult[] {
    const out: CommandResult[] = [];
    for (const line of body.split(/\r?\n/).slice(0, 64)) {
      const q = new URLSearchParams(line.trim());
      const id = Number(q.get('ID'));
      const code = Number(q.get('Return'));
      if (!Number.isSafeInteger(id) || !Number.isFinite(code)) continue;
      const i = this.queue.findIndex((c) => c.id === id);
      if (i < 0) continue;
      this.queue.splice(i, 1);
      const r: CommandResult = { id, code, cmd: (q.get('CMD') ?? '').slice(0, 40), at: now };
      out.push(r);
      this.results.push(r);
      if (this.results.length > 8) this.results.shift();
    }
    return out;
  }

  get pending(): number {
    return this.queue.length;
  }

  get lastResults(): readonly CommandResult[] {
    return this.results;
  }
}
