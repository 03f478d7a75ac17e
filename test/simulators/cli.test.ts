/** The guardpost-sim command itself, run as a child process against a real broker. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMqttPayload } from '../../devices/codecs/mqtt-json.js';
import { topics } from '../../gateway/src/topics.js';
import { durationMs } from '../../simulators/cli.js';
import { startBroker, type TestBroker } from './broker.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'simulators', 'cli.ts');

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('guardpost-sim', () => {
  it('reader --uid taps over MQTT with the demo password', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'reader',
        '--url',
        broker.url,
        '--device',
        'U01-WAND-1',
        '--uid',
        '04D1E2F3',
        '04d1e2f4',
        '--interval',
        '10',
        '--seq',
        '1',
      ],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(stdout).toMatch(/tap 04D1E2F3 seq 1/);
    expect(broker.logins.find((l) => l.username === 'U01-WAND-1')?.password).toBe('guardpost-demo');
    const taps = broker.received
      .filter((r) => r.topic === topics.device('U01-WAND-1', 'tap'))
      .map((r) => decodeMqttPayload('U01-WAND-1', 'tap', r.payload));
    expect(taps).toMatchObject([
      { ok: true, value: { uid: '04D1E2F3', seq: 1 } },
      { ok: true, value: { uid: '04D1E2F4', seq: 2 } },
    ]);
  });

  it('scenario --plan-only prints the plan of a site', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'scenario',
        '--plan-only',
        '--quick',
        '--seed',
        '5',
        '--config',
        join(ROOT, 'test', 'fixtures', 'scenario-site.yaml'),
      ],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(stdout).toMatch(/Plan for site scenariosite: seed 5, speed 600/);
    expect(stdout).toMatch(/expect panic at U\d+/);
  });

  it('parses durations', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('2')).toBe(2000);
    expect(durationMs('1.5h')).toBe(5_400_000);
    expect(() => durationMs('soon')).toThrow(/not a duration/);
  });
});
