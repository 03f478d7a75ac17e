/**
 * Clock faults on the real gateway, run under libfaketime (Debian package
 * `faketime`): the test steps the gateway's wall clock at run time through
 * FAKETIME_TIMESTAMP_FILE (read on every call with FAKETIME_NO_CACHE=1),
 * while its monotonic clock stays real (DONT_FAKE_MONOTONIC=1).
 * (a) a panic's escalation arrives ackTimeout (2 s in the small site) after
 *     the press across a wall step back 1 h, and not early across a step forward;
 * (b) a restart after the wall clock moved forward 40 days prunes nothing
 *     and logs an ERROR, until an admin confirms the clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { libfaketime } from '../support/faketime.js';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { connectWithInbox, end, publish, subscribe } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const LIBFAKETIME = libfaketime();
const ACK_TIMEOUT_MS = 2000; // zone east of the small site

function fakedClock(): { env: Record<string, string>; set(offset: string): void } {
  const file = join(mkdtempSync(join(tmpdir(), 'gp-faketime-')), 'offset');
  writeFileSync(file, '+0\n');
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      DONT_FAKE_MONOTONIC: '1',
    },
    set: (offset) => writeFileSync(file, `${offset}\n`),
  };
}

type Alert = { state: string; id: string };

let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

describe('wall-clock steps on the real gateway (libfaketime)', () => {
  it.each([
    ['back 1 h', '-1h'],
    ['forward 1 h', '+1h'],
  ])('(a) a panic escalates ackTimeout after the press across a wall step %s', async (_name, offset) => {
    const ft = fakedClock();
    gw = await startGateway({ env: ft.env });
    const police = await connectWithInbox(gw.mqttPort, 'police-east');
    const panic = await connectWithInbox(gw.mqttPort, 'U02-PANIC-1');
    try {
      await subscribe(police.client, ['gp/v1/unit/U02/alert', 'gp/v1/zone/east/alert']);
      const pressed = Date.now();
      await publish(panic.client, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 1 });
      await police.inbox.waitFor((m) => (m.json as Alert).state === 'raised', 10_000, 'the raise');
      ft.set(offset);
      const escalated = await police.inbox.waitFor(
        (m) => m.topic === 'gp/v1/zone/east/alert' && (m.json as Alert).state === 'escalated',
        15_000,
        'the escalation on the zone topic',
      );
      const elapsed = Date.now() - pressed;
      expect(escalated).toBeTruthy();
      expect(elapsed).toBeGreaterThanOrEqual(ACK_TIMEOUT_MS - 200);
      expect(elapsed).toBeLessThan(10_000);
      const g = gw;
      await until('the step in the log', () => /WALL CLOCK STEPPED/.test(g.logs()));
      const health = (await (await fetch(gw.url('/healthz'))).json()) as { clock: { steps: number } };
      expect(health.clock.steps).toBe(1);
    } finally {
      await end(police.client, panic.client);
    }
  });

  it('(b) a restart 40 days later prunes nothing until an admin confirms the clock', async () => {
    const ft = fakedClock();
    gw = await startGateway({ env: ft.env });
    const g = gw;
    const dev = await connectWithInbox(gw.mqttPort, 'U01-PANIC-1');
    for (let seq = 1; seq <= 20; seq++) {
      // QoS 1: the PUBACK means journaled
      await publish(dev.client, 'gp/v1/dev/U01-PANIC-1/heartbeat', { seq, battery: 90 });
    }
    await end(dev.client);
    const db = join(gw.dataDir, 'journal.sqlite');
    const events = (): number => {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (d.prepare("SELECT count(*) AS n FROM entries WHERE type = 'event'").get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    await gw.stop();
    expect(events()).toBe(20);

    ft.set('+40d');
    await gw.restart();
    await until('the clock error in the log', () => /CLOCK UNPROVEN AT START/.test(g.logs()));
    expect(g.logs()).toMatch(/"level":50[^\n]*CLOCK UNPROVEN AT START/);
    const health = (await (await fetch(gw.url('/healthz'))).json()) as { clock: { trusted: boolean } };
    expect(health.clock.trusted).toBe(false);
    expect(events()).toBe(20);

    const admin = await connectWithInbox(gw.mqttPort, 'police-east');
    try {
      await publish(admin.client, 'gp/v1/ops/clock', { confirm: true });
    } finally {
      await end(admin.client);
    }
    await until('retention after the confirm', () => events() === 0);
    await until('the prune in the log', () => /journal retention pruned old entries/.test(g.logs()));
  });
});
