/**
 * A ZKTeco-style push terminal (the `guardpost-sim zk` device) against the
 * real gateway over real HTTP: handshake, a roll call shown as a screen
 * message on the terminal's next poll, PIN punches answering it (one good
 * line among bad ones still counts), the result naming who was present and
 * who was absent; the terminal's polls are its heartbeats. An unknown SN,
 * a missing SN and an MQTT device's id used as SN are refused and reported.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollcallView } from '../../gateway/src/engines/rollcall/index.js';
import { epochToLocal } from '../../gateway/src/zkpush/attlog.js';
import { ZkTerminalSim } from '../../simulators/devices/zk.js';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { PIN, ZK_DEVICE, ZK_SN, zkSiteYaml } from './site.js';

const ZONE = 'Asia/Shanghai';
let gw: RunningGateway;
let tech: MqttClient;
let inbox: Inbox;

beforeAll(async () => {
  // the simulated terminals poll every 100 ms (real ones every 10 s): a rate to match
  gw = await startGateway({ siteYaml: zkSiteYaml({ zkpush: { rate: { perSecond: 50, burst: 50 } } }) });
  tech = await connectAs(gw.mqttPort, 'tech1');
  inbox = new Inbox(tech);
  await subscribe(tech, 'gp/v1/events/rollcall/#', 1);
  await subscribe(tech, 'gp/v1/gateway/rejects', 0);
});

afterAll(async () => {
  await end(tech);
  await gw?.stop();
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(gw.url(path), { headers: basicAuth('tech1') });
  return (await res.json()) as T;
}

/** The roll call's view once it has closed. */
const closedRollcall = (call: string): Promise<RollcallView> =>
  until(
    'the roll call to close',
    async () => {
      const v = await api<RollcallView>(`/api/rollcalls/${call}`);
      return v.state === 'closed' ? v : undefined;
    },
    30_000,
  );

type Reject = { topic: string; device: string | null; reason: string };
const rejects = (): Reject[] =>
  inbox.messages.filter((m) => m.topic === 'gp/v1/gateway/rejects').map((m) => m.json as Reject);

