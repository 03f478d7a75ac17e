/**
 * One alarm receiving centre: follows the journal with its own durable
 * cursor (`arc:<id>`, journal/follower.ts) and reports alert changes in
 * journal order, one at a time, each retried until the receiver ACKs it (the
 * cursor moves past a report only then, so a restart resends only what was
 * not ACKed). A timeout resends the same frame (same sequence), a NAK a
 * fresh one (new timestamp), both after the follower's back-off. Idle links
 * are supervised with NULL frames; 3 intervals without any ACK raise a
 * `custom` warning (through the journal, like an operator notice).
 */
import type { Logger } from 'pino';
import { cidData, encodeFrame, siaData } from '../../../devices/codecs/dc09/index.js';
import type { Site } from '../config/site.js';
import { JournalFollower } from '../journal/follower.js';
import type { Journal } from '../journal/journal.js';
import type { JournalEntry } from '../journal/types.js';
import type { BackoffOptions } from '../runtime/backoff.js';
import { type ReceiverConfig, resolveReceiver } from './config.js';
import { ReceiverLink } from './link.js';
import { type Report, reportCodes, reportOf } from './mapping.js';

export interface WorkerDeps {
  journal: Journal;
  site: () => Site;
  onCommitted(listener: () => void): () => void;
  logger: Logger;
  /** Raise the "receiver not answering" warning (ingest.operate). */
  raiseWarning(receiverId: string, intervals: number): Promise<void>;
  now?: () => number;
  /** Reconnect / retry back-off (default 250 ms to 5 s). */
  backoff?: BackoffOptions;
}

export interface ReceiverHealth extends Record<string, unknown> {
  id: string;
  state: 'up' | 'down' | 'unknown';
  connected: boolean;
  backlog: { entries: number; oldestAgeMs: number };
  lastError: string | null;
  lastAckAt: string | null;
  missedSupervision: number;
  warned: boolean;
  reported: number;
  naks: number;
  duhs: number;
  timeouts: number;
  garbageBytes: number;
}

export interface WorkerCounters {
  frame(receiver: string, type: 'report' | 'null', answer: 'ack' | 'nak' | 'duh' | 'timeout' | 'error'): void;
}

interface Batch {
  entries: JournalEntry[];
  report: Report | null;
}

interface Attempt {
  /** The journal seq of the report's entry. */
  entry: number;
  seq: number;
  frame: string | null;
  duhs: number;
}

/** A receiver that does not understand a frame (DUH) three times will not understand it later. */
const MAX_DUH = 3;
const MISSED_FOR_WARNING = 3;
const ANSWER_LABEL = { ACK: 'ack', NAK: 'nak', DUH: 'duh', timeout: 'timeout' } as const;

export const cursorName = (id: string): string => `arc:${id}`;
const seqMeta = (id: string): string => `arc:${id}:seq`;

export class ReceiverWorker {
  readonly id: string;
  private readonly cfg: ReturnType<typeof resolveReceiver>;
  private readonly link: ReceiverLink;
  private readonly follower: JournalFollower<Batch>;
  private readonly log: Logger;
  private readonly now: () => number;
  private seq: number;
  private pending: Attempt | null = null;
  private lastAckAt: number | null = null;
  private lastTrafficOk: number;
  private missed = 0;
  private warned = false;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly n = { reported: 0, naks: 0, duhs: 0, timeouts: 0 };

