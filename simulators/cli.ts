/**
 * guardpost-sim: stand-in devices, the district scenario and load mode.
 * See docs/simulators.md.
 */
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { DURATION_PATTERN, parseDuration } from '../gateway/src/config/schema.js';
import { addArcCommand } from './arc-command.js';
import { clockSeq, type DeviceSim, type LinkOptions } from './devices/base.js';
import { PanicButtonSim } from './devices/panic.js';
import { ReaderSim } from './devices/reader.js';
import { RollcallTerminalSim } from './devices/rollcall.js';
import { addLiveCommand } from './live/command.js';
import { formatLoadReport, runLoad } from './load.js';
import { makePtyPair, type PtyPair } from './pty.js';
import { addCityCommand } from './scenario/city.js';
import {
  DEMO_PASSWORD,
  demoSitePath,
  formatPlan,
  formatSummary,
  loadScenarioSite,
  mqttDevices,
  type PlanOptions,
  planScenario,
  QUICK,
  runScenario,
} from './scenario/index.js';
import { addZkCommand } from './zk-command.js';

const DEFAULT_URL = 'mqtt://127.0.0.1:1883';

/** "90s", "2h", "500ms" or a plain number of seconds → ms. */
export function durationMs(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!DURATION_PATTERN.test(text)) throw new Error(`not a duration: "${text}" (try 30s, 5m, 2h)`);
  return parseDuration(text);
}

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

interface DeviceFlags {
  device: string;
  url: string;
  password: string;
  qos: string;
  serial?: string;
  makePty?: boolean;
  driver: 'gpl' | 'uid-line';
  baud: string;
  duration?: string;
  seq?: string;
}

/** First seq: --seq, else from the clock (a rerun within 10 minutes is not taken for duplicates). */
const startSeq = (f: DeviceFlags): number => (f.seq !== undefined ? int(f.seq) : clockSeq());

function deviceOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--device <id>', 'device id (the MQTT username)')
    .option('--url <url>', 'gateway MQTT URL', DEFAULT_URL)
    .option('--password <password>', 'device password', DEMO_PASSWORD)
    .addOption(new Option('--qos <n>', 'QoS of device messages').choices(['0', '1']).default('1'))
    .option('--serial <path>', 'speak on a serial line (tty or pty) instead of MQTT')
    .option('--make-pty', 'make a socat pty pair and print the path to give the gateway')
    .addOption(
      new Option('--driver <name>', 'serial line driver').choices(['gpl', 'uid-line']).default('gpl'),
    )
    .option('--baud <n>', 'serial baud rate', '9600')
    .option('--duration <d>', 'stop after this long (e.g. 30s); default: until Ctrl-C or stdin closes')
    .option('--seq <n>', 'first seq (default: from the clock, so reruns are not duplicates)');
}

async function linkFor(
  f: DeviceFlags,
  log: (s: string) => void,
): Promise<{ link: LinkOptions; pty: PtyPair | null }> {
  if (f.makePty || f.serial) {
    const pty = f.makePty ? await makePtyPair({ name: f.device }) : null;
    if (pty) {
      log(`pty pair ready. Configure the gateway with:`);
      log(`  serial:\n    - { path: ${pty.gatewayPath}, driver: ${f.driver}, devices: [${f.device}] }`);
    }
    const path = pty?.devicePath ?? f.serial ?? '';
    return { link: { via: 'serial', path, device: f.device, driver: f.driver, baudRate: int(f.baud) }, pty };
  }
  return {
    link: {
      via: 'mqtt',
      url: f.url,
      device: f.device,
      password: f.password,
      qos: f.qos === '0' ? 0 : 1,
      reconnect: true,
    },
    pty: null,
  };
}

/** Runs until --duration, Ctrl-C, or (when reading commands) stdin ends. */
function untilStopped(duration: string | undefined, stdin: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (duration) setTimeout(resolve, durationMs(duration));
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (stdin) process.stdin.once('end', () => resolve());
  });
}

function stdinLines(onLine: (line: string) => Promise<void>): void {
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    const t = line.trim();
    if (t) void onLine(t).catch((err: unknown) => console.error(String(err)));
  });
}

async function finish(sim: DeviceSim, pty: PtyPair | null): Promise<void> {
  await sim.close();
  await pty?.close();
}

