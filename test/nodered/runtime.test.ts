/**
 * Node-RED as the gateway runs it: a separate process with the shipped
 * flows, the site's operators as editor logins, the guardpost nodes talking
 * to the real broker. Escalation → webhook, the scheduled flows, isolation
 * from a busy flow, the editor in a real browser, restart after a crash.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { ROOT } from '../support/gateway.js';
import { connectAs, end, Inbox, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import {
  adminToken,
  bearer,
  deployFlows,
  type FlowNode,
  getFlows,
  inject,
  type NodeRedSite,
  startGatewayWithNodeRed,
  WebhookReceiver,
} from './runtime-support.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'nodered');

let site: NodeRedSite;
let hook: WebhookReceiver;
let auth: Record<string, string>;
const clients: MqttClient[] = [];
let seq = 100;

const connect = async (id: string): Promise<MqttClient> => {
  const c = await connectAs(site.gw.mqttPort, id);
  clients.push(c);
  return c;
};

interface Alert {
  id: string;
  kind: string;
  state: string;
  unit: string;
  device: string | null;
  message: string;
}

describe.sequential('Node-RED next to the gateway', () => {
  beforeAll(async () => {
    hook = new WebhookReceiver();
    const url = await hook.start();
    site = await startGatewayWithNodeRed({ GUARDPOST_WEBHOOK_URL: url });
    auth = await bearer(site.base);
  }, 90_000);

  afterAll(async () => {
    await end(...clients);
    const pid = site ? (await site.health()).pid : null;
    await site?.stop();
    await hook?.stop();
    // stopping the gateway stopped its Node-RED process
    if (pid) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('installs the shipped flows on first start and logs in operators only', async () => {
    const userDir = join(site.gw.dataDir, 'nodered');
    expect(existsSync(join(userDir, 'flows.json'))).toBe(true);
    const { flows } = await getFlows(site.base, auth);
    const tabs = flows.filter((n) => n.type === 'tab').map((n) => n.label);
    expect(tabs).toEqual([
      'Escalation webhook 升级推送',
      'Nightly roll call 夜间点名',
      'Daily patrol summary 每日巡更汇总',
    ]);
    expect(flows.find((n) => n.id === 'gp-rc-inject')).toMatchObject({ crontab: '00 22 * * *' });
    // each tab explains itself
    for (const tab of flows.filter((n) => n.type === 'tab'))
      expect(flows.some((n) => n.type === 'comment' && n.z === tab.id)).toBe(true);
    // the password never lands in the flows file
    expect(readFileSync(join(userDir, 'flows.json'), 'utf8')).not.toContain('secret');

    expect((await fetch(`${site.base}/flows`)).status).toBe(401);
    expect((await adminToken(site.base, 'tech1', 'wrong')).status).toBe(403);
    expect((await adminToken(site.base, 'U01-duty', 'secret')).status).toBe(403); // a console, not an operator
    expect((await adminToken(site.base, 'police-east', 'secret')).status).toBe(200); // admin
    const nodes = (await (
      await fetch(`${site.base}/nodes`, { headers: { ...auth, accept: 'application/json' } })
    ).json()) as {
      module: string;
      types: string[];
    }[];
    const ours = nodes.filter((s) => s.module === 'node-red-contrib-guardpost').flatMap((s) => s.types);
    expect(ours.sort()).toEqual([
      'guardpost-alert',
      'guardpost-event',
      'guardpost-gateway',
      'guardpost-rollcall',
    ]);
  });

  it('daily patrol summary: taps are counted and the 07:00 summary goes to the webhook', async () => {
    const wand = await connect('G001-WAND');
    // The flows connect to the broker shortly after the editor is up: tap and ask
    // for the summary until a summary has counted a tap.
    const { r, body } = await until(
      'a patrol summary that counted a tap',
      async () => {
        await publish(wand, 'gp/v1/dev/G001-WAND/tap', { uid: '04D1E2F3', seq: seq++ });
        const before = hook.received.length;
        await inject(site.base, auth, 'gp-ps-inject');
        const summary = await hook.waitFor(
          (x, i = hook.received.indexOf(x)) =>
            i >= before && (x.body as { type?: string }).type === 'patrol-summary',
          10_000,
          'patrol summary',
        );
        const b = summary.body as { taps: number; tapsByZone: Record<string, number>; text: string };
        return b.taps > 0 ? { r: summary, body: b } : null;
      },
      30_000,
      300,
    );
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/hook');
    expect(body.tapsByZone.east).toBe(body.taps);
    expect(body.text).toContain('巡更汇总');
  });

  it('escalation webhook: a panic nobody acknowledges reaches the HTTP receiver', async () => {
    const button = await connect('U01-PANIC-1');
    const pressedAt = Date.now();
    await publish(button, 'gp/v1/dev/U01-PANIC-1/panic', { state: 'pressed', seq: seq++ });
    // zone east: ackTimeout 2s
    const r = await hook.waitFor(
      (x) =>
        (x.body as Partial<Alert>).kind === 'panic' && (x.body as Partial<Alert>).device === 'U01-PANIC-1',
      20_000,
      'escalated panic',
    );
    expect(r.method).toBe('POST');
    expect(r.at).toBeGreaterThan(pressedAt);
    expect(r.body).toMatchObject({ kind: 'panic', state: 'escalated', unit: 'U01', zone: 'east' });
    // once, although the escalation went to four units and the zone: a later
    // escalation's webhook comes after any duplicate of this one would have
    const id = (r.body as Alert).id;
    const other = await connect('U03-PANIC-1');
    await publish(other, 'gp/v1/dev/U03-PANIC-1/panic', { state: 'pressed', seq: seq++ });
    await hook.waitFor(
      (x) =>
        (x.body as Partial<Alert>).kind === 'panic' && (x.body as Partial<Alert>).device === 'U03-PANIC-1',
      20_000,
      'a later escalated panic',
    );
    expect(hook.received.filter((x) => (x.body as Partial<Alert>).id === id)).toHaveLength(1);
  });

  it('nightly roll call: the inject starts a roll call the terminals receive', async () => {
    const terminal = await connect('U02-RC-1');
    const inbox = new Inbox(terminal);
    await subscribe(terminal, 'gp/v1/dev/U02-RC-1/cmd/#');
    await inject(site.base, auth, 'gp-rc-inject');
    const cmd = await inbox.waitFor(
      (m) => m.topic === 'gp/v1/dev/U02-RC-1/cmd/rollcall',
      10_000,
      'cmd/rollcall',
    );
    const c = cmd.json as { call: string; deadline: string; unit: string };
    expect(c.unit).toBe('U02');
    // the shipped window is 120 s
    expect(Date.parse(c.deadline) - Date.now()).toBeGreaterThan(100_000);
  });

  it('a flow busy for seconds does not delay panic fan-out', async () => {
    const consoles = ['U01-duty', 'U02-duty', 'U03-duty', 'U04-duty'];
    const inboxes = new Map<string, Inbox>();
    for (const id of consoles) {
      const c = await connect(id);
      inboxes.set(id, new Inbox(c));
      await subscribe(c, `gp/v1/unit/${id.slice(0, 3)}/#`);
    }
    const u12 = await connect('U12-duty');
    const u12Inbox = new Inbox(u12);
    await subscribe(u12, 'gp/v1/unit/U12/#');

    // Deploy: a timer-started function that logs a warning, blocks Node-RED's
    // event loop for 6 s, then raises a custom alert at U12 saying it is done.
    // A "ping" inject answers at once (proof the new flow is running). The test
    // presses only once the loop has said it started, so the press falls inside
    // it however slow the machine (6 s is long beside a connect and a publish).
    const { rev, flows } = await getFlows(site.base, auth);
    const busy: FlowNode[] = [
      { id: 'busy-tab', type: 'tab', label: 'busy', disabled: false, info: '' },
      {
        id: 'busy-inject',
        type: 'inject',
        z: 'busy-tab',
        name: 'go',
        props: [{ p: 'payload' }],
        repeat: '',
        crontab: '',
        once: false,
        onceDelay: 0.1,
        topic: '',
        payload: '',
        payloadType: 'date',
        x: 100,
        y: 60,
        wires: [['busy-fn']],
      },
      {
        id: 'busy-ping',
        type: 'inject',
        z: 'busy-tab',
        name: 'ping',
        props: [{ p: 'payload' }],
        repeat: '',
        crontab: '',
        once: false,
        onceDelay: 0.1,
        topic: '',
        payload: 'ping',
        payloadType: 'str',
        x: 100,
        y: 120,
        wires: [['busy-fn']],
      },
      {
        id: 'busy-fn',
        type: 'function',
        z: 'busy-tab',
        name: 'busy loop',
        func: "if (msg.payload === 'ping') return { payload: { unit: 'U12', message: 'busy-ready', severity: 'info' } }; setTimeout(() => { node.warn('busy-loop-start'); const end = Date.now() + 6000; while (Date.now() < end) {} node.send({ payload: { unit: 'U12', message: 'busy-done', severity: 'info' } }); }, 50); return null;",
        outputs: 1,
        timeout: 0,
        noerr: 0,
        initialize: '',
        finalize: '',
        libs: [],
        x: 260,
        y: 60,
        wires: [['busy-alert']],
      },
      {
        id: 'busy-alert',
        type: 'guardpost-alert',
        z: 'busy-tab',
        name: '',
        gateway: 'gp-gateway',
        source: 'units',
        kinds: '',
        states: '',
        zones: '',
        unit: '',
        severity: 'info',
        x: 440,
        y: 60,
        wires: [[]],
      },
    ];
    const newRev = await deployFlows(
      site.base,
      auth,
      [...flows.filter((n) => !n.id.startsWith('busy-')), ...busy],
      rev,
    );
    expect(newRev).not.toBe(rev);
    const hasMessage = (text: string) => (m: { json: unknown }) =>
      String((m.json as Partial<Alert>).message).includes(text);
    // the new flow runs and its alert node reaches the gateway (retried: a ping before the start is lost)
    await until('the deployed busy flow answering a ping', async () => {
      await inject(site.base, auth, 'busy-ping');
      return u12Inbox.waitFor(hasMessage('busy-ready'), 2000, 'busy-ready').catch(() => null);
    });

    const logsBefore = site.gw.logs().length;
    await inject(site.base, auth, 'busy-inject');
    await until(
      'the busy loop started',
      () => site.gw.logs().slice(logsBefore).includes('busy-loop-start'),
      15_000,
      20,
    );
    const button = await connect('U02-PANIC-1');
    // Proof that Node-RED is blocked: its editor cannot answer until the loop ends.
    let editorAnsweredAt = 0;
    const probe = fetch(`${site.base}/auth/login`).then(() => {
      editorAnsweredAt = Date.now();
    });
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: seq++ });

    const raisedAt = new Map<string, number>();
    for (const [id, inbox] of inboxes) {
      await inbox.waitFor(
        (m) =>
          (m.json as Partial<Alert>).device === 'U02-PANIC-1' &&
          (m.json as Partial<Alert>).state === 'raised',
        10_000,
        `raised panic at ${id}`,
      );
      raisedAt.set(id, Date.now());
    }
    const done = await u12Inbox.waitFor(hasMessage('busy-done'), 20_000, 'busy flow completion');
    const doneAt = Date.now();
    expect((done.json as Alert).kind).toBe('custom');
    await probe;
    // every console had the panic while Node-RED was still inside the loop
    for (const [, at] of raisedAt) {
      expect(at).toBeLessThan(doneAt);
      expect(at).toBeLessThan(editorAnsweredAt);
    }
    // the flow raised its alert once, and U12 (zone west) heard nothing of zone east's panic
    expect(u12Inbox.messages.filter(hasMessage('busy-done'))).toHaveLength(1);
    expect(u12Inbox.messages.some((m) => (m.json as Partial<Alert>).kind === 'panic')).toBe(false);
  });

  it('the editor: operator login, guardpost palette, shipped tabs, deploy', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await launchBrowser({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    try {
      const page = await browser.context.newPage();
      await page.goto(site.base);
      await page.waitForSelector('#node-dialog-login-username', { timeout: 30_000 });
      await page.fill('#node-dialog-login-username', 'tech1');
      await page.fill('#node-dialog-login-password', 'secret');
      await page.click('#node-dialog-login-submit');
      await page.waitForSelector('#red-ui-palette-container-guardpost', {
        state: 'attached',
        timeout: 30_000,
      });
      for (const type of ['guardpost-event', 'guardpost-alert', 'guardpost-rollcall']) {
        const node = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
        await node.first().waitFor({ state: 'attached', timeout: 30_000 });
        expect(await node.count()).toBe(1);
      }
      // the palette is drawn before the flows load: wait for the tabs, do not read them at once
      await page
        .locator('#red-ui-workspace-tabs li', { hasText: 'Daily patrol summary' })
        .first()
        .waitFor({ state: 'attached', timeout: 30_000 });
      const tabs = await page.locator('#red-ui-workspace-tabs li').allInnerTexts();
      const joined = tabs.join('|');
      for (const label of ['Escalation webhook', 'Nightly roll call', 'Daily patrol summary'])
        expect(joined).toContain(label);
      await page.screenshot({ path: join(ARTIFACTS, 'editor.png') });

      // make a change in the editor and deploy it
      const { rev } = await getFlows(site.base, auth);
      await page.evaluate(() => {
        const red = (
          globalThis as unknown as {
            RED: { view: { importNodes(n: object[]): void }; workspaces: { active(): string } };
          }
        ).RED;
        red.view.importNodes([
          {
            id: 'browser-note',
            type: 'comment',
            name: 'added in the browser',
            info: '',
            x: 600,
            y: 400,
            z: red.workspaces.active(),
            wires: [],
          },
        ]);
      });
      // the imported node follows the mouse until it is dropped on the canvas
      await page.mouse.move(650, 450);
      await page.mouse.click(650, 450);
      await page.locator('#red-ui-header-button-deploy:not(.disabled)').waitFor({ timeout: 10_000 });
      await page.click('#red-ui-header-button-deploy');
      await page.locator('.red-ui-notification', { hasText: /deployed/i }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'deployed.png') });
      const after = await until('the deployed flows', async () => {
        const f = await getFlows(site.base, auth);
        return f.rev !== rev ? f : null;
      });
      expect(after.rev).not.toBe(rev);
      expect(after.flows.some((n) => n.type === 'comment' && n.name === 'added in the browser')).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it('a crashed Node-RED process is restarted', async () => {
    const before = await site.health();
    expect(before.state).toBe('running');
    expect(before.port).toBe(site.port);
    if (!before.pid) throw new Error('no pid');
    process.kill(before.pid, 'SIGKILL');
    const h = await until(
      'Node-RED restarted',
      async () => {
        const now = await site.health();
        return now.restarts > before.restarts && now.state === 'running' ? now : null;
      },
      30_000,
      250,
    );
    expect(h.restarts).toBe(before.restarts + 1);
    expect(h.state).toBe('running');
    expect(h.pid).not.toBe(before.pid);
    // the technicians' flows survived (it is the same flows file)
    const { flows } = await getFlows(site.base, await bearer(site.base));
    expect(flows.some((n) => n.id === 'busy-fn')).toBe(true);
  });
});