  constructor(
    config: ReceiverConfig,
    private readonly deps: WorkerDeps,
    private readonly counters: WorkerCounters,
  ) {
    this.cfg = resolveReceiver(config);
    this.id = this.cfg.id;
    this.log = deps.logger.child({ receiver: this.id });
    this.now = deps.now ?? Date.now;
    this.lastTrafficOk = this.now();
    const stored = Number(deps.journal.getMeta(seqMeta(this.id)) ?? 0);
    this.seq = Number.isInteger(stored) && stored > 0 && stored <= 9999 ? stored : 0;
    this.link = new ReceiverLink(
      { host: this.cfg.host, port: this.cfg.port, connectTimeoutMs: Math.max(1000, this.cfg.ackTimeoutMs) },
      (err) => this.noteError(err.message),
    );
    this.follower = new JournalFollower<Batch>({
      journal: deps.journal,
      cursor: cursorName(this.id),
      onCommitted: deps.onCommitted,
      batchSize: 200,
      backoff: deps.backoff ?? { baseMs: 250, maxMs: 5000 },
      stopTimeoutMs: 1000,
      read: (cursor, limit) => this.read(cursor, limit),
      deliver: (batch, ctx) => this.deliver(batch, ctx.signal),
      onError: (err) => this.noteError(err instanceof Error ? err.message : String(err)),
      onGap: (gap) => {
        if (gap.hadCursor)
          this.log.error(
            { missing: gap.missing, first: gap.first },
            'journal retention deleted entries before they were reported to the receiver',
          );
      },
    });
  }

  start(): void {
    this.stopped = false;
    this.lastTrafficOk = this.now();
    this.follower.start();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const stopping = this.follower.stop();
    this.link.close();
    await stopping;
  }

  drained(seq?: number, timeoutMs?: number): Promise<boolean> {
    return this.follower.drained(seq, timeoutMs);
  }

  health(): ReceiverHealth {
    const st = this.follower.status();
    const link = this.link.status();
    const up = this.missed === 0 && this.lastError === null;
    return {
      id: this.id,
      state: this.lastAckAt === null && up ? 'unknown' : up ? 'up' : 'down',
      connected: link.connected,
      backlog: st.backlog,
      lastError: this.lastError ?? st.lastError,
      lastAckAt: this.lastAckAt === null ? null : new Date(this.lastAckAt).toISOString(),
      missedSupervision: this.missed,
      warned: this.warned,
      ...this.n,
      garbageBytes: link.garbageBytes,
    };
  }

  // ------------------------------------------------------------ reports

  /** Entries after the cursor up to and including the next one to report. */
  private read(cursor: number, limit: number): Batch | null {
    const entries = this.deps.journal.readAfter(cursor, limit);
    if (entries.length === 0) return null;
    const site = this.deps.site();
    for (let i = 0; i < entries.length; i++) {
      const report = reportOf((entries[i] as JournalEntry).body, site, {
        receiverId: this.id,
        kinds: this.cfg.kinds,
      });
      if (report) return { entries: entries.slice(0, i + 1), report };
    }
    return { entries, report: null };
  }

  private async deliver(batch: Batch, signal: AbortSignal): Promise<{ commit(): void } | undefined> {
    const report = batch.report;
    if (!report) return undefined;
    const entry = (batch.entries[batch.entries.length - 1] as JournalEntry).seq;
    const attempt: Attempt =
      this.pending?.entry === entry ? this.pending : { entry, seq: this.nextSeq(), frame: null, duhs: 0 };
    this.pending = attempt;
    // a NAK asks for a fresh timestamp; a timeout resends the same frame
    attempt.frame ??= this.reportFrame(report, attempt.seq);
    let outcome: Awaited<ReturnType<ReceiverLink['exchange']>>;
    try {
      outcome = await this.link.exchange(attempt.frame, attempt.seq, this.cfg.ackTimeoutMs, signal);
    } catch (err) {
      // not sent (no connection) or cut off: the next attempt carries a fresh timestamp, same sequence
      attempt.frame = null;
      this.counters.frame(this.id, 'report', 'error');
      throw err;
    }
    switch (outcome) {
      case 'ACK': {
        this.counters.frame(this.id, 'report', 'ack');
        this.noteAck();
        this.pending = null;
        this.n.reported++;
        // the batch ended at this report, not at the journal's end: read on at once
        this.follower.poke();
        const seq = attempt.seq;
        return { commit: () => this.deps.journal.setMeta(seqMeta(this.id), String(seq)) };
      }
      case 'timeout':
        this.counters.frame(this.id, 'report', 'timeout');
        this.n.timeouts++;
        throw new Error(`no answer within ${this.cfg.ackTimeoutMs} ms (seq ${attempt.seq}); resending`);
      case 'NAK':
        this.counters.frame(this.id, 'report', 'nak');
        this.n.naks++;
        attempt.frame = null;
        this.log.warn(
          { seq: attempt.seq, alert: report.alertId },
          'receiver NAKed a report; resending with a fresh timestamp',
        );
        throw new Error(`NAK for seq ${attempt.seq}`);
      case 'DUH': {
        this.counters.frame(this.id, 'report', 'duh');
        this.n.duhs++;
        attempt.duhs++;
        attempt.frame = null;
        if (attempt.duhs < MAX_DUH) throw new Error(`DUH for seq ${attempt.seq}`);
        this.log.error(
          { seq: attempt.seq, alert: report.alertId, kind: report.kind, event: report.event },
          'receiver does not understand this report (DUH 3 times): skipped',
        );
        this.pending = null;
        return undefined;
      }
    }
  }

