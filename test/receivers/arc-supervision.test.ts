/**
 * DC-09 link supervision end to end (integrations.md §1): an idle link gets
 * NULL frames at the configured interval (1 s here), never faster; a
 * receiver that stops answering shows as down in /healthz and /metrics and,
 * after 3 missed intervals, raises one `custom` warning per zone (on the
 * zone's lead unit, else its first), through the journal like any notice;
 * when it answers again it is up again.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcSimulator } from '../../simulators/arc.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectWithInbox, end, type Inbox, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { siteWithReceivers } from './arc-support.js';

interface AlertMsg {
  kind: string;
  state: string;
  unit: string;
  severity: string;
  message: string;
}

type Health = {
  receivers: Record<
    string,
    { state: string; missedSupervision: number; warned: boolean; lastAckAt: string | null }
  >;
};

describe('ARC link supervision', () => {
  let sim: ArcSimulator;
  let gw: RunningGateway;
  let client: MqttClient;
  let inbox: Inbox;
  const health = async (): Promise<Health['receivers'][string] | undefined> =>
    ((await (await fetch(gw.url('/healthz'))).json()) as Health).receivers['arc-sup'];

  beforeAll(async () => {
    sim = new ArcSimulator();
    await sim.listen();
    gw = await startGateway({
      siteYaml: siteWithReceivers([
        `{ id: arc-sup, host: 127.0.0.1, port: ${sim.port}, account: "BEEF", supervision: 1s, ackTimeout: 500ms }`,
      ]),
    });
    ({ client, inbox } = await connectWithInbox(gw.mqttPort, 'police-east'));
    await subscribe(client, 'gp/v1/unit/+/alert');
    await subscribe(client, 'gp/v1/operator/police-east/alert');
  }, 60_000);

  afterAll(async () => {
    await end(client);
    await gw?.stop();
    await sim?.close();
  });

  const nulls = (): number[] => sim.received.filter((r) => r.frame?.token === 'NULL').map((r) => r.at);

  it('an idle link gets NULL frames at the interval, ACKed; the receiver is up', async () => {
    await until('4 NULL frames', () => nulls().length >= 4, 20_000);
    const at = nulls();
    for (let i = 1; i < at.length; i++) {
      const gap = (at[i] as number) - (at[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(900); // never faster than the interval
      expect(gap).toBeLessThan(5000); // and not skipped (generous for a loaded machine)
    }
    const nullFrame = sim.received.find((r) => r.frame?.token === 'NULL');
    expect(nullFrame?.answer).toBe('ACK');
    expect(nullFrame?.raw).toMatch(
      /^[0-9A-F]{4}0[0-9A-F]{3}"NULL"\d{4}L0#BEEF\[\]_\d\d:\d\d:\d\d,\d\d-\d\d-\d{4}$/,
    );
    expect((await health())?.state).toBe('up');
  });

  it('3 missed intervals: down in /healthz and /metrics, one custom warning per zone; up again when it answers', async () => {
    sim.setSilent(true);
    const warnings = (): AlertMsg[] =>
      inbox.messages
        .filter((m) => m.topic.startsWith('gp/v1/unit/'))
        .map((m) => m.json as AlertMsg)
        .filter((a) => a.kind === 'custom' && a.state === 'raised' && a.message.includes('arc-sup'));
    await until(
      'the warning on the east lead and the west first unit',
      () => {
        const units = new Set(warnings().map((a) => a.unit));
        return units.has('U01') && units.has('U11');
      },
      20_000,
    );
    expect(warnings()[0]?.severity).toBe('warning');
    // integrations.md §1: the zone's escalation accounts are told too (the police station's own topic)
    await until('the warning on the escalation account police-east', () =>
      inbox.messages.some(
        (m) =>
          m.topic === 'gp/v1/operator/police-east/alert' &&
          (m.json as AlertMsg).kind === 'custom' &&
          (m.json as AlertMsg).message.includes('arc-sup'),
      ),
    );
    const h = await health();
    expect(h?.state).toBe('down');
    expect(h?.missedSupervision).toBeGreaterThanOrEqual(3);
    expect(h?.warned).toBe(true);
    const metrics = await (await fetch(gw.url('/metrics'))).text();
    expect(metrics).toMatch(/guardpost_arc_up\{receiver="arc-sup"\} 0/);
    expect(metrics).toMatch(/guardpost_arc_missed_supervision\{receiver="arc-sup"\} [3-9]/);
    // once per outage: two more missed intervals raise nothing new
    const missed = h?.missedSupervision ?? 0;
    await until(
      'two more missed intervals',
      async () => ((await health())?.missedSupervision ?? 0) >= missed + 2,
      20_000,
    );
    expect(warnings().filter((a) => a.unit === 'U01')).toHaveLength(1);

    sim.setSilent(false);
    await until('up again', async () => (await health())?.state === 'up', 20_000);
    expect((await health())?.missedSupervision).toBe(0);
  }, 60_000);
});
