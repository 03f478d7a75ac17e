/**
 * The bulletin from a live gateway's journal: real traffic (a panic and its
 * acknowledgement, an inspection on gp/v1/ops/inspection, a roll call with
 * absentees), then `runBulletin` on the running gateway's data directory,
 * and GET /bulletin when the gateway serves it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bulletin } from '../../gateway/src/bulletin/types.js';
import { weekOf } from '../../gateway/src/bulletin/week.js';
import { runBulletin } from '../../gateway/src/cli/bulletin.js';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway();
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

describe('bulletin from a running gateway', () => {
  it('counts the week of real traffic', async () => {
    const u02 = await connectAs(gw.mqttPort, 'U02-duty');
    const inbox = new Inbox(u02);
    await subscribe(u02, 'gp/v1/unit/U02/#');
    const button = await connectAs(gw.mqttPort, 'U01-PANIC-1');
    await publish(
      button,
      'gp/v1/dev/U01-PANIC-1/panic',
      { state: 'pressed', seq: 1, ts: new Date().toISOString() },
      1,
    );
    const raised = await inbox.waitFor(
      (m) => m.topic === 'gp/v1/unit/U02/alert' && (m.json as { kind: string }).kind === 'panic',
      30_000,
    );
    const id = (raised.json as { id: string }).id;
    await publish(u02, 'gp/v1/unit/U02/ack', { id }, 1);
    await inbox.waitFor(
      (m) =>
        m.topic === 'gp/v1/unit/U02/alert' &&
        (m.json as { id: string; state: string }).state === 'acknowledged',
      30_000,
    );
    const police = await connectAs(gw.mqttPort, 'police-east');
    await publish(police, 'gp/v1/ops/inspection', { unit: 'U03', violations: 2, note: '门卫脱岗' }, 1);
    await publish(police, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 1 }, 1);
    await end(button, police, u02);

    // the roll call closes after its window: wait for its result in the journal (read-only look)
    const journalPath = join(gw.dataDir, 'journal.sqlite');
    await until(
      'the roll-call result',
      () => {
        const db = new Database(journalPath, { readonly: true });
        try {
          const row = db
            .prepare("SELECT count(*) AS n FROM entries WHERE type = 'rollcall-result'")
            .get() as {
            n: number;
          };
          return row.n > 0;
        } finally {
          db.close();
        }
      },
      30_000,
    );

    const week = weekOf(Date.now(), 'Asia/Shanghai');
    const out = mkdtempSync(join(tmpdir(), 'gp-bulletin-out-'));
    const code = await runBulletin({
      configPath: gw.configPath,
      dataDir: gw.dataDir,
      week,
      zone: 'east',
      out,
      print: () => {},
    });
    expect(code).toBe(0);
    const b = JSON.parse(readFileSync(join(out, 'bulletin.json'), 'utf8')) as Bulletin;
    expect(b.preventable.byKind.find((k) => k.kind === 'panic')?.thisWeek).toBe(1);
    expect(b.preventable.acknowledged).toBeGreaterThanOrEqual(1);
    expect(b.inspections).toMatchObject({ count: 1, violations: 2 });
    expect(b.inspections.list[0]).toMatchObject({ unit: 'U03', by: 'police-east', note: '门卫脱岗' });
    expect(b.rollcalls.calls).toBe(1);
    const u02Row = b.rollcalls.byUnit.find((u) => u.unit === 'U02');
    expect(u02Row).toMatchObject({ expected: 3, answered: 0, attendance: 0 });
    expect(b.points.units.find((u) => u.unit === 'U02')?.breakdown.alert_acknowledged).toBe(5);
    expect(b.points.guards.find((g) => g.guard === 'G001')?.breakdown.rollcall_absent).toBe(-2);
    expect(b.suggestions.some((s) => s.rule === 'attendance' && s.unit === 'U02')).toBe(true);

    const res = await fetch(gw.url(`/bulletin?week=${week}&zone=east&format=json`), {
      headers: basicAuth('police-east'),
    });
    if (res.status !== 404) {
      // the gateway runs the bulletin extension: the same figures over HTTP
      expect(res.status).toBe(200);
      const viaHttp = (await res.json()) as Bulletin;
      expect(viaHttp.preventable).toEqual(b.preventable);
      expect(viaHttp.points.units).toEqual(b.points.units);
    }
  }, 90_000);
});
