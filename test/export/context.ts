/**
 * A small, hand-made GatewayContext for component tests of the exporter: a
 * real Journal (temp file), a pino logger captured in memory, a prom-client
 * Registry. Ingest, HTTP and publish are no-op stubs (no servers behind them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Site } from '../../gateway/src/config/site.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalBody, JournalEntry } from '../../gateway/src/journal/types.js';
import type { GatewayContext } from '../../gateway/src/ports.js';

export interface TestContext {
  ctx: GatewayContext;
  journal: Journal;
  registry: Registry;
  logs: string[];
  /** Append bodies in one transaction (at = each body's own time) and notify onCommitted listeners. */
  append(items: { body: JournalBody; at: number; rx?: number }[]): JournalEntry[];
}

export function makeContext(site: Site, journalPath?: string): TestContext {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-export-'));
  const journal = new Journal({ path: journalPath ?? join(dataDir, 'journal.db') });
  const registry = new Registry();
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const listeners = new Set<(entries: readonly JournalEntry[]) => void>();
  const ctx: GatewayContext = {
    site,
    journal,
    logger,
    metrics: registry,
    dataDir,
    ingest: {
      accept: async () => ({ status: 'rejected', reason: 'no ingest in this test' }),
      reject: () => {},
      operate: async () => {},
    },
    http: { add: () => {} },
    publish: async () => {},
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    addCommandRoute: () => {},
    queries: {
      alerts: () => [],
      rollcall: () => null,
      rollcalls: () => [],
      tours: () => [],
      devices: () => [],
    },
    addresses: { mqtt: 0, ws: 0, http: 0 },
  };
  return {
    ctx,
    journal,
    registry,
    logs,
    append(items) {
      const entries = journal.transaction(() => items.map((i) => journal.append(i.body, i.at, i.rx)));
      for (const l of listeners) l(entries);
      return entries;
    },
  };
}
