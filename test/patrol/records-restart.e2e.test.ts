/**
 * An offline wand uploads its memory again after a gateway restart (its dock
 * never saw the PUBACK, or the guard docks it twice): the records already
 * journaled before the restart are dropped as duplicates by (device, seq),
 * because the records dedupe window (36 h) is rebuilt from the journal at
 * start, not only the 10-minute window of online events.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecordsPayload } from '../../devices/codecs/records.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, publish } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const TAGS = ['04D1E2F3', '04D1E2F4', '04D1E2F5'];

let gw: RunningGateway | undefined;
const clients: MqttClient[] = [];
afterAll(async () => {
  await end(...clients.splice(0));
  await gw?.stop();
});

/** Offline taps of G001-WAND in the journal, by seq (opened read-only while the gateway runs: WAL). */
function journaledSeqs(dataDir: string): number[] {
  const db = new Database(join(dataDir, 'journal.sqlite'), { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT json_extract(body, '$.event.seq') AS seq FROM entries
           WHERE type = 'event' AND json_extract(body, '$.event.offline') = 1
             AND json_extract(body, '$.event.device') = 'G001-WAND' ORDER BY seq`,
        )
        .all() as { seq: number }[]
    ).map((r) => r.seq);
  } finally {
    db.close();
  }
}

describe('records uploaded again after a restart', () => {
  it('are not journaled twice', async () => {
    gw = await startGateway();
    const running = gw;
    const start = Date.now() - 2 * 3_600_000;
    const memory = TAGS.map((uid, i) => ({ uid, ts: start + i * 60_000, seq: i + 1 }));
    const first = await connectAs(running.mqttPort, 'G001-WAND');
    await publish(first, 'gp/v1/dev/G001-WAND/records', encodeRecordsPayload(memory), 1);
    await end(first);
    expect(journaledSeqs(running.dataDir)).toEqual([1, 2, 3]);

    await running.restart();
    const wand = await connectAs(running.mqttPort, 'G001-WAND');
    clients.push(wand);
    // the whole memory again, and one new record after it
    await publish(wand, 'gp/v1/dev/G001-WAND/records', encodeRecordsPayload(memory), 1);
    const next = { uid: TAGS[0] as string, ts: start + 10 * 60_000, seq: 4 };
    await publish(wand, 'gp/v1/dev/G001-WAND/records', encodeRecordsPayload([next]), 1);
    // PUBACK comes after the commit: the new record is journaled once both are acknowledged
    const seqs = await until(
      'the new record journaled',
      () => {
        const s = journaledSeqs(running.dataDir);
        return s.includes(4) ? s : null;
      },
      10_000,
      50,
    );
    expect(seqs).toEqual([1, 2, 3, 4]);
  }, 60_000);
});
