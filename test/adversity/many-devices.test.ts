/**
 * A site of 10,100 supervised devices, none connected, against the real
 * gateway: when supervision fires, /api/alerts ends up with one open
 * device_offline alert per device, none dropped and none twice (the engine
 * cascade carries its overflow to the next tick). The engine-level proof
 * with a fake clock is many-devices-engine.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth, type RunningGateway, startGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';
import { manyDeviceSite } from './many-site.js';

let gw: RunningGateway | undefined;
afterAll(async () => {
  await gw?.stop();
});

describe('a site of 10,100 silent devices', () => {
  it('raises every device_offline alert exactly once', async () => {
    const { yaml, devices } = manyDeviceSite(10_100, '1s');
    gw = await startGateway({ siteYaml: yaml });
    const running = gw;
    const offline = async (): Promise<{ device: string }[]> => {
      const res = await fetch(running.url('/api/alerts?kind=device_offline'), {
        headers: basicAuth('tech1'),
      });
      return ((await res.json()) as { alerts: { device: string }[] }).alerts;
    };
    const alerts = await until(
      'every device offline',
      async () => {
        const a = await offline();
        return a.length >= devices.length && a;
      },
      90_000,
      500,
    );
    expect(alerts).toHaveLength(devices.length);
    expect(new Set(alerts.map((a) => a.device)).size).toBe(devices.length);
    expect(running.logs()).toMatch(/carried over to the next tick/);
  }, 120_000);
});
