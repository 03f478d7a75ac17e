/**
 * The guardpost Node-RED nodes, loaded with node-red-node-test-helper,
 * against a real gateway (child process, real broker, real engines).
 */
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { Collector, gatewayNode, guardpostNodes, helper } from './red-helper.js';

let gw: RunningGateway;
const clients: MqttClient[] = [];
const CREDS = { gw: { password: 'secret' } };

describe.sequential('guardpost nodes against a real gateway', () => {
  beforeAll(async () => {
    gw = await startGateway();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await end(...clients.splice(0));
  });
  afterAll(async () => {
    await helper.stopServer();
    await gw?.stop();
  });

  const device = async (id: string): Promise<MqttClient> => {
    const c = await connectAs(gw.mqttPort, id);
    clients.push(c);
    return c;
  };
  /** Resolves once the config node reports "connected" to the given node. */
  const connected = (id: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('config node never connected')), 10_000);
      const n = helper.getNode(id) as unknown as {
        on(e: string, cb: (call: { args: unknown[] }) => void): void;
      };
      n.on('call:status', (call) => {
        const s = call.args[0] as { text?: string } | undefined;
        if (s?.text === 'guardpost.status.connected') {
          clearTimeout(t);
          resolve();
        }
      });
    });

  type NodeDef = { id: string; type: string } & Record<string, unknown>;
  /**
   * Loads a flow of the config node and `nodes`, each on gateway `gw` with its
   * output wired to a helper node of its own; resolves with a Collector per
   * node, in order, once the first one reports the config node connected.
   */
  const flow = async <N extends NodeDef[]>(...nodes: N): Promise<{ [K in keyof N]: Collector }> => {
    await helper.load(
      guardpostNodes,
      [
        gatewayNode(gw.mqttPort),
        ...nodes.map((n) => ({ gateway: 'gw', ...n, wires: [[`${n.id}-out`]] })),
        ...nodes.map((n) => ({ id: `${n.id}-out`, type: 'helper' })),
      ],
      CREDS,
    );
    const outs = nodes.map((n) => new Collector(helper.getNode(`${n.id}-out`)));
    await connected(nodes[0]?.id ?? '');
    return outs as { [K in keyof N]: Collector };
  };

  /**
   * Resolves once the broker has handled every SUBSCRIBE the config node sent
   * so far: the node subscribes to one more (probe) filter, and aedes, which
   * handles one connection's packets in order, announces each completed
   * SUBSCRIBE on $SYS. No guess at how long a SUBACK takes.
   */
  const subscriptionsSettled = async (): Promise<void> => {
    const watcher = await connectAs(gw.mqttPort, 'police-east');
    clients.push(watcher);
    const inbox = new Inbox(watcher);
    await subscribe(watcher, '$SYS/+/new/subscribes');
    const probe = `gp/v1/probe/${Math.random().toString(16).slice(2, 10)}`;
    const config = helper.getNode('gw') as unknown as {
      subscribe(filter: string, handler: () => void): () => void;
    };
    const off = config.subscribe(probe, () => undefined);
    await inbox.waitFor((m) => m.payload.toString().includes(probe), 10_000, 'the probe SUBSCRIBE on $SYS');
    off();
  };

  it('guardpost event outputs the events of the filtered kind and zone', async () => {
    const [out] = await flow({ id: 'ev', type: 'guardpost-event', kind: 'panic', zone: 'east', unit: '' });
    await subscriptionsSettled();
    const west = await device('U11-PANIC-1');
    const east = await device('U02-PANIC-1');
    await publish(west, 'gp/v1/dev/U11-PANIC-1/panic', { state: 'pressed', seq: 1 });
    await publish(east, 'gp/v1/dev/U02-PANIC-1/heartbeat', { battery: 90, seq: 2 });
    await publish(east, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 3 });
    const msg = await out.waitFor(() => true, 10_000, 'an east panic event');
    expect(msg.topic).toBe('gp/v1/events/panic/east/U02');
    expect(msg.kind).toBe('panic');
    expect(msg.zone).toBe('east');
    expect(msg.unit).toBe('U02');
    expect(msg.payload).toMatchObject({ device: 'U02-PANIC-1', state: 'pressed' });
    // the gateway republishes in the order it journals (each publish above was
    // acknowledged before the next): had they passed, they would be here already
    // neither the west panic nor the heartbeat came through
    expect(out.msgs).toHaveLength(1);
  });

  it('guardpost alert passes each state change once, filtered, and raises custom alerts', async () => {
    const alertNode = { type: 'guardpost-alert', kinds: '', states: '', zones: '' };
    const [raised, escalated, custom] = await flow(
      { ...alertNode, id: 'alert-raised', source: 'both', kinds: 'panic', states: 'raised' },
      { ...alertNode, id: 'alert-esc', source: 'zones', states: 'escalated', zones: 'east' },
      {
        ...alertNode,
        id: 'alert-custom',
        source: 'units',
        kinds: 'custom',
        unit: 'U12',
        severity: 'warning',
      },
    );
    await subscriptionsSettled();
    const button = await device('U03-PANIC-1');
    await publish(button, 'gp/v1/dev/U03-PANIC-1/panic', { state: 'pressed', seq: 10 });
    const r = await raised.waitFor(() => true, 10_000, 'raised panic');
    const alert = r.payload as { id: string; unit: string; state: string; kind: string };
    expect(alert).toMatchObject({ kind: 'panic', state: 'raised', unit: 'U03' });
    expect(r.topic).toMatch(/^gp\/v1\/unit\/U0[1-4]\/alert$/);
    // zone east has ackTimeout 2s and nobody acknowledges: escalation on the zone topic
    const e = await escalated.waitFor(
      (m) => (m.payload as { id: string }).id === alert.id,
      10_000,
      'escalation',
    );
    expect(e.topic).toBe('gp/v1/zone/east/alert');
    expect(e.state).toBe('escalated');
    // the alert went to four units (U03 and its three neighbours), yet came out once
    expect(raised.msgs.filter((m) => (m.payload as { id: string }).id === alert.id)).toHaveLength(1);
    expect(escalated.msgs.filter((m) => (m.payload as { id: string }).id === alert.id)).toHaveLength(1);

    // custom alert: default unit from the node, message and severity from the input
    helper.getNode('alert-custom').receive({ payload: { message: 'Node-RED 测试 test', severity: 'info' } });
    const c = await custom.waitFor((m) => m.state === 'raised', 10_000, 'custom alert');
    expect(c.payload).toMatchObject({ kind: 'custom', unit: 'U12', severity: 'info' });
    expect(String((c.payload as { message: string }).message)).toContain('Node-RED 测试 test');
    expect(c.topic).toBe('gp/v1/unit/U12/alert');
  });

  it('guardpost roll call starts a call and outputs its result when it closes', async () => {
    const [out] = await flow({
      id: 'rc',
      type: 'guardpost-rollcall',
      zone: '',
      unit: 'U02',
      window: 120,
      grace: 30,
    });
    await subscriptionsSettled();
    // the unit's roll-call terminal shows the call and G001 taps his card
    const terminal = await device('U02-RC-1');
    await subscribe(terminal, 'gp/v1/dev/U02-RC-1/cmd/#');
    terminal.on('message', (_topic, payload) => {
      const cmd = JSON.parse(payload.toString()) as { call: string };
      void publish(terminal, 'gp/v1/dev/U02-RC-1/rollcall', {
        call: cmd.call,
        uid: '04A1B2C3D4E5F6',
        seq: 1,
      });
    });
    const before = Date.now();
    // 5 s: long beside the terminal's immediate answer (it must count as present)
    helper.getNode('rc').receive({ payload: { window_s: 5 }, marker: 'kept' });
    const msg = await out.waitFor(() => true, 20_000, 'roll-call result');
    const result = msg.payload as {
      call: string;
      startedAt: string;
      units: { unit: string; present: { guard: string }[]; absent: { guard: string }[] }[];
    };
    expect(msg.marker).toBe('kept');
    expect(msg.call).toBe(result.call);
    expect(msg.topic).toBe(`gp/v1/rollcall/${result.call}/result`);
    expect(Date.parse(result.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(result.units.map((u) => u.unit)).toEqual(['U02']);
    const u02 = result.units[0];
    expect(u02?.present.map((g) => g.guard)).toContain('G001');
    expect(u02?.absent.map((g) => g.guard).sort()).toEqual(['G002', 'G003']);
  });

  it('guardpost roll call reports an error when no result comes (no terminal in scope)', async () => {
    const [out] = await flow({
      id: 'rc',
      type: 'guardpost-rollcall',
      zone: 'west',
      unit: '',
      window: 1,
      grace: 1,
    });
    const rc = helper.getNode('rc') as unknown as {
      on(e: string, cb: (call: { args: unknown[] }) => void): void;
    };
    const failed = new Promise<unknown>((resolve) => rc.on('call:error', (call) => resolve(call.args[0])));
    helper.getNode('rc').receive({ payload: {} });
    const err = await failed;
    expect(String(err)).toContain('guardpost.errors.no-result');
    expect(out.msgs).toHaveLength(0);
  });

  it('a config node without a password reports it instead of connecting', async () => {
    const saved = process.env.GUARDPOST_NR_PASSWORD;
    delete process.env.GUARDPOST_NR_PASSWORD;
    try {
      await helper.load(guardpostNodes, [
        gatewayNode(gw.mqttPort),
        { id: 'ev', type: 'guardpost-event', gateway: 'gw', kind: '', zone: '', unit: '', wires: [] },
      ]);
      const n = helper.getNode('ev') as unknown as { status: { lastCall?: { args: unknown[] } } };
      const text = () => (n.status.lastCall?.args[0] as { text?: string } | undefined)?.text;
      await until('a status', () => text(), 10_000, 20);
      expect(text()).toBe('guardpost.status.no-credentials');
    } finally {
      if (saved !== undefined) process.env.GUARDPOST_NR_PASSWORD = saved;
    }
  });
});
