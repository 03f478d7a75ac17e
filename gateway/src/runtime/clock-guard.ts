/**
 * Clock faults at run time (docs/operators.md "Clock faults"): watches the
 * wall clock against the engines' monotonic clock, journals each step as a
 * `clock` op (engines shift their deadlines by its delta) before re-anchoring
 * engine time, keeps the retention trust state (clock-trust.ts) in journal
 * meta, and runs retention only when the clock is trusted.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Journal, PruneResult } from '../journal/journal.js';
import { retentionPolicy } from '../journal/retention.js';
import type { JournalEntry, OpInput } from '../journal/types.js';
import type { ClockStep, EngineClock } from './clock.js';
import { ClockTrust } from './clock-trust.js';

const META_KEY = 'clock.unproven';
const DAY_MS = 86_400_000;
/** Seqs one raw-retention transaction walks (~10 ms on a busy 2-core box), before the next turn. */
const RAW_CHUNK = 2_000;

export interface ClockGuardOptions {
  clock: EngineClock;
  journal: Journal;
  logger: Logger;
  registry: Registry;
  /** Journals an op through the group commit (Pipeline.operate). */
  operate: (input: OpInput) => Promise<void>;
  /** Re-arms the engines' timer after engine time moved (Pipeline.startTimers). */
  rearm: () => void;
  /** Engine time for the retention cutoff (default: clock.now). */
  now?: () => number;
  /** Heartbeats and status changes (gateway.journal.retention). */
  retentionMs: number;
  /** Patrol, alarm and roll-call records (gateway.journal.recordRetention; default 90 days, at least retentionMs). */
  recordRetentionMs?: number;
  thresholdMs: number;
  stableMs: number;
  maxGapMs: number;
  checkEveryMs?: number;
}

export interface ClockHealth {
  offsetMs: number;
  trusted: boolean;
  steps: number;
  lastStep: { at: string; deltaMs: number } | null;
  unproven: { reason: string; since: string; provenInS: number | null } | null;
}

export class ClockGuard {
  private readonly trust: ClockTrust;
  private readonly startSeq: number;
  private readonly startMono: number;
  private persisted: string;
  private pending = false;
  /** Delta of a step whose record failed to commit (retried on the next check). */
  private failed: number | null = null;
  private steps = 0;
  private lastStep: ClockHealth['lastStep'] = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly stepCounter: Counter;

  constructor(private readonly o: ClockGuardOptions) {
    this.startSeq = o.journal.lastSeq();
    this.startMono = o.clock.mono();
    this.persisted = o.journal.getMeta(META_KEY) ?? '';
    this.trust = new ClockTrust(
      { stableMs: o.stableMs, maxGapMs: o.maxGapMs, thresholdMs: o.thresholdMs },
      this.persisted,
      this.startMono,
    );
    this.stepCounter = new Counter({
      name: 'guardpost_clock_steps_total',
      help: 'Wall-clock steps seen (difference to the monotonic engine clock beyond gateway.clock.stepThreshold)',
      registers: [o.registry],
    });
    const trust = this.trust;
    new Gauge({
      name: 'guardpost_clock_offset_seconds',
      help: 'Wall clock minus engine clock, seconds',
      registers: [o.registry],
      collect() {
        this.set(o.clock.offsetMs() / 1000);
      },
    });
    new Gauge({
      name: 'guardpost_clock_trusted',
      help: '1 when retention trusts the clock, 0 while it is unproven (retention paused)',
      registers: [o.registry],
      collect() {
        this.set(trust.trusted(o.clock.mono()) ? 1 : 0);
      },
    });
  }

