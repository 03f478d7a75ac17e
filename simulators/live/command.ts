/**
 * `guardpost-sim live`: the living district (district.ts) against a
 * gateway until stopped. Started by `guardpost start --sim` as a child
 * process (the demo's `npm start`): then it reports its figures to the
 * gateway over the IPC channel and stops when the gateway goes away.
 */
import type { Command } from 'commander';
import { DEMO_PASSWORD, demoSitePath, loadScenarioSite } from '../scenario/index.js';
import { LiveDistrict, type LiveStats } from './district.js';

export function addLiveCommand(
  program: Command,
  log: (s: string) => void,
  durationMs: (t: string) => number,
): void {
  program
    .command('live')
    .description(
      'a living district until stopped: heartbeats, tours, roll-call answers, now and then a panic',
    )
    .option('--url <url>', 'gateway MQTT URL', 'mqtt://127.0.0.1:1883')
    .option('--password <password>', 'password of every account', DEMO_PASSWORD)
    .option('--config <file>', 'site config', demoSitePath())
    .option(
      '--speed <n>',
      'routes walked this many times faster than a guard (panics as much more often)',
      '8',
    )
    .option('--panic-every <d>', 'mean time between panics at speed 1 (0: none)', '40m')
    .option('--seed <seed>', 'random seed (default: from the clock)')
    .option('--duration <d>', 'stop after this long (default: until stopped)')
    .action(async (f: Record<string, string | undefined>) => {
      const speed = Number(f.speed);
      if (!Number.isFinite(speed) || speed < 1) throw new Error(`--speed ${f.speed}: must be a number ≥ 1`);
      const district = await LiveDistrict.start({
        site: loadScenarioSite(String(f.config)),
        url: String(f.url),
        password: String(f.password),
        speed,
        panicEveryMs: f.panicEvery === '0' ? 0 : durationMs(String(f.panicEvery)),
        ...(f.seed !== undefined ? { seed: f.seed } : {}),
        log,
      });
      const report = (s: LiveStats): void => {
        if (process.send) process.send({ guardpost: 'sim-stats', stats: s });
        else
          log(
            `${s.beating}/${s.devices} devices beating, ${s.heartbeats} heartbeats, ${s.taps} taps, ${s.tours} tours, ${s.panics} panics (${s.acks} acknowledged), ${s.errors} errors`,
          );
      };
      report(district.stats());
      const every = setInterval(() => report(district.stats()), process.send ? 2_000 : 60_000);
      await new Promise<void>((resolve) => {
        if (f.duration) setTimeout(resolve, durationMs(f.duration));
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        // the gateway that started us is gone: no orphans
        process.once('disconnect', () => resolve());
      });
      clearInterval(every);
      await district.stop();
      report(district.stats());
    });
}
