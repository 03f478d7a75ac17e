/**
 * SIA DC-09 reporting end to end (integrations.md §1): the real gateway as a
 * child process reports to `guardpost-sim arc` simulators over loopback TCP.
 * A panic and its resolve reach a plain SIA-DCS receiver and an encrypted
 * Contact ID one; a NAK is retried with a fresh timestamp until the ACK; a
 * gateway killed while a report is unanswered resends after restart only
 * what was not ACKed; a 30 s receiver outage (the figure) with 50
 * alert changes delivers all of them in journal order when it returns.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcSimulator } from '../../simulators/arc.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { ackedReports, describeFrame, opsAlert, siteWithReceivers, UNIT_ZONE } from './arc-support.js';

const KEY = 'Sixteen-byte-key';

interface AlertMsg {
  id: string;
  kind: string;
  state: string;
  unit: string;
}

describe('ARC reporting (SIA DC-09) end to end', () => {
  let sia: ArcSimulator;
  let cid: ArcSimulator;
  let gw: RunningGateway;
  let admin: MqttClient;
  let alerts: Inbox;
  let adminClient: MqttClient;

  beforeAll(async () => {
    sia = new ArcSimulator();
    cid = new ArcSimulator({ key: KEY });
    await sia.listen();
    await cid.listen();
    gw = await startGateway({
      siteYaml: siteWithReceivers([
        `{ id: arc-sia, host: 127.0.0.1, port: ${sia.port}, account: "AAA", ackTimeout: 2s, kinds: [panic, custom] }`,
        `{ id: arc-cid, host: 127.0.0.1, port: ${cid.port}, account: "123f", format: ADM-CID, prefix: L1, receiver: R2, key: "${KEY}", supervision: 0, ackTimeout: 2s }`,
      ]),
    });
    admin = await connectAs(gw.mqttPort, 'police-east');
    const c = await connectWithInbox(gw.mqttPort, 'police-west');
    adminClient = c.client;
    alerts = c.inbox;
    await subscribe(adminClient, 'gp/v1/unit/+/alert');
  }, 60_000);

  afterAll(async () => {
    await end(admin, adminClient);
    await gw?.stop();
    await sia?.close();
    await cid?.close();
  });

  it('a panic and its resolve: SIA-DCS PA/PR and encrypted Contact ID 1120/3120 with the unit zone', async () => {
    const button = await connectAs(gw.mqttPort, 'U02-PANIC-1');
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 101 });
    await end(button);
    await until('PA at arc-sia', () => ackedReports(sia).includes('Nri2/PA'));
    await until('1120 at arc-cid', () => ackedReports(cid).includes('1120 01 002'));
    const raised = await alerts.waitFor(
      (m) => (m.json as AlertMsg).kind === 'panic' && (m.json as AlertMsg).unit === 'U02',
    );
    const id = (raised.json as AlertMsg).id;
    await publish(admin, 'gp/v1/unit/U02/resolve', { id });
    await until('PR at arc-sia', () => ackedReports(sia).includes('Nri2/PR'));
    await until('3120 at arc-cid', () => ackedReports(cid).includes('3120 01 002'));

    const enc = cid.acked().find((f) => describeFrame(f) === '1120 01 002');
    expect(enc).toMatchObject({
      token: 'ADM-CID',
      encrypted: true,
      account: '123F',
      prefix: 'L1',
      receiver: 'R2',
    });
    const raw = cid.received.find((r) => r.frame === enc)?.raw ?? '';
    expect(raw).toMatch(/^[0-9A-F]{8}"\*ADM-CID"\d{4}R2L1#123F\[[0-9A-F]+$/);
    // acknowledged/escalated states are not reports: exactly one new and one restore each
    expect(ackedReports(sia).filter((r) => r.startsWith('Nri2/P'))).toEqual(['Nri2/PA', 'Nri2/PR']);
    expect(ackedReports(cid)).toEqual(['1120 01 002', '3120 01 002']);
    // timestamps are UTC now (the simulator checked ± 60 s)
    expect(Math.abs((enc?.timestamp ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('NAK then ACK: the report is resent with a fresh timestamp and the same sequence', async () => {
    const before = sia.received.length;
    sia.nakStorm(1);
    await opsAlert(admin, 'U03', 'nak-test');
    await until('UA for U03 ACKed', () => ackedReports(sia).includes('Nri3/UA'));
    const seen = sia.received.slice(before).filter((r) => r.frame?.token === 'SIA-DCS');
    expect(seen.map((r) => r.answer)).toEqual(['NAK', 'ACK']);
    expect(seen[1]?.frame?.seq).toBe(seen[0]?.frame?.seq);
    expect(seen[1]?.frame?.timestamp ?? 0).toBeGreaterThanOrEqual(seen[0]?.frame?.timestamp ?? 0);
  });

  it('a gateway killed with a report unanswered resends after restart only what was not ACKed', async () => {
    const ackedBefore = ackedReports(sia).length;
    await opsAlert(admin, 'U04', 'before-kill');
    await until('U04 ACKed', () => ackedReports(sia).length === ackedBefore + 1);
    sia.setSilent(true);
    const heard = sia.received.length;
    await opsAlert(admin, 'U11', 'unanswered-1');
    await opsAlert(admin, 'U12', 'unanswered-2');
    await until('the unanswered report reached the receiver', () => sia.received.length > heard);
    await end(admin);
    await gw.kill();
    sia.setSilent(false);
    await gw.restart();
    admin = await connectAs(gw.mqttPort, 'police-east');
    await until(
      'both un-ACKed reports ACKed after restart',
      () => ackedReports(sia).length >= ackedBefore + 3,
    );
    const after = ackedReports(sia).slice(ackedBefore);
    expect(after).toEqual(['Nri4/UA', 'Nri5/UA', 'Nri6/UA']);
    type Health = { receivers: Record<string, { backlog: { entries: number } }> };
    await until('arc-sia backlog empty', async () => {
      const h = (await (await fetch(gw.url('/healthz'))).json()) as Health;
      return h.receivers['arc-sia']?.backlog.entries === 0;
    });
  }, 60_000);

  it('receiver down for 30 s while 50 alert changes are journaled: all ACKed in journal order after it returns', async () => {
    const ackedBefore = ackedReports(sia).length;
    await sia.down();
    const downAt = Date.now();
    const units = Object.keys(UNIT_ZONE);
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const unit = units[i % units.length] as string;
      await opsAlert(admin, unit, `outage-${i}`);
      expected.push(`Nri${UNIT_ZONE[unit]}/UA`);
    }
    type Health = {
      receivers: Record<
        string,
        { state: string; backlog: { entries: number; oldestAgeMs: number }; lastError: string | null }
      >;
    };
    const h = await until('backlog and down state in /healthz', async () => {
      const body = (await (await fetch(gw.url('/healthz'))).json()) as Health;
      const r = body.receivers['arc-sia'];
      return r && r.backlog.entries >= 50 && r.state === 'down' && r.lastError !== null ? r : null;
    });
    expect(h.backlog.oldestAgeMs).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(gw.url('/metrics'))).text();
    expect(metrics).toMatch(/guardpost_arc_backlog_entries\{receiver="arc-sia"\} ([5-9]\d|\d{3,})/);
    expect(metrics).toMatch(/guardpost_arc_up\{receiver="arc-sia"\} 0/);
    // the outage: 30 s from the moment the receiver went away
    await until('30 s outage', () => Date.now() - downAt >= 30_000, 40_000, 250);
    expect(ackedReports(sia).length).toBe(ackedBefore);
    await sia.listen();
    await until('50 reports ACKed', () => ackedReports(sia).length >= ackedBefore + 50, 30_000);
    expect(ackedReports(sia).slice(ackedBefore)).toEqual(expected);
    // sequences go up by one per frame (NULLs share the counter): strictly increasing reports
    const seqs = sia
      .acked()
      .slice(ackedBefore)
      .map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i] as number).toBeGreaterThan(seqs[i - 1] as number);
  }, 90_000);
});
