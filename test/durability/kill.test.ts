/**
 * "QoS 1 means durable": SIGKILL the gateway while PUBACKs are flowing;
 * every acknowledged event must be in the journal, none twice, and the
 * gateway must come back with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';

let gw: RunningGateway | undefined;
afterAll(async () => {
  await gw?.stop();
});

function journaledSeqs(dataDir: string, device: string): number[] {
  const db = new Database(join(dataDir, 'journal.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT json_extract(body, '$.event.seq') AS seq FROM entries WHERE type = 'event' AND json_extract(body, '$.event.device') = ?",
      )
      .all(device) as { seq: number }[];
    return rows.map((r) => r.seq);
  } finally {
    db.close();
  }
}

describe('durability', () => {
  it('every acknowledged QoS 1 event survives SIGKILL, none twice', async () => {
    // one wand sends 3000 taps as fast as it can: no per-device rate limit here (a rate-limited
    // tap is acknowledged with a reject, like a bad payload; this test is about durability)
    const siteYaml = `${readFileSync(SMALL_SITE, 'utf8')}
gateway:
  limits: { deviceRate: { perSecond: 1000000, burst: 1000000 } }
`;
    gw = await startGateway({ siteYaml });
    const running = gw;
    const wand = await connectAs(running.mqttPort, 'G001-WAND', 'secret', { reconnectPeriod: 0 });
    const acked = new Set<number>();
    const total = 3000;
    let killed: Promise<void> | null = null;
    await new Promise<void>((resolve) => {
      wand.once('close', () => resolve());
      for (let seq = 1; seq <= total; seq++) {
        wand.publish(
          'gp/v1/dev/G001-WAND/tap',
          JSON.stringify({ uid: '04D1E2F3', seq }),
          { qos: 1 },
          (err) => {
            if (err) return;
            acked.add(seq);
            if (acked.size === 500 && !killed) killed = running.kill();
          },
        );
      }
    });
    await killed;
    expect(acked.size).toBeGreaterThanOrEqual(500);
    const seqs = journaledSeqs(running.dataDir, 'G001-WAND');
    const journaled = new Set(seqs);
    expect(seqs.length, 'no event journaled twice').toBe(journaled.size);
    console.log(`acked ${acked.size} of ${total}, journaled ${journaled.size}`);
    const lost = [...acked].filter((s) => !journaled.has(s));
    expect(lost, 'acknowledged but not journaled').toEqual([]);
    wand.end(true);

    // The gateway restarts on the same journal; re-sent events are duplicates.
    await running.restart();
    const tech = await connectAs(running.mqttPort, 'tech1');
    const inbox = new Inbox(tech);
    await subscribe(tech, 'gp/v1/events/tap/#');
    const again = await connectAs(running.mqttPort, 'G001-WAND');
    const firstAcked = Math.min(...acked);
    await publish(again, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F3', seq: firstAcked });
    await publish(again, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F3', seq: total + 1 });
    await inbox.waitFor((m) => (m.json as { seq: number }).seq === total + 1);
    expect(inbox.messages.some((m) => (m.json as { seq: number }).seq === firstAcked)).toBe(false);
    await end(tech, again);
    const after = journaledSeqs(running.dataDir, 'G001-WAND');
    expect(after.length).toBe(new Set(after).size);
    expect(after.length).toBe(seqs.length + 1);
  });
});
