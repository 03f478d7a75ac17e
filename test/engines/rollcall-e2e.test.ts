/**
 * Roll calls end to end through the real gateway (child process, real mqtt.js
 * clients on loopback): an operator starts a call, the terminal gets
 * cmd/rollcall, guards answer with their cards, at the deadline the unit's
 * console gets rollcall_absent naming the absentees, the API and the retained
 * result topic show the outcome; a call in progress survives a restart.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RollcallView } from '../../gateway/src/engines/rollcall/index.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const CARD = { G001: '04A1B2C3D4E5F6', G004: '04A1B2C3D4E501' };

let gw: RunningGateway | undefined;
let clients: MqttClient[] = [];

afterEach(async () => {
  await end(...clients);
  clients = [];
  await gw?.stop();
  gw = undefined;
});

async function client(user: string, filter?: string): Promise<{ c: MqttClient; inbox: Inbox }> {
  if (!gw) throw new Error('no gateway');
  const c = await connectAs(gw.mqttPort, user);
  clients.push(c);
  const inbox = new Inbox(c);
  if (filter) expect((await subscribe(c, filter, 1))[0]?.qos).toBe(1);
  return { c, inbox };
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  if (!gw) throw new Error('no gateway');
  const res = await fetch(gw.url(path), { headers: basicAuth('tech1') });
  return { status: res.status, body: (await res.json()) as T };
}

describe('roll calls end to end', () => {
  it('call → terminal → answers → absent alert to the unit, API view and retained result', async () => {
    gw = await startGateway();
    const terminal = await client('U02-RC-1', 'gp/v1/dev/U02-RC-1/cmd/#');
    const duty = await client('U02-duty', 'gp/v1/unit/U02/#');
    const tech = await client('tech1');
    // 6 s: long beside the three answers published right after the command (all must be in time)
    await publish(tech.c, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 6 }, 1);
    const cmd = (await terminal.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U02-RC-1/cmd/rollcall')).json as {
      call: string;
      deadline: string;
      unit: string;
    };
    expect(cmd.unit).toBe('U02');
    expect(cmd.call).toMatch(/^RC-\d{12}-U02$/);
    expect(Date.parse(cmd.deadline)).toBeGreaterThan(Date.now());
    const answer = (uid: string, seq: number) =>
      publish(terminal.c, 'gp/v1/dev/U02-RC-1/rollcall', { call: cmd.call, uid, seq }, 1);
    await answer(CARD.G001, 1);
    await answer(CARD.G001, 2); // duplicate answer: counted once
    await answer(CARD.G004, 3); // a U01 guard at U02's terminal: foreign

    const alert = (
      await duty.inbox.waitFor(
        (m) => m.topic === 'gp/v1/unit/U02/alert' && (m.json as AlertPayload).kind === 'rollcall_absent',
        20_000,
        'rollcall_absent',
      )
    ).json as AlertPayload;
    expect(alert).toMatchObject({ unit: 'U02', state: 'raised' });
    expect(alert.message).toContain('王师傅');
    expect(alert.message).toContain('张建国');
    expect(alert.message).not.toContain('李大爷');

    const { status, body: view } = await getJson<RollcallView>(`/api/rollcalls/${cmd.call}`);
    expect(status).toBe(200);
    expect(view).toMatchObject({
      call: cmd.call,
      state: 'closed',
      totals: { expected: 3, absent: 2, foreign: 1 },
    });
    const u02 = view.units[0];
    expect([...(u02?.present ?? []), ...(u02?.late ?? [])].map((g) => g.guard)).toEqual(['G001']);
    expect(u02?.absent.map((g) => g.guard)).toEqual(['G002', 'G003']);
    expect(u02?.foreign.map((g) => g.guard)).toEqual(['G004']);

    // the result is retained: a late subscriber gets it
    const late = await client('tech1');
    const topic = `gp/v1/rollcall/${cmd.call}/result`;
    await subscribe(late.c, topic, 1);
    const retained = await late.inbox.waitFor((m) => m.topic === topic, 10_000, 'retained result');
    expect((retained.json as RollcallView).totals).toEqual(view.totals);
    expect((await getJson<unknown>('/api/rollcalls/RC-nope')).status).toBe(404);
  });

  it('a call in progress survives a gateway restart and closes once', async () => {
    gw = await startGateway();
    const terminal = await client('U02-RC-1', 'gp/v1/dev/U02-RC-1/cmd/#');
    const tech = await client('tech1');
    await publish(tech.c, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 6 }, 1);
    const cmd = (await terminal.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U02-RC-1/cmd/rollcall')).json as {
      call: string;
    };
    await publish(terminal.c, 'gp/v1/dev/U02-RC-1/rollcall', { call: cmd.call, uid: CARD.G001, seq: 1 }, 1);
    await end(...clients);
    clients = [];
    await gw.restart();
    const open = await getJson<RollcallView>(`/api/rollcalls/${cmd.call}`);
    expect(open.status).toBe(200);
    // the 6 s window may end during a slow restart or after it: closed either way
    const closed = await until(
      'the call to close',
      async () => {
        const { body } = await getJson<RollcallView>(`/api/rollcalls/${cmd.call}`);
        return body.state === 'closed' ? body : undefined;
      },
      30_000,
    );
    expect(closed.units[0]?.present.map((g) => g.guard)).toEqual(['G001']);
    expect(closed.units[0]?.absent.map((g) => g.guard)).toEqual(['G002', 'G003']);
    await gw.restart();
    // A duplicate alert would be raised on a timer tick after start. A marker call started now
    // closes on a later tick, so once it is closed any duplicate would be there too.
    const ops = await client('tech1');
    const markerTerminal = await client('U02-RC-1', 'gp/v1/dev/U02-RC-1/cmd/#');
    await publish(ops.c, 'gp/v1/ops/rollcall', { unit: 'U02', window_s: 2 }, 1);
    const markerCall = (
      (await markerTerminal.inbox.waitFor((m) => m.topic === 'gp/v1/dev/U02-RC-1/cmd/rollcall')).json as {
        call: string;
      }
    ).call;
    await until(
      'the marker call to close',
      async () => (await getJson<RollcallView>(`/api/rollcalls/${markerCall}`)).body.state === 'closed',
      30_000,
    );
    // the retained result is back after the restart
    const sub = await client('tech1');
    const topic = `gp/v1/rollcall/${cmd.call}/result`;
    await subscribe(sub.c, topic, 1);
    const retained = await sub.inbox.waitFor(
      (m) => m.topic === topic,
      10_000,
      'retained result after restart',
    );
    expect((retained.json as RollcallView).state).toBe('closed');
    const { body } = await getJson<{ alerts: AlertPayload[] }>('/api/alerts?state=all&kind=rollcall_absent');
    expect(body.alerts.filter((a) => a.call === cmd.call)).toHaveLength(1);
    // the call closed once, and the marker call beside it
    const calls = (await getJson<{ rollcalls: RollcallView[] }>('/api/rollcalls')).body.rollcalls;
    expect(calls.map((c) => c.call).sort()).toEqual([cmd.call, markerCall].sort());
  });
});
