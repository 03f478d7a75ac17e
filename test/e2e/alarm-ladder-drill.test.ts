/**
 * The ladder and drills over real TCP (issue 13 items 3–5): with the last roll
 * call of a level-1 unit empty, a panic nobody acknowledges reaches the police
 * account at level 3 (skipping the wait of level 1); a drill goes the same
 * way to the duty rooms, never to the police, and carries its mode and its
 * response times (view, ack, resolve) — with its audit trail in the API.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, connectWithInbox, end, type Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { alarmSiteYaml, alertIn } from './alarm-site.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];
let seq = 1;

async function client(user: string, filter: string): Promise<{ client: MqttClient; inbox: Inbox }> {
  const c = await connectWithInbox(gw.mqttPort, user);
  clients.push(c.client);
  await subscribe(c.client, filter);
  return c;
}

async function press(device: string): Promise<void> {
  const b = await connectAs(gw.mqttPort, device);
  await publish(b, `gp/v1/dev/${device}/panic`, { state: 'pressed', seq: ++seq });
  await end(b);
}

beforeAll(async () => {
  gw = await startGateway({
    siteYaml: alarmSiteYaml((raw) => {
      const east = raw.zones?.[0] as Record<string, unknown>;
      // neighbours at once, the lead unit after 1 s, the police station 1 s later
      east.escalation = [
        { after: '0s', targets: ['neighbours'] },
        { after: '1s', targets: ['lead'] },
        { after: '1s', targets: ['police-east'] },
      ];
    }),
  });
}, 60_000);
afterAll(async () => {
  await end(...clients);
  await gw?.stop();
});

describe('escalation ladder', () => {
  it('reaches the police account at level 3 when a level-1 unit’s roll call was empty', async () => {
    const police = await client('police-east', 'gp/v1/operator/police-east/alert');
    const tech = await client('tech1', 'gp/v1/rollcall/+/result');
    // nobody at U03 answers its roll call
    await publish(tech.client, 'gp/v1/ops/rollcall', { unit: 'U03', window_s: 1 });
    await tech.inbox.waitFor(
      (m) => (m.json as { state?: string }).state === 'closed',
      15_000,
      'roll call closed',
    );
    const pressedAt = Date.now();
    await press('U02-PANIC-1');
    const at3 = await police.inbox.waitFor(
      (m) => (m.json as { kind?: string }).kind === 'panic',
      15_000,
      'level 3',
    );
    const a = at3.json as {
      level: number;
      levels: { level: number; targets: string[]; skipped: { unit?: string; reason: string }[] }[];
      notified: { account?: string }[];
    };
    // the first thing the police account hears of it is level 3
    expect(a.level).toBe(3);
    expect(a.levels.map((l) => l.level)).toEqual([1, 2, 3]);
    expect(a.levels[0]?.skipped).toEqual([{ unit: 'U03', reason: 'nobody_present' }]);
    expect(a.levels[2]?.targets).toEqual(['police-east']);
    expect(a.notified).toContainEqual({ account: 'police-east', name: 'police-east' });
    // level 2 started at once, level 3 one second later: well before 1 s + 1 s
    expect(Date.now() - pressedAt).toBeLessThan(10_000);
  }, 30_000);
});

describe('drills', () => {
  it('carry their mode and response times, stay away from the police, and keep their audit trail', async () => {
    const police = await client('police-east', 'gp/v1/#');
    const u03 = await client('U03-duty', 'gp/v1/unit/U03/#');
    const u02 = await client('U02-duty', 'gp/v1/unit/U02/#');
    const tech = await client('tech1', 'gp/v1/gateway/rejects');
    await publish(tech.client, 'gp/v1/ops/drill', { unit: 'U02', kind: 'panic' });
    const raised = await u03.inbox.waitFor((m) => alertIn(m)?.mode === 'drill', 10_000, 'drill card');
    const id = String(alertIn(raised)?.id);
    expect(alertIn(raised)).toMatchObject({ kind: 'panic', unit: 'U02', state: 'raised', level: 1 });
    expect(String(alertIn(raised)?.messageZh)).toMatch(/^【演练】/);
    await publish(u03.client, 'gp/v1/unit/U03/view', { id });
    await publish(u03.client, 'gp/v1/unit/U03/take', { id });
    await publish(u03.client, 'gp/v1/unit/U03/checklist', { id, step: 'call_unit', done: true });
    // the ladder runs for the drill too (lead at level 2, police left out at level 3)
    const l3 = await u03.inbox.waitFor(
      (m) => alertIn(m)?.id === id && alertIn(m)?.level === 3,
      15_000,
      'level 3',
    );
    const levels = (alertIn(l3)?.levels ?? []) as { skipped: unknown[] }[];
    const skipped = levels[2]?.skipped;
    expect(skipped).toEqual([{ account: 'police-east', reason: 'drill' }]);
    await publish(u03.client, 'gp/v1/unit/U03/ack', { id });
    await publish(u02.client, 'gp/v1/unit/U02/resolve', { id, note: '季度演练' });
    const done = await u02.inbox.waitFor((m) => alertIn(m)?.id === id && alertIn(m)?.state === 'resolved');
    const p = alertIn(done) as Record<string, unknown>;
    expect(p).toMatchObject({ mode: 'drill', classification: 'drill', note: '季度演练', ackBy: 'U03-duty' });
    expect(p.owner).toMatchObject({ account: 'U03-duty', name: '洋河实验小学值班室' });
    for (const k of ['viewMs', 'ackMs', 'resolveMs']) expect(typeof p[k]).toBe('number');
    expect(p.viewMs as number).toBeLessThanOrEqual(p.ackMs as number);
    expect(p.ackMs as number).toBeLessThanOrEqual(p.resolveMs as number);
    // the police account saw none of it: its operator topic and the zone wall stayed quiet
    await publish(police.client, 'gp/v1/ops/alert', { unit: 'U01', message: 'marker', severity: 'info' });
    await police.inbox.waitFor((m) => String(alertIn(m)?.messageEn ?? '').includes('marker'));
    const heard = police.inbox.messages.filter(
      (m) => alertIn(m)?.id === id && (m.topic.includes('/operator/') || m.topic.includes('/zone/')),
    );
    expect(heard).toEqual([]);
    // the audit trail: who, when, from where
    const detail = await until('alert detail', async () => {
      const res = await fetch(gw.url(`/api/alerts/${id}`), { headers: basicAuth('U02-duty') });
      return res.status === 200
        ? ((await res.json()) as { audit: { action: string; by: string; from: string }[] })
        : null;
    });
    // (U03's empty roll call above makes level 2 start at once: escalations interleave with the inputs)
    const actions = detail.audit.map((e) => e.action);
    expect(actions[0]).toBe('raise');
    expect(actions.at(-1)).toBe('resolve');
    expect([...actions].sort()).toEqual([
      'ack',
      'checklist',
      'escalate',
      'escalate',
      'raise',
      'resolve',
      'take',
      'view',
    ]);
    expect(detail.audit.find((e) => e.action === 'take')).toMatchObject({
      by: 'U03-duty',
      from: '127.0.0.1',
    });
    // another unit's console cannot read it
    expect((await fetch(gw.url(`/api/alerts/${id}`), { headers: basicAuth('U11-duty') })).status).toBe(404);
  }, 30_000);
});
