/**
 * The CLI as a person at a terminal meets it: `guardpost passwd` in a real pty
 * (util-linux `script` gives the child a terminal) must not echo the password,
 * and `guardpost --version` prints the package version.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../gateway/src/auth/password.js';
import { ROOT } from '../support/gateway.js';
import { until } from '../support/wait.js';

const CLI = join(ROOT, 'gateway', 'src', 'cli', 'main.ts');
const node = `${process.execPath} --import tsx ${CLI}`;

describe('guardpost passwd at a terminal', () => {
  it('does not echo the typed password and prints a hash that verifies', async () => {
    const secret = 'Tr0ub4dor-echo-check';
    // script copies its stdin into the pty and the pty's output to its stdout.
    const child = spawn('script', ['-q', '-e', '-c', `${node} passwd`, '/dev/null'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Type only once the prompt is there: the terminal is in raw mode by then.
    await until('the password prompt', () => /password/.test(out), 30_000);
    child.stdin.write(`${secret}\r`);
    const code = await exited;
    expect(code).toBe(0);
    expect(out).not.toContain(secret);
    const hash = /(scrypt\$\S+)/.exec(out)?.[1];
    expect(hash).toBeDefined();
    expect(await verifyPassword(secret, hash ?? '')).toBe(true);
  });
});

describe('guardpost start with a broken config', () => {
  it('prints every problem with its line, as check does, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-badstart-'));
    const config = join(dir, 'site.yaml');
    writeFileSync(
      config,
      'site: { id: x, name: y }\nzones: []\nunits: [{ id: U1, name: u, zone: nowhere, kind: school }]\n',
    );
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', CLI, 'start', '--config', config, '--data-dir', dir],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          GUARDPOST_HOST: '127.0.0.1',
          GUARDPOST_MQTT_PORT: '0',
          GUARDPOST_WS_PORT: '0',
          GUARDPOST_HTTP_PORT: '0',
          GUARDPOST_NODERED_PORT: '0',
        },
      },
    );
    const check = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'check', '--config', config], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    const lines = (s: string) => s.trim().split('\n');
    const startLines = lines(r.stderr);
    const checkLines = lines(check.stderr);
    expect(startLines.length).toBeGreaterThanOrEqual(3);
    // the same problem lines, with [line N], only the last line differs
    expect(startLines.slice(0, -1)).toEqual(checkLines.slice(0, -1));
    expect(startLines[0]).toMatch(/\[line \d+\]$/);
    expect(startLines.at(-1)).toMatch(/: \d+ problems; nothing started$/);
  });
});

describe('guardpost --version', () => {
  it('prints the version of package.json and exits 0', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
