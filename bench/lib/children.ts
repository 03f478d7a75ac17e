/**
 * Child processes of a benchmark run: every broker, load generator and
 * server is a separate process (so a client never shares the event loop of
 * the broker it measures), and every one is killed when the run ends, fails
 * or is interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

const live = new Set<number>();
let hooked = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Remember a pid to kill if the benchmark process exits or is interrupted. */
export function track(pid: number | undefined): void {
  if (pid === undefined) return;
  live.add(pid);
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function untrack(pid: number | undefined): void {
  if (pid !== undefined) live.delete(pid);
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Everything written to stdout and stderr so far (tail). */
  output(): string;
  /** Resolves with the first stdout line starting with `prefix` (the rest, trimmed). */
  line(prefix: string, timeoutMs: number): Promise<string>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawn `command args`, tracked for clean-up, output captured line by line. */
export function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`cannot spawn ${command}`);
  const pid = proc.pid;
  track(pid);
  let out = '';
  let partial = '';
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (s: string) => void }[] = [];
  const onLine = (l: string): void => {
    lines.push(l);
    for (const w of [...waiters]) {
      if (l.startsWith(w.prefix)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l.slice(w.prefix.length).trim());
      }
    }
  };
  proc.stdout?.on('data', (d: Buffer) => {
    const s = d.toString();
    out = (out + s).slice(-20_000);
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((r) =>
    proc.once('exit', (code) => {
      untrack(pid);
      r(code);
    }),
  );
  const child: Child = {
    proc,
    pid,
    output: () => out,
    exited,
    line: (prefix, timeoutMs) => {
      const found = lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) return Promise.resolve(found.slice(prefix.length).trim());
      return new Promise((res, rej) => {
        const t = setTimeout(
          () => rej(new Error(`${command}: no "${prefix}" line in ${timeoutMs} ms:\n${out.slice(-3000)}`)),
          timeoutMs,
        );
        const w = {
          prefix,
          resolve: (s: string) => {
            clearTimeout(t);
            res(s);
          },
        };
        waiters.push(w);
        exited.then((code) => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            rej(new Error(`${command} exited (${code}) before "${prefix}":\n${out.slice(-3000)}`));
          }
        });
      });
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
  return child;
}

/** A TypeScript script of this repository in its own Node process (same loader as the gateway). */
export function spawnScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Child {
  return spawnChild(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(ROOT, script), ...args], env);
}
