/**
 * A journal that cannot write (here: its size cap, which fails exactly like a
 * full disk) is reported precisely and loses nothing: no PUBACK for what was
 * not written, /healthz 503, the gateway stays up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { floodUntilClosed } from '../support/flood.js';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs } from '../support/mqtt.js';

let gw: RunningGateway | undefined;
afterAll(async () => {
  await gw?.stop();
});

describe('journal that cannot write', () => {
  it('answers /healthz 503, acknowledges nothing it did not write, and keeps running', async () => {
    // no reserve and no rate limit here: this is the journal that cannot write at all
    // (the reserve for alarms is test/adversity/flood-and-disk.test.ts)
    const siteYaml = `${readFileSync(SMALL_SITE, 'utf8')}
gateway:
  journal: { reserveMB: 0 }
  limits: { deviceRate: { perSecond: 1000000, burst: 1000000 } }
`;
    gw = await startGateway({ siteYaml, env: { GUARDPOST_JOURNAL_MAX_MB: '0.4' } });
    const running = gw;
    expect((await fetch(running.url('/healthz'))).status).toBe(200);
    const wand = await connectAs(running.mqttPort, 'G001-WAND', 'secret', { reconnectPeriod: 0 });
    const acked = new Set(
      await floodUntilClosed(wand, 'gp/v1/dev/G001-WAND/tap', (seq) => ({ uid: '04D1E2F3', seq })),
    );
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(20_000);
    const health = await fetch(running.url('/healthz'));
    expect(health.status).toBe(503);
    const body = (await health.json()) as {
      status: string;
      journal: { writable: boolean; lastError: string };
    };
    expect(body.status).toBe('journal-unwritable');
    expect(body.journal.writable).toBe(false);
    expect(body.journal.lastError).toMatch(/full/i);
    expect(running.logs()).toMatch(/journal commit failed; nothing acknowledged/);
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/^guardpost_journal_writable 0$/m);
    const db = new Database(join(running.dataDir, 'journal.sqlite'), { readonly: true });
    const rows = db
      .prepare("SELECT json_extract(body, '$.event.seq') AS seq FROM entries WHERE type = 'event'")
      .all() as { seq: number }[];
    db.close();
    const journaled = new Set(rows.map((r) => r.seq));
    expect([...acked].filter((s) => !journaled.has(s))).toEqual([]);
  });
});
