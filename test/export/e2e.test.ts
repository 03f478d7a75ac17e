/**
 * End to end through the real gateway process: a wand publishes 5,000 QoS 1
 * taps while InfluxDB is down; when it comes back every acknowledged tap is in
 * InfluxDB exactly once, also when the gateway is SIGKILLed in the middle of
 * flushing the backlog.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../gateway/src/topics.js';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.js';
import { connectAs } from '../support/mqtt.js';
import { until } from '../support/wait.js';
import { count } from './influx-query.js';

const TOTAL = 5000;
let influx: RunningInfluxd;
let gw: RunningGateway | undefined;
let wand: MqttClient | undefined;

beforeAll(async () => {
  influx = await startInfluxd();
});

afterEach(async () => {
  wand?.end(true);
  wand = undefined;
  await gw?.stop();
  gw = undefined;
});

afterAll(async () => {
  await influx?.stop();
});

interface InfluxHealthView {
  connected?: boolean;
  backlog?: { events?: number };
}

async function influxHealth(g: RunningGateway): Promise<InfluxHealthView> {
  const res = await fetch(g.url('/healthz'));
  const body = (await res.json()) as { influx?: InfluxHealthView };
  return body.influx ?? {};
}

/** Publish taps seq 1..TOTAL at QoS 1 and resolve when every PUBACK is in. */
async function publishTaps(client: MqttClient): Promise<void> {
  const topic = topics.device('G001-WAND', 'tap');
  const acks: Promise<unknown>[] = [];
  for (let seq = 1; seq <= TOTAL; seq++) {
    acks.push(client.publishAsync(topic, JSON.stringify({ uid: '04D1E2F3', seq }), { qos: 1 }));
  }
  await Promise.all(acks);
}

/** One wand sends all TOTAL taps at once: the per-device rate limit is raised (this test is about the export). */
const UNLIMITED = '  limits: { deviceRate: { perSecond: 1000000, burst: 1000000 } }\n';

function siteWithInflux(url: string, database: string, batchSize: number): string {
  return `${readFileSync(SMALL_SITE, 'utf8')}\ngateway:\n  influx: { url: "${url}", database: ${database}, batchSize: ${batchSize} }\n${UNLIMITED}`;
}

async function expectExactlyOnce(db: string): Promise<void> {
  await until(
    'all taps in InfluxDB',
    async () => {
      const n = await count(influx, `SELECT count(seq) FROM tap WHERE device = 'G001-WAND'`, db);
      return n >= TOTAL ? n : null;
    },
    90_000,
  );
  const g = gw as RunningGateway;
  await until(
    'empty backlog',
    async () => ((await influxHealth(g)).backlog?.events === 0 ? true : null),
    30_000,
  );
  expect(await count(influx, `SELECT count(seq) FROM tap WHERE device = 'G001-WAND'`, db)).toBe(TOTAL);
  expect(await count(influx, `SELECT count(distinct(seq)) FROM tap WHERE device = 'G001-WAND'`, db)).toBe(
    TOTAL,
  );
  const sum = (await influx.query(`SELECT sum(seq) FROM tap WHERE device = 'G001-WAND'`, db)) as {
    results: { series: { values: [number, number][] }[] }[];
  };
  expect(sum.results[0]?.series[0]?.values[0]?.[1]).toBe((TOTAL * (TOTAL + 1)) / 2);
}

describe('InfluxDB export end to end (real gateway, real influxd, mqtt.js)', () => {
  it('5,000 QoS 1 taps published during an InfluxDB outage all arrive, none twice', async () => {
    const db = `gp_e2e_outage_${process.pid}`;
    gw = await startGateway({
      influxUrl: influx.url,
      env: { GUARDPOST_INFLUX_DB: db },
      siteYaml: `${readFileSync(SMALL_SITE, 'utf8')}\ngateway:\n${UNLIMITED}`,
    });
    const g = gw;
    await until('exporter connected', async () => ((await influxHealth(g)).connected ? true : null), 30_000);
    await influx.stop();
    try {
      wand = await connectAs(g.mqttPort, 'G001-WAND');
      await publishTaps(wand);
      const down = await until(
        'backlog reported',
        async () => {
          const h = await influxHealth(g);
          return h.connected === false && (h.backlog?.events ?? 0) >= TOTAL ? h : null;
        },
        30_000,
      );
      expect(down.backlog?.events).toBeGreaterThanOrEqual(TOTAL);
    } finally {
      await influx.start();
    }
    await expectExactlyOnce(db);
  });

  it('SIGKILL of the gateway while it flushes the backlog: all arrive, none twice', async () => {
    const db = `gp_e2e_kill_${process.pid}`;
    gw = await startGateway({ influxUrl: influx.url, siteYaml: siteWithInflux(influx.url, db, 250) });
    const g = gw;
    await until('exporter connected', async () => ((await influxHealth(g)).connected ? true : null), 30_000);
    await influx.stop();
    try {
      wand = await connectAs(g.mqttPort, 'G001-WAND');
      await publishTaps(wand);
      wand.end(true);
      wand = undefined;
    } finally {
      await influx.start();
    }
    // kill as soon as the flush has begun (some batches written, cursor mid-way)
    const atKill = await until(
      'flush started',
      async () => {
        const n = await count(influx, `SELECT count(seq) FROM tap WHERE device = 'G001-WAND'`, db);
        return n > 0 ? n : null;
      },
      60_000,
    );
    await g.kill();
    console.log(`killed the gateway with ${atKill} of ${TOTAL} taps in InfluxDB`);
    await g.restart();
    await expectExactlyOnce(db);
  });
});
