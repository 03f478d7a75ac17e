/**
 * 10,116 supervised devices, none connected: when supervision fires, every
 * one of them gets its device_offline alert exactly once (the engine
 * cascade carries what exceeds one transaction's budget over to the next
 * tick instead of dropping it). Engines and runner with a fake clock.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { siteConfigSchema } from '../../gateway/src/config/schema.js';
import { Site } from '../../gateway/src/config/site.js';
import type { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import { createEngineSet } from '../../gateway/src/engines/index.js';
import { EngineRunner } from '../../gateway/src/engines/runner.js';
import type { JournalBody, JournalEntry } from '../../gateway/src/journal/types.js';
import { manyDeviceSite } from './many-site.js';

const T0 = Date.parse('2026-11-28T20:00:00.000Z');

describe('supervision of a site with 10,116 silent devices', () => {
  it('raises every device_offline alert exactly once, over as many ticks as it takes', () => {
    const { yaml, devices } = manyDeviceSite(10_116, '60s');
    const site = new Site(siteConfigSchema.parse(parse(yaml)));
    const runner = new EngineRunner(() => createEngineSet(site, T0), pino({ level: 'silent' }));
    const journal: JournalEntry[] = [];
    const append = (body: JournalBody, at: number): JournalEntry => {
      const e = { seq: journal.length + 1, at, body };
      journal.push(e);
      return e;
    };
    let now = T0 + 120_000;
    expect(runner.nextWakeAt()).toBe(now);
    let ticks = 0;
    // The pipeline ticks again whenever nextWakeAt() is due.
    while ((runner.nextWakeAt() ?? Number.POSITIVE_INFINITY) <= now && ticks < 1000) {
      runner.tick(now, append);
      ticks++;
      now += 1;
    }
    const raised = journal.flatMap((e) =>
      e.body.type === 'alert' && e.body.alert.state === 'raised' && e.body.alert.kind === 'device_offline'
        ? [e.body.alert.device]
        : [],
    );
    expect(raised).toHaveLength(devices.length);
    expect(new Set(raised).size).toBe(devices.length);
    expect(runner.deferred).toBe(0);
    expect(ticks).toBeGreaterThan(1); // it did need more than one transaction
    const alerts = runner.engine<AlertEngine>('alerts');
    expect(alerts?.list({ state: 'open', kind: 'device_offline' })).toHaveLength(devices.length);
    // later ticks raise nothing again
    runner.tick(now + 600_000, append);
    expect(journal.filter((e) => e.body.type === 'alert')).toHaveLength(devices.length);
  });
});