describe('zk-push terminal', () => {
  it('registers, shows the roll call, and its punches answer it', async () => {
    const sim = new ZkTerminalSim({ url: gw.url(''), sn: ZK_SN, zone: ZONE, pins: [PIN.G005], pollMs: 100 });
    try {
      const hs = await sim.handshake();
      expect(hs.status).toBe(200);
      expect(sim.options).toMatchObject({ from: ZK_SN, TimeZone: '8', Realtime: '1', Encrypt: '0' });
      sim.start();
      const shown = sim.nextMessage(15_000);
      // 6 s: long beside the punch 300 ms after the terminal's next 100 ms poll
      await publish(tech, 'gp/v1/ops/rollcall', { unit: 'U03', window_s: 6 }, 1);
      const msg = await shown;
      const call = /ROLL CALL (\S+):/.exec(msg.text)?.[1] ?? '';
      expect(call).toMatch(/^RC-\d{12}-U03$/);

      // the configured PIN punches on its own; the answer is the same rollcall event as over MQTT
      const ev = await inbox.waitFor((m) => m.topic === 'gp/v1/events/rollcall/east/U03', 10_000, 'answer');
      expect(ev.json).toMatchObject({
        device: ZK_DEVICE,
        call,
        guard: 'G005',
        transport: 'http',
        skewed: false,
      });
      // the terminal wrote local Asia/Shanghai time; the event time is that instant (not 8 h off)
      expect(Math.abs(Date.parse((ev.json as { ts: string }).ts) - Date.now())).toBeLessThan(60_000);

      // one good line among bad ones: the good one answers, each bad one is reported with its reason
      const mixed = await sim.upload(['garbage', `0001006\t${sim.localNow()}\t0\t15`, '1006\tnot a time']);
      expect(mixed).toEqual({ status: 200, text: 'OK: 3' });
      await inbox.waitFor(
        (m) => m.topic === 'gp/v1/events/rollcall/east/U03' && (m.json as { guard: string }).guard === 'G006',
      );
      await until('the line rejects', () => rejects().filter((r) => r.device === ZK_DEVICE).length >= 2);
      expect(
        rejects()
          .filter((r) => r.device === ZK_DEVICE)
          .map((r) => r.reason),
      ).toEqual([
        'ATTLOG line 1: no tab-separated time after the PIN',
        'ATTLOG line 3: time "not a time" is not a valid local YYYY-MM-DD HH:MM:SS',
      ]);

      const result = await closedRollcall(call);
      const u03 = result.units.find((u) => u.unit === 'U03');
      expect([...(u03?.present ?? []), ...(u03?.late ?? [])].map((g) => g.guard).sort()).toEqual([
        'G005',
        'G006',
      ]);
      expect(u03?.absent.map((g) => g.guard)).toEqual(['G007']);
      expect(u03?.present.find((g) => g.guard === 'G005')?.device).toBe(ZK_DEVICE);

      // the screen message was acknowledged by the terminal; its polls count as heartbeats
      const health = await until('the command result', async () => {
        const h = (await (await fetch(gw.url('/healthz'))).json()) as {
          zkpush: {
            terminals: { device: string; commandResults: unknown[]; punches: Record<string, number> }[];
          };
        };
        const t = h.zkpush.terminals.find((x) => x.device === ZK_DEVICE);
        return t && t.commandResults.length > 0 ? t : undefined;
      });
      expect(health.punches).toMatchObject({ accepted: 2, malformed: 2 });
      const { devices } = await api<{
        devices: { id: string; online: boolean; lastHeartbeat: number | string | null }[];
      }>('/api/devices?unit=U03');
      expect(devices.find((d) => d.id === ZK_DEVICE)).toMatchObject({ online: true });
      expect(devices.find((d) => d.id === ZK_DEVICE)?.lastHeartbeat).not.toBeNull();
    } finally {
      sim.stop();
    }
  });

  it("the terminal's clock: 30 s behind still answers, 10 minutes ahead answers nothing", async () => {
    const sim = new ZkTerminalSim({ url: gw.url(''), sn: ZK_SN, zone: ZONE, pollMs: 100 });
    try {
      expect((await sim.handshake()).status).toBe(200);
      sim.start();
      const shown = sim.nextMessage(15_000);
      await publish(tech, 'gp/v1/ops/rollcall', { unit: 'U03', window_s: 4 }, 1);
      const call = /ROLL CALL (\S+):/.exec((await shown).text)?.[1] ?? '';
      const local = (aheadMs: number): string => epochToLocal(Date.now() + aheadMs, ZONE);
      expect(await sim.punch(PIN.G005, local(10 * 60_000))).toEqual({ status: 200, text: 'OK: 1' });
      expect(await sim.punch(PIN.G006, local(-30_000))).toEqual({ status: 200, text: 'OK: 1' });
      const ev = await inbox.waitFor(
        (m) => m.topic === 'gp/v1/events/rollcall/east/U03' && (m.json as { call: string }).call === call,
      );
      expect(ev.json).toMatchObject({ guard: 'G006', skewed: false });
      const result = await closedRollcall(call);
      const u03 = result.units.find((u) => u.unit === 'U03');
      expect(u03?.absent.map((g) => g.guard).sort()).toEqual(['G005', 'G007']);
      expect(u03?.present.map((g) => g.guard)).toEqual(['G006']);
    } finally {
      sim.stop();
    }
  });

  it('an unknown SN, a missing SN and an MQTT device id as SN are refused and reported', async () => {
    const before = rejects().length;
    for (const sn of ['NOTOURS01', 'U02-RC-1']) {
      const stranger = new ZkTerminalSim({ url: gw.url(''), sn, zone: ZONE });
      expect((await stranger.handshake()).status).toBe(403);
      expect(await stranger.punch(PIN.G005)).toEqual({ status: 403, text: 'ERROR: unknown device' });
      const poll = await fetch(gw.url(`/iclock/getrequest?SN=${sn}`));
      expect(poll.status).toBe(403);
    }
    expect((await fetch(gw.url('/iclock/getrequest'))).status).toBe(400);
    // reported once a second per reason (an SN-spraying client cannot flood the rejects topic)
    const refused = await until('the reject', () =>
      rejects()
        .slice(before)
        .find((r) => r.reason.startsWith('unknown terminal SN: NOTOURS01')),
    );
    expect(refused).toMatchObject({ device: null, topic: 'http:/iclock/cdata' });
    const h = (await (await fetch(gw.url('/healthz'))).json()) as {
      zkpush: { refused: Record<string, number> };
    };
    expect(h.zkpush.refused['unknown terminal SN']).toBeGreaterThanOrEqual(6);
    expect(h.zkpush.refused['missing or malformed SN']).toBe(1);
    expect(gw.logs()).toContain('unknown terminal SN: NOTOURS01');
    // nothing of it reached the data path
    expect(
      inbox.messages.filter((m) => m.topic.startsWith('gp/v1/events/') && m.topic.includes('U02')),
    ).toEqual([]);
  });
});