  private nextSeq(): number {
    this.seq = this.seq >= 9999 ? 1 : this.seq + 1;
    return this.seq;
  }

  private reportFrame(r: Report, seq: number): string {
    const c = this.cfg;
    const codes = reportCodes(r, c.format);
    const zone = Math.min(Math.max(r.zone, 0), 999);
    const data =
      'sia' in codes
        ? siaData({ account: c.account, zone, code: codes.sia })
        : cidData({ account: c.account, qualifier: codes.qualifier, event: codes.event, partition: 1, zone });
    return this.frame(c.format, seq, data);
  }

  private frame(token: 'SIA-DCS' | 'ADM-CID' | 'NULL', seq: number, data: string): string {
    const c = this.cfg;
    return encodeFrame(
      {
        token,
        encrypted: c.key !== null,
        seq,
        receiver: c.receiver,
        prefix: c.prefix,
        account: c.account,
        data,
        extended: [],
        timestamp: Math.floor(this.now() / 1000) * 1000,
      },
      { key: c.key },
    );
  }

  // --------------------------------------------------------- supervision

  private schedule(): void {
    if (this.stopped || this.cfg.supervisionMs <= 0) return;
    const due = Math.max(10, this.lastTrafficOk + this.cfg.supervisionMs * (this.missed + 1) - this.now());
    this.timer = setTimeout(() => void this.supervise(), due);
    this.timer.unref?.();
  }

  /**
   * One supervision interval ended. Traffic ACKed within it: nothing to do.
   * Otherwise a NULL (when no report is in flight); no ACK within the
   * interval counts as missed, and the third raises the warning once.
   */
  private async supervise(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    const interval = this.cfg.supervisionMs;
    if (this.missed === 0 && this.now() - this.lastTrafficOk < interval) {
      this.schedule();
      return;
    }
    // a report in flight past the interval has had no ACK in it
    const ok = this.link.busy ? false : await this.sendNull(Math.min(this.cfg.ackTimeoutMs, interval));
    if (this.stopped) return;
    if (ok) {
      this.noteAck();
      this.follower.poke();
    } else {
      this.missed++;
      if (this.missed >= MISSED_FOR_WARNING && !this.warned) {
        this.warned = true;
        this.log.warn({ missed: this.missed }, 'receiver has not answered for 3 supervision intervals');
        this.deps.raiseWarning(this.id, this.missed).catch((err: unknown) => {
          this.log.error({ err }, 'could not raise the receiver warning');
        });
      }
    }
    this.schedule();
  }

  private async sendNull(timeoutMs: number): Promise<boolean> {
    const seq = this.nextSeq();
    try {
      const outcome = await this.link.exchange(this.frame('NULL', seq, ''), seq, timeoutMs);
      this.counters.frame(this.id, 'null', ANSWER_LABEL[outcome]);
      return outcome === 'ACK';
    } catch (err) {
      this.counters.frame(this.id, 'null', 'error');
      this.noteError(err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  private noteAck(): void {
    const now = this.now();
    if (this.warned) this.log.info('receiver answers again');
    this.lastAckAt = now;
    this.lastTrafficOk = now;
    this.missed = 0;
    this.warned = false;
    this.lastError = null;
  }

  private noteError(message: string): string {
    if (this.lastError !== message) this.log.warn({ error: message }, 'receiver link problem');
    this.lastError = message;
    return message;
  }
}