  /** Start-up check against the journal (before this run journals anything), then the periodic check. */
  start(): void {
    const wasUnproven = this.persisted !== '';
    const reason = this.trust.atStart(this.o.clock.now(), this.o.journal.newestRx(), this.o.clock.mono());
    if (reason) {
      this.o.logger.error(
        { reason },
        `CLOCK UNPROVEN AT START: ${reason}; journal retention deletes nothing until an admin confirms the clock (gp/v1/ops/clock) or it stays stable`,
      );
    } else if (wasUnproven) {
      this.o.logger.error(
        { unproven: this.trust.view(this.o.clock.mono()).unproven },
        'clock still unproven from before the restart: journal retention stays paused',
      );
    }
    this.save();
    this.timer = setInterval(() => this.check(), this.o.checkEveryMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Committed entries: an admin's clock confirm proves the clock and lets retention run. */
  onCommitted(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      const b = e.body;
      if (b.type !== 'op' || b.input.op !== 'clock' || b.input.action !== 'confirm') continue;
      const was = this.trust.view(this.o.clock.mono()).unproven;
      this.trust.confirm();
      this.save();
      this.o.logger.warn(
        { by: b.input.by, was },
        'clock confirmed by an admin: journal retention runs again',
      );
      this.prune();
    }
  }

  /** Compare the wall clock with engine time; a step is journaled, then engine time re-anchored. */
  check(): void {
    if (this.pending) return;
    const step = this.o.clock.check();
    if (!step) return;
    this.pending = true;
    // the same step again after its record failed to commit: retry quietly, count it once
    const retry = this.failed !== null && Math.abs(step.deltaMs - this.failed) <= this.o.thresholdMs;
    this.failed = null;
    if (!retry) this.seen(step);
    this.o
      .operate({
        op: 'clock',
        by: '@gateway',
        action: 'step',
        from: step.from,
        to: step.to,
        deltaMs: step.deltaMs,
      })
      .then(
        () => this.reanchor(step),
        (err: unknown) => {
          // not journaled: engine time stays where it was, the next check sees the step again
          if (!retry) this.o.logger.error({ err }, 'clock step could not be journaled; retrying');
          this.failed = step.deltaMs;
          this.pending = false;
        },
      );
  }

  /** A new step: logged, counted, and a forward one makes the clock unproven. */
  private seen(step: ClockStep): void {
    this.steps++;
    this.stepCounter.inc();
    this.lastStep = { at: iso(step.to), deltaMs: step.deltaMs };
    this.o.logger.error(
      { deltaMs: step.deltaMs, from: iso(step.from), to: iso(step.to) },
      `WALL CLOCK STEPPED ${step.deltaMs > 0 ? 'FORWARD' : 'BACK'} BY ${Math.abs(Math.round(step.deltaMs / 1000))} s: engine deadlines keep their elapsed time${step.deltaMs > 0 ? '; journal retention paused until the clock is proven' : ''}`,
    );
    this.trust.onStep(step.deltaMs, step.to, step.mono);
    this.save();
  }

  private reanchor(step: ClockStep): void {
    this.o.clock.reanchor(step);
    this.pending = false;
    this.o.rearm();
  }

  /** Retention, guarded by the clock rule; logs what it deleted and the cutoff. */
  prune(): void {
    const { journal, logger, clock } = this.o;
    try {
      const mono = clock.mono();
      const view = this.trust.view(mono);
      this.save();
      if (!view.trusted) {
        logger.warn(
          { unproven: view.unproven, provenInS: msToS(view.provenInMs) },
          'journal retention paused: the clock is unproven (admin: publish {"confirm": true} to gp/v1/ops/clock)',
        );
        return;
      }
      const now = (this.o.now ?? (() => clock.now()))();
      const policy = retentionPolicy(this.o.retentionMs, this.o.recordRetentionMs);
      // records first (a prefix of the journal), then the raw chatter between them (retention.ts)
      this.pruneClass(
        'records',
        now - policy.recordsMs,
        this.maxSeqFor(policy.recordsMs, now, false),
        (c, m) => journal.prune(c, m),
      );
      this.pruneRawChunks(now - policy.rawMs, this.maxSeqFor(policy.rawMs, now, true), 0);
    } catch (err) {
      logger.error({ err }, 'journal prune failed');
    }
  }

  /** Entries this run journaled are at most `uptime` old, whatever the wall clock says: they stay. */
  private maxSeqFor(retentionMs: number, now: number, raw: boolean): number {
    const mono = this.o.clock.mono();
    if (mono - this.startMono >= retentionMs + DAY_MS) return Number.MAX_SAFE_INTEGER;
    const cutoff = now - retentionMs;
    const young = this.o.journal.countBefore(cutoff, this.startSeq, raw);
    if (young > 0) {
      this.o.logger.error(
        { young, cutoff: iso(cutoff), uptimeS: Math.round((mono - this.startMono) / 1000), raw },
        `JOURNAL RETENTION WOULD HAVE DELETED ${young} ENTRIES YOUNGER THAN RETENTION + 1 DAY (journaled during this run): the clock is wrong; they are kept`,
      );
    }
    return this.startSeq;
  }

  private pruneClass(
    kind: 'records' | 'raw',
    cutoff: number,
    maxSeq: number,
    run: (cutoff: number, maxSeq: number) => PruneResult,
  ): PruneResult {
    const r = run(cutoff, maxSeq);
    for (const [cursor, n] of Object.entries(r.unconsumed)) {
      this.o.logger.error(
        { cursor, lost: n, kind },
        `JOURNAL RETENTION DISCARDED ${n} ENTRIES THAT ${cursor} HAD NOT CONSUMED: they will never reach it`,
      );
    }
    if (r.deleted > 0) {
      this.o.logger.info(
        { deleted: r.deleted, firstSeq: r.firstSeq, lastSeq: r.lastSeq, cutoff: iso(cutoff), kind },
        'journal retention pruned old entries',
      );
    }
    return r;
  }

  /** Raw chatter in bounded chunks; a backlog continues on later turns, so panics are read in between. */
  private pruneRawChunks(cutoff: number, maxSeq: number, round: number): void {
    let more = false;
    this.pruneClass('raw', cutoff, maxSeq, (c, m) => {
      const r = this.o.journal.pruneRaw(c, m, RAW_CHUNK);
      more = r.more;
      return r;
    });
    if (more && round < 1000) {
      setTimeout(() => {
        try {
          this.pruneRawChunks(cutoff, maxSeq, round + 1);
        } catch (err) {
          this.o.logger.error({ err }, 'journal prune failed');
        }
      }, 0).unref();
    }
  }

  health(): ClockHealth {
    const v = this.trust.view(this.o.clock.mono());
    return {
      offsetMs: Math.round(this.o.clock.offsetMs()),
      trusted: v.trusted,
      steps: this.steps,
      lastStep: this.lastStep,
      unproven: v.unproven
        ? { reason: v.unproven.reason, since: iso(v.unproven.at), provenInS: msToS(v.provenInMs) }
        : null,
    };
  }

  /** Persist the trust state when it changed (a restart must not forget an unproven clock). */
  private save(): void {
    const s = this.trust.serialize();
    if (s === this.persisted) return;
    try {
      this.o.journal.setMeta(META_KEY, s);
      this.persisted = s;
    } catch (err) {
      this.o.logger.error({ err }, 'clock trust state could not be saved in the journal');
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const msToS = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 1000));
