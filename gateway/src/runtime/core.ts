/**
 * The core the rest stands on: engine time, the metrics registry, the
 * journal with its room (cap, reserve, disk ballast) and the engines rebuilt
 * from it. Opened first, closed last.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseDuration } from '../config/schema.js';
import type { Site } from '../config/site.js';
import { createEngineSet } from '../engines/index.js';
import { EngineRunner } from '../engines/runner.js';
import {
  capToDisk,
  DEFAULT_DISK_RESERVE_BYTES,
  DEFAULT_JOURNAL_MAX_MB,
  defaultReserve,
  type IngestLimitOptions,
  JournalRoom,
} from '../ingest/room.js';
import { Journal } from '../journal/journal.js';
import { createMetrics, type GatewayMetrics } from '../metrics.js';
import { EngineClock, systemSources } from './clock.js';
import type { HealthPart, Vital } from './health.js';

export interface CoreOptions {
  site: Site;
  dataDir: string;
  logger: Logger;
  /** Journal size cap in bytes (default 2048 MB, lowered to what the disk can hold). */
  journalMaxBytes?: number;
  /** Per-device rate and quota, journal reserve and disk ballast (docs/operators.md "Limits"). */
  ingestLimits?: IngestLimitOptions;
  now?: () => number;
}

export interface Core {
  clock: EngineClock;
  /** Engine time (monotonic, re-anchored only through a journaled step: clock-guard.ts). */
  now: () => number;
  stepThresholdMs: number;
  metrics: GatewayMetrics;
  journal: Journal;
  room: JournalRoom;
  runner: EngineRunner;
  /** /healthz `journal` and the journal gauges. */
  journalPart: HealthPart;
  /** Writable and out of its reserve: what makes /healthz 200. */
  vital(): Vital;
}

export function openCore(opts: CoreOptions): Core {
  const { site, logger } = opts;
  const stepThresholdMs = parseDuration(site.config.gateway?.clock?.stepThreshold ?? '2s');
  const clock = new EngineClock(systemSources, stepThresholdMs);
  const now = opts.now ?? ((): number => clock.now());
  const metrics = createMetrics();
  const journalPath = join(opts.dataDir, 'journal.sqlite');
  const il = opts.ingestLimits ?? {};
  const capBytes = capToDisk(
    opts.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_MB * 1024 * 1024,
    opts.dataDir,
    journalPath,
    logger,
  );
  const journal = new Journal({ path: journalPath, maxBytes: capBytes });
  const room = new JournalRoom({
    capBytes,
    reserveBytes: il.reserveBytes ?? defaultReserve(capBytes),
    ballastPath: join(opts.dataDir, 'journal.reserve'),
    ballastBytes: il.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES,
    usedBytes: () => journal.usedBytes(),
    logger: logger.child({ component: 'journal' }),
  });
  const runner = new EngineRunner(() => createEngineSet(site, now()), logger.child({ component: 'engines' }));
  const t0 = Date.now();
  const { replayed } = runner.restore(journal);
  logger.info(
    { replayed, ms: Date.now() - t0, lastSeq: journal.lastSeq() },
    'engines rebuilt from the journal',
  );
  return {
    clock,
    now,
    stepThresholdMs,
    metrics,
    journal,
    room,
    runner,
    journalPart: {
      name: 'journal',
      health: () => ({ ...journal.stats(), ...room.health() }),
      collect: () => {
        const stats = journal.stats();
        metrics.journalBytes.set(stats.bytes);
        metrics.journalEntries.set(stats.entries);
        metrics.journalWritable.set(stats.writable ? 1 : 0);
      },
    },
    vital: () => {
      const writable = journal.probeWritable();
      room.bulkAllowed(); // refreshes the room's state
      const state = room.state;
      return {
        ok: writable && state === 'ok',
        status: !writable ? 'journal-unwritable' : state === 'ok' ? 'ok' : `journal-${state}`,
      };
    },
  };
}
