/** `guardpost check` and `guardpost passwd`, driven through their run functions with real streams. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isPasswordHash, verifyPassword } from '../../gateway/src/auth/password.js';
import { runCheck } from '../../gateway/src/cli/check.js';
import { runPasswd } from '../../gateway/src/cli/passwd.js';
import { BASE, mutate } from './base-site.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const dir = mkdtempSync(join(tmpdir(), 'guardpost-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('guardpost check', () => {
  it('exits 0 on the demo site and prints a one-line summary', () => {
    const out = sink();
    const err = sink();
    expect(runCheck('gateway/demo/site.yaml', out.stream, err.stream)).toBe(0);
    expect(out.text()).toBe(
      'gateway/demo/site.yaml: ok — site yanghe (洋河新区): 5 zones, 37 units, 207 guards, 116 devices, 96 checkpoints, 10 routes, 37 consoles, 3 operators\n',
    );
    expect(err.text()).toBe('');
  });

  it('exits 0 with warnings, printing them', () => {
    const warnOnly = file(
      'warn2.yaml',
      BASE.replace('zone: east, kind: government }', 'zone: east, kind: government, neighbours: [U03] }'),
    );
    const out2 = sink();
    const err2 = sink();
    expect(runCheck(warnOnly, out2.stream, err2.stream)).toBe(0);
    expect(err2.text()).toBe(
      'warning: units[0].neighbours[0]: unit "U03" is in zone "west", not "east" (allowed: its alerts cross zones) [line 6]\n',
    );
    expect(out2.text()).toMatch(/: ok — site t \(测试\): 2 zones, 3 units, 2 guards.*\(1 warning\)\n$/);
  });

  it('exits 1 on a broken file, listing every problem with its line and a count', () => {
    const out = sink();
    const err = sink();
    const path = file(
      'bad.yaml',
      mutate(
        ['zone: east, kind: residential', 'zone: eats, kind: residential'],
        ['maxDuration: 40m', 'maxDuration: 40'],
      ),
    );
    expect(runCheck(path, out.stream, err.stream)).toBe(1);
    expect(out.text()).toBe('');
    expect(err.text()).toBe(
      [
        'units[1].zone: no zone "eats" (did you mean "east"?) [line 7]',
        'routes[0].maxDuration: must be a duration like "90s", "30m" or "2h" (ms, s, m, h or d), not the number 40 [line 16]',
        `${path}: 2 problems; the gateway would refuse to start`,
        '',
      ].join('\n'),
    );
  });

  it('exits 1 when the file does not exist', () => {
    const err = sink();
    const path = join(dir, 'missing.yaml');
    expect(runCheck(path, sink().stream, err.stream)).toBe(1);
    expect(err.text()).toContain(`${path}: cannot read the site config: no such file`);
  });
});

describe('guardpost passwd', () => {
  it('hashes the first line of stdin; the hash verifies', async () => {
    const out = sink();
    const err = sink();
    const code = await runPasswd(
      Readable.from(['guardpost-', 'demo\nignored second line\n']),
      out.stream,
      err.stream,
    );
    expect(code).toBe(0);
    expect(err.text()).toBe('');
    const hash = out.text().trimEnd();
    expect(out.text().endsWith('\n')).toBe(true);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('guardpost-demo', hash)).toBe(true);
    expect(await verifyPassword('guardpost-demo\n', hash)).toBe(false);
  });

  it('accepts a password without a trailing newline, CRLF, and non-ASCII split across chunks', async () => {
    const bytes = Buffer.from('口令-密码\r\n', 'utf8');
    const input = new PassThrough();
    const out = sink();
    const done = runPasswd(input, out.stream, sink().stream);
    input.write(bytes.subarray(0, 2)); // splits the first character
    input.end(bytes.subarray(2));
    expect(await done).toBe(0);
    expect(await verifyPassword('口令-密码', out.text().trimEnd())).toBe(true);

    const out2 = sink();
    expect(await runPasswd(Readable.from(['secret']), out2.stream, sink().stream)).toBe(0);
    expect(await verifyPassword('secret', out2.text().trimEnd())).toBe(true);
  });

  it('refuses an empty password', async () => {
    const out = sink();
    const err = sink();
    expect(await runPasswd(Readable.from(['\nsecond\n']), out.stream, err.stream)).toBe(1);
    expect(out.text()).toBe('');
    expect(err.text()).toContain('empty password refused');
    expect(await runPasswd(Readable.from([]), sink().stream, sink().stream)).toBe(1);
  });
});
