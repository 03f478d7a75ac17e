/**
 * `guardpost-sim arc`: an alarm receiving centre for SIA DC-09 (simulators/arc.ts,
 * docs/simulators.md). Prints one line per frame; stdin commands switch its
 * behaviour: `down`, `up`, `refuse`, `accept`, `silent`, `answer`, `nak <n>`, `stats`.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { keyProblem } from '../devices/codecs/dc09/index.js';
import { ArcSimulator } from './arc.js';

interface ArcFlags {
  port: string;
  host: string;
  key?: string;
  window: string;
  lengthCheck: boolean;
  nak: string;
  json?: boolean;
  duration?: string;
}

export function addArcCommand(program: Command, log: (s: string) => void, toMs: (d: string) => number): void {
  program
    .command('arc')
    .description('an alarm receiving centre (SIA DC-09 over TCP): checks CRC, length, timestamp; ACK/NAK/DUH')
    .option('--port <n>', 'TCP port to listen on', '7777')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--key <key>', 'AES key (16/24/32 characters) for encrypted frames')
    .option('--window <d>', 'accepted timestamp skew either way', '60s')
    .option('--no-length-check', 'accept frames whose length field is wrong')
    .option('--nak <n>', 'NAK the first n frames (a NAK storm)', '0')
    .option('--json', 'one JSON object per frame')
    .option('--duration <d>', 'stop after this long (e.g. 30s); default: until Ctrl-C')
    .action(async (f: ArcFlags) => {
      if (f.key && keyProblem(f.key)) throw new Error(keyProblem(f.key) ?? 'bad key');
      const sim = new ArcSimulator({
        port: Number(f.port),
        host: f.host,
        key: f.key ?? null,
        windowMs: toMs(f.window),
        checkLength: f.lengthCheck,
      });
      sim.nakStorm(Number(f.nak));
      sim.on('frame', (r) => {
        const fr = r.frame;
        if (f.json)
          log(
            JSON.stringify({
              at: new Date(r.at).toISOString(),
              answer: r.answer,
              reason: r.reason,
              frame: fr,
            }),
          );
        else
          log(
            `${new Date(r.at).toISOString()} ${r.answer.padEnd(4)} ${fr ? `${fr.encrypted ? '*' : ''}${fr.token} ${String(fr.seq).padStart(4, '0')} #${fr.account ?? '-'} [${fr.data}]` : JSON.stringify(r.raw)}${r.reason ? `  (${r.reason})` : ''}`,
          );
      });
      const port = await sim.listen();
      log(`ARC simulator listening on ${f.host}:${port}${f.key ? ' (encrypted frames accepted)' : ''}`);
      const rl = createInterface({ input: process.stdin, terminal: false });
      rl.on('line', (line) => {
        const [cmd, arg] = line.trim().split(/\s+/);
        const act: Record<string, () => Promise<void> | void> = {
          down: () => sim.down().then(() => log('outage: not listening')),
          up: () => sim.listen().then(() => log('listening again')),
          refuse: () => {
            sim.refuse(true);
            log('refusing connections');
          },
          accept: () => {
            sim.refuse(false);
            log('accepting connections');
          },
          silent: () => {
            sim.setSilent(true);
            log('silent: frames are read, never answered');
          },
          answer: () => {
            sim.setSilent(false);
            log('answering again');
          },
          nak: () => {
            sim.nakStorm(Number(arg ?? 1));
            log(`NAKing the next ${Number(arg ?? 1)} frame(s)`);
          },
          stats: () => log(JSON.stringify(sim.counts)),
        };
        const run = cmd ? act[cmd] : undefined;
        if (run) void Promise.resolve(run()).catch((err: unknown) => log(String(err)));
        else if (cmd) log('commands: down, up, refuse, accept, silent, answer, nak <n>, stats');
      });
      await new Promise<void>((resolve) => {
        if (f.duration) setTimeout(resolve, toMs(f.duration));
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      rl.close();
      log(JSON.stringify(sim.counts));
      await sim.close();
    });
}
