/**
 * The retained open alerts (uplink/open.ts) against a city broker whose ACL
 * lets the district write its alerts, events and directory but not
 * `{prefix}/open/#` (an ACL from before the extension): Mosquitto refuses
 * the first retained state and closes the MQTT 5 link for it; the refusal
 * is logged once and the feature held off, so it costs one reconnect, not
 * one per alert, and the v1 alerts keep going up.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topics } from '../../gateway/src/topics.js';
import { CITY_USER, cityWall, districtUser, startCity, uplinkHealth } from '../support/city.js';
import type { RunningGateway } from '../support/gateway.js';
import { connectAs, end } from '../support/mqtt.js';
import { until } from '../support/wait.js';

const REFUSED = 'refused the open alerts';

describe('city uplink adversity: a city ACL without {prefix}/open/#', () => {
  it('the refusal is logged once and held off; every panic still reaches the city', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-acl-'));
    const acl = join(dir, 'acl');
    const d = 'dist-noopen';
    writeFileSync(
      acl,
      [
        `user ${districtUser(d)}`,
        `topic write city/v1/site/${d}/alert/#`,
        `topic write city/v1/site/${d}/events/#`,
        `topic write city/v1/site/${d}/site`,
        `user ${CITY_USER}`,
        'topic read city/v1/site/#',
        '',
      ].join('\n'),
    );
    const tier = await startCity([d], { mosquitto: { extra: [`acl_file ${acl}`] } });
    const { client: wall, inbox } = await cityWall(tier.broker.port, 'city-wall-noopen');
    try {
      const g = tier.gateways[0] as RunningGateway;
      const panic = async (device: string, unit: string) => {
        const button = await connectAs(g.mqttPort, device);
        await button.publishAsync(topics.device(device, 'panic'), '{"state":"pressed","seq":1}', { qos: 1 });
        await end(button);
        await inbox.waitFor(
          (m) =>
            m.topic === `city/v1/site/${d}/alert/east/${unit}` &&
            (m.json as { kind?: string }).kind === 'panic',
          10_000,
          `the panic of ${unit} at the city`,
        );
      };
      await panic('U01-PANIC-1', 'U01');
      await until('the refusal logged', () => g.logs().includes(REFUSED), 10_000);
      await panic('U02-PANIC-1', 'U02');
      await until('drained and connected', async () => {
        const v = await uplinkHealth(g);
        return v.backlog?.entries === 0 && v.connected === true;
      });
      expect(g.logs().split(REFUSED).length - 1).toBe(1);
      expect(inbox.messages.some((m) => m.topic.includes('/open/'))).toBe(false);
    } finally {
      await end(wall);
      await tier.stop();
    }
  }, 60_000);
});