export function buildCli(): Command {
  const program = new Command('guardpost-sim')
    .description(
      'Simulated guard-post devices, the district scenario and load mode for the guardpost gateway',
    )
    .showHelpAfterError();
  const log = (s: string): void => console.log(s);

  deviceOptions(program.command('reader').description('a checkpoint reader (wand or fixed): taps UIDs'))
    .option('--uid <uid...>', 'UIDs to tap (default: one UID per stdin line)')
    .option('--interval <ms>', 'ms between taps of --uid', '1000')
    .option('--count <n>', 'repeat the --uid list this many times', '1')
    .action(async (f: DeviceFlags & { uid?: string[]; interval: string; count: string }) => {
      const { link, pty } = await linkFor(f, log);
      const sim = await ReaderSim.open(link, { startSeq: startSeq(f) });
      log(`${f.device} connected (${link.via})`);
      if (f.uid && f.uid.length > 0) {
        for (let r = 0; r < int(f.count); r++) {
          for (const uid of f.uid) {
            const m = await sim.tap(uid);
            log(`tap ${uid} seq ${'seq' in m ? m.seq : ''}`);
            await new Promise((res) => setTimeout(res, int(f.interval)));
          }
        }
      } else {
        log('type a UID per line (Ctrl-D to stop)');
        stdinLines(async (uid) => {
          await sim.tap(uid);
          log(`tap ${uid}`);
        });
        await untilStopped(f.duration, true);
      }
      await finish(sim, pty);
    });

  deviceOptions(program.command('panic').description('a duty-room panic button with heartbeats'))
    .option('--press', 'press once connected')
    .option('--release-after <d>', 'release this long after a press', '5s')
    .option('--heartbeat <d>', 'heartbeat interval (0: none)', '60s')
    .option('--battery <n>', 'battery level in heartbeats', '97')
    .option('--rssi <n>', 'signal strength in heartbeats', '-61')
    .option('--tamper', 'report tamper in heartbeats')
    .action(
      async (
        f: DeviceFlags & {
          press?: boolean;
          releaseAfter: string;
          heartbeat: string;
          battery: string;
          rssi: string;
          tamper?: boolean;
        },
      ) => {
        const { link, pty } = await linkFor(f, log);
        const sim = await PanicButtonSim.open(link, { startSeq: startSeq(f) });
        sim.health = { battery: int(f.battery), rssi: int(f.rssi), tamper: f.tamper === true };
        log(`${f.device} connected (${link.via}); stdin: press | release | hb | tamper | untamper`);
        const hb = durationMs(f.heartbeat);
        if (hb > 0) sim.startHeartbeat(hb);
        const pressAndRelease = async (): Promise<void> => {
          await sim.press();
          log('pressed');
          setTimeout(() => void sim.release().then(() => log('released')), durationMs(f.releaseAfter));
        };
        if (f.press) await pressAndRelease();
        stdinLines(async (cmd) => {
          if (cmd === 'press') await pressAndRelease();
          else if (cmd === 'release') await sim.release();
          else if (cmd === 'hb') await sim.heartbeat();
          else if (cmd === 'tamper' || cmd === 'untamper') await sim.heartbeat({ tamper: cmd === 'tamper' });
          else log(`unknown command "${cmd}"`);
          log(`${cmd} sent`);
        });
        await untilStopped(f.duration, false);
        await finish(sim, pty);
      },
    );

  deviceOptions(program.command('rollcall').description('a roll-call terminal answering with guard cards'))
    .option('--cards <uid...>', 'guard cards that answer every roll call', [])
    .option('--delay <ms>', 'ms after the call before the first card', '500')
    .option('--gap <ms>', 'ms between cards', '200')
    .action(async (f: DeviceFlags & { cards: string[]; delay: string; gap: string }) => {
      const { link, pty } = await linkFor(f, log);
      const sim = await RollcallTerminalSim.open(link, {
        startSeq: startSeq(f),
        cards: f.cards,
        delayMs: int(f.delay),
        gapMs: int(f.gap),
      });
      sim.onCall((r) =>
        log(
          `roll call ${r.command.call} until ${new Date(r.command.deadline).toISOString()}: answering ${f.cards.length} card(s)`,
        ),
      );
      log(`${f.device} connected (${link.via}), waiting for roll calls`);
      await untilStopped(f.duration, false);
      await finish(sim, pty);
    });

  addArcCommand(program, log, durationMs);
  addZkCommand(program, log, durationMs);
  addLiveCommand(program, log, durationMs);
  addCityCommand(program, log);

  program
    .command('scenario')
    .description('play a night of the district from a site config and report planned vs seen alerts')
    .option('--url <url>', 'gateway MQTT URL', DEFAULT_URL)
    .option('--password <password>', 'password of every account', DEMO_PASSWORD)
    .option('--config <file>', 'site config', demoSitePath())
    .option('--seed <seed>', 'seed of the plan (number or text)', '1')
    .option('--speed <n>', 'compression of the night schedule (simulated s per real s)')
    .option('--quick', 'short night: 2 routes, 1 round each, 2 panics, 1 silent device, speed 600')
    .option('--night <d>', 'simulated length of the night', '10h')
    .option('--zone <id>', 'only this zone')
    .option('--routes <n>', 'walk at most n routes')
    .option('--rounds <n>', 'at most n rounds per route')
    .option('--panics <n>', 'panic presses')
    .option('--silent <n>', 'devices that go silent')
    .option('--no-rollcall', 'no roll call')
    .option('--rollcall-window <s>', 'roll-call window in real seconds')
    .option('--duration <d>', 'real-time budget: leave out what would end later')
    .option('--operator <id>', 'operator account that starts the roll call and watches alerts')
    .option(
      '--resolve [admin]',
      'at the end, resolve the alerts this run caused (as the first admin operator)',
    )
    .option('--plan-only', 'print the plan and exit')
    .option('--json', 'print the result as JSON')
    .action(async (f: Record<string, string | boolean | undefined>) => {
      const site = loadScenarioSite(String(f.config));
      const num = (k: string): number | undefined => (typeof f[k] === 'string' ? int(f[k]) : undefined);
      const plan: PlanOptions = {
        ...(f.quick ? QUICK : {}),
        seed: /^\d+$/.test(String(f.seed)) ? Number(f.seed) : String(f.seed),
        ...(f.quick ? {} : { nightMs: durationMs(String(f.night)) }),
      };
      const set = <K extends keyof PlanOptions>(k: K, v: PlanOptions[K] | undefined): void => {
        if (v !== undefined) plan[k] = v;
      };
      set('speed', num('speed'));
      set('routes', num('routes'));
      set('rounds', num('rounds'));
      set('panics', num('panics'));
      set('silent', num('silent'));
      set('rollcallWindowS', num('rollcallWindow'));
      set('zone', typeof f.zone === 'string' ? f.zone : undefined);
      set('operator', typeof f.operator === 'string' ? f.operator : undefined);
      set('durationMs', typeof f.duration === 'string' ? durationMs(f.duration) : undefined);
      if (f.rollcall === false) plan.rollcall = false;
      const p = planScenario(site, plan);
      if (!f.json) log(formatPlan(p));
      if (f.planOnly) {
        if (f.json) log(JSON.stringify(p, null, 2));
        return;
      }
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const result = await runScenario(site, p, {
        url: String(f.url),
        password: String(f.password),
        progress: f.json ? 'none' : process.stdout.isTTY ? 'tty' : 'lines',
        signal: abort.signal,
        ...(f.resolve ? { resolve: f.resolve } : {}),
      });
      log(f.json ? JSON.stringify(result, null, 2) : formatSummary(p, result));
      if (result.missing.length > 0) process.exitCode = 1;
    });

  program
    .command('load')
    .description('N devices × rate for a duration: achieved rate and PUBACK latency (any MQTT broker)')
    .option('--url <url>', 'broker URL', DEFAULT_URL)
    .option('--config <file>', 'take device ids from this site config (devices with a password)')
    .option('--devices <n>', 'connections', '10')
    .option('--rate <n>', 'messages per second per device', '1')
    .option('--total', '--rate is the total over all devices')
    .addOption(new Option('--qos <n>', 'QoS').choices(['0', '1']).default('1'))
    .option('--duration <d>', 'how long to send', '10s')
    .option('--device-pattern <p>', 'device ids when no --config ({i} = 1..N)', 'LOAD-{i}')
    .option('--username <p>', 'username pattern ({device}, {i})', '{device}')
    .option('--password <p>', 'password pattern ({device}, {i})', DEMO_PASSWORD)
    .option('--topic <p>', 'topic pattern ({device}, {i}); default the device tap topic')
    .option('--json', 'print the report as JSON')
    .action(async (f: Record<string, string | boolean | undefined>) => {
      const ids = typeof f.config === 'string' ? [...mqttDevices(loadScenarioSite(f.config))] : undefined;
      const report = await runLoad({
        url: String(f.url),
        devices: int(String(f.devices)),
        rate: int(String(f.rate)),
        totalRate: f.total === true,
        qos: f.qos === '0' ? 0 : 1,
        durationMs: durationMs(String(f.duration)),
        ...(ids ? { deviceIds: ids } : {}),
        devicePattern: String(f.devicePattern),
        username: String(f.username),
        password: String(f.password),
        ...(typeof f.topic === 'string' ? { topic: f.topic } : {}),
      });
      log(f.json ? JSON.stringify(report, null, 2) : formatLoadReport(report));
      if (report.sent === 0 || report.errors > 0) process.exitCode = 1;
    });

  return program;
}

const isMain =
  process.argv[1] !== undefined && /guardpost-sim(\.js)?$|simulators[/\\]cli\.(ts|js)$/.test(process.argv[1]);
if (isMain) {
  buildCli()
    .parseAsync(process.argv)
    .then(
      () => process.exit(process.exitCode ?? 0),
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(2);
      },
    );
}
