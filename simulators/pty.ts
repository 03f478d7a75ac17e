/**
 * A virtual serial cable: two linked ptys made by socat. The simulator
 * writes on one end, the gateway's serial port is configured with the other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The simulator's end. */
  devicePath: string;
  /** The end to put in the site config's `serial[].path`. */
  gatewayPath: string;
  close(): Promise<void>;
}

export async function makePtyPair(
  opts: { dir?: string; name?: string; timeoutMs?: number } = {},
): Promise<PtyPair> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gp-pty-'));
  const name = opts.name ?? 'sim';
  const devicePath = join(dir, `${name}-device`);
  const gatewayPath = join(dir, `${name}-gateway`);
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${gatewayPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  while (!(existsSync(devicePath) && existsSync(gatewayPath))) {
    const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
    if (failed) throw new Error(`cannot run socat (is it installed?): ${failed.message}`);
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not make the pty pair: ${log.slice(-500)}`);
    }
  }
  return {
    devicePath,
    gatewayPath,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
