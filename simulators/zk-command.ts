/** `guardpost-sim zk`: a ZKTeco-style push terminal over HTTP (docs/simulators.md, docs/zkpush.md). */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ZkTerminalSim } from './devices/zk.js';

interface ZkFlags {
  url: string;
  sn: string;
  zone: string;
  pins: string[];
  delay: string;
  gap: string;
  poll?: string;
  clockOffset: string;
  duration?: string;
}

export function addZkCommand(program: Command, log: (s: string) => void, toMs: (d: string) => number): void {
  program
    .command('zk')
    .description('a ZKTeco-style push attendance terminal: handshake, ATTLOG punches, command polling')
    .requiredOption('--sn <serial>', 'the terminal SN (devices[].serial of a protocol: zk-push terminal)')
    .option('--url <url>', 'gateway HTTP URL', 'http://127.0.0.1:8080')
    .option('--zone <tz>', 'time zone of the terminal clock (the site timezone)', 'Asia/Shanghai')
    .option('--pins <pin...>', 'PINs that punch when a roll call message appears', [])
    .option('--delay <ms>', 'ms after the message before the first punch', '500')
    .option('--gap <ms>', 'ms between punches', '200')
    .option('--poll <ms>', 'poll interval (default: the Delay the gateway hands out)')
    .option('--clock-offset <ms>', 'terminal clock error in ms (positive: ahead)', '0')
    .option('--duration <d>', 'stop after this long (e.g. 30s); default: until Ctrl-C or stdin closes')
    .action(async (f: ZkFlags) => {
      const sim = new ZkTerminalSim({
        url: f.url,
        sn: f.sn,
        zone: f.zone,
        pins: f.pins,
        delayMs: Number(f.delay),
        gapMs: Number(f.gap),
        clockOffsetMs: Number(f.clockOffset),
        ...(f.poll ? { pollMs: Number(f.poll) } : {}),
      });
      const hs = await sim.handshake();
      if (hs.status !== 200) {
        log(`handshake refused: HTTP ${hs.status} ${hs.text}`);
        process.exitCode = 1;
        return;
      }
      log(`registered as ${f.sn}: Delay=${sim.options.Delay}s TimeZone=${sim.options.TimeZone}`);
      sim.start();
      sim.onMessage((m) => log(`screen message ${m.id}: ${m.text}; punching ${f.pins.length} PIN(s)`));
      log('type a PIN per line to punch it now (Ctrl-D to stop)');
      const pending = new Set<Promise<void>>();
      const rl = createInterface({ input: process.stdin, terminal: false });
      rl.on('line', (line) => {
        const pin = line.trim();
        if (!pin) return;
        const p = sim.punch(pin).then(
          (a) => log(`punch ${pin}: HTTP ${a.status} ${a.text}`),
          (err: unknown) => log(`punch ${pin} failed: ${String(err)}`),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      });
      await new Promise<void>((resolve) => {
        if (f.duration) setTimeout(resolve, toMs(f.duration));
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        process.stdin.once('end', () => resolve());
      });
      rl.close();
      await Promise.allSettled([...pending]); // punches typed just before stdin closed
      sim.stop();
    });
}
