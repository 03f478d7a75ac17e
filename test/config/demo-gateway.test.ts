/**
 * End to end: the real gateway starts on the demo site and its accounts log
 * in with the demo password; a broken site is refused with the same
 * `path: message` lines `guardpost check` prints.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type RunningGateway, startGateway } from '../support/gateway.js';
import { connectAs } from '../support/mqtt.js';
import { mutate } from './base-site.js';

describe('the gateway on the demo site', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ configPath: join(ROOT, 'gateway', 'demo', 'site.yaml') });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('lets a panic button, a duty console and the police operator log in with "guardpost-demo"', async () => {
    for (const account of [
      'U03-PANIC-1',
      'U37-READER-1',
      'U23-WAND-1',
      'U12-duty',
      'police-yanghe',
      'tech1',
    ]) {
      const client = await connectAs(gw.mqttPort, account, 'guardpost-demo');
      expect(client.connected).toBe(true);
      await client.endAsync();
    }
  });

  it('refuses a wrong password and an unknown account', async () => {
    await expect(connectAs(gw.mqttPort, 'U03-PANIC-1', 'secret')).rejects.toThrow();
    await expect(connectAs(gw.mqttPort, 'U99-PANIC-1', 'guardpost-demo')).rejects.toThrow();
  });

  it('reports healthy', async () => {
    const res = await fetch(gw.url('/healthz'));
    expect(res.status).toBe(200);
  });
});

describe('the gateway on a broken site', () => {
  it('refuses to start and names every problem', async () => {
    const yaml = mutate(
      ['zone: east, kind: residential', 'zone: eats, kind: residential'],
      ['maxDuration: 40m', 'maxDuration: 40'],
    );
    const err = await startGateway({ siteYaml: yaml }).then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(err).not.toBeNull();
    expect(err).toContain('units[1].zone: no zone "eats" (did you mean "east"?)');
    expect(err).toContain(
      'routes[0].maxDuration: must be a duration like "90s", "30m" or "2h" (ms, s, m, h or d), not the number 40',
    );
  });
});
