/**
 * Real pseudo-terminal pairs from socat for serial tests: the gateway opens
 * `a`, the test writes on `b`. Killing the pair and starting it again at the
 * same link paths is an unplug/replug of a USB adapter.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../support/wait.js';

export interface PtyPair {
  a: string;
  b: string;
  /**
   * Unplug: kill socat and wait until it is gone. `blockMs` keeps this
   * process's event loop busy meanwhile, so the reader is not mid-read when
   * the kernel hangs the tty up (the case where reads see only EOF).
   */
  kill(opts?: { blockMs?: number }): Promise<void>;
  /** Replug at the same paths. */
  restart(): Promise<void>;
}

function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  return until(what, check, timeoutMs, 20);
}

function target(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

export async function startPtyPair(dir: string, name = 'tty'): Promise<PtyPair> {
  const a = join(dir, `${name}-a`);
  const b = join(dir, `${name}-b`);
  let proc: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    rmSync(a, { force: true });
    rmSync(b, { force: true });
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc = child;
    await waitUntil(`socat links ${a}, ${b} (${stderr})`, () => {
      if (child.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
      return target(a) !== null && target(b) !== null && existsSync(a) && existsSync(b);
    });
  };

  const kill = async (opts: { blockMs?: number } = {}): Promise<void> => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    if (opts.blockMs) {
      const until = Date.now() + opts.blockMs;
      while (Date.now() < until) {
        // busy on purpose: no I/O callbacks run while socat exits
      }
    }
    await exited;
  };

  await launch();
  return { a, b, kill, restart: launch };
}

/** Write bytes on a pty end the way a device would (node fs, no serial library). */
export function writeLine(path: string, data: string | Buffer): void {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  } finally {
    closeSync(fd);
  }
}
