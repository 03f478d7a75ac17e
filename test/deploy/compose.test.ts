/**
 * There is no Docker engine on our machines, so the deployment files are
 * checked for structure: services, ports, volumes, healthchecks, and that the
 * image is built with the README's own steps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/gateway.js';

type Service = {
  build?: unknown;
  image?: string;
  ports?: string[];
  volumes?: string[];
  devices?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] | string; interval?: string };
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('docker-compose.yml', () => {
  it('has the gateway, InfluxDB 1.8 and Grafana, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'grafana', 'influxdb']);
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
    }
    expect(compose.services.influxdb?.image).toBe('influxdb:1.8');
    expect(String(compose.services.gateway?.healthcheck?.test)).toContain('/healthz');
  });
  it('publishes the gateway ports and keeps the journal and InfluxDB on volumes', () => {
    const g = compose.services.gateway as Service;
    const published = (g.ports ?? []).map((p) => p.split(':').at(-1));
    expect(published).toEqual(expect.arrayContaining(['1883', '8883', '8083', '8080', '1880']));
    expect(g.volumes).toEqual(expect.arrayContaining(['guardpost-data:/data']));
    expect(compose.services.influxdb?.volumes).toEqual(
      expect.arrayContaining(['influxdb-data:/var/lib/influxdb']),
    );
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['guardpost-data', 'influxdb-data']));
    expect(g.environment?.GUARDPOST_INFLUX_URL).toBe('http://influxdb:8086');
    expect(g.depends_on?.influxdb?.condition).toBe('service_healthy');
  });
  it('passes serial devices through to the gateway', () => {
    expect(compose.services.gateway?.devices?.some((d) => d.startsWith('/dev/tty'))).toBe(true);
  });
  it('provisions Grafana with the InfluxDB data source and the district dashboard', () => {
    const mounts = compose.services.grafana?.volumes ?? [];
    expect(mounts.some((m) => m.includes('provisioning'))).toBe(true);
    const ds = parse(
      readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/influxdb.yaml'), 'utf8'),
    ) as {
      datasources: { type: string; url: string; database: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({
      type: 'influxdb',
      url: 'http://influxdb:8086',
      database: 'guardpost',
    });
    const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/district.json'), 'utf8')) as {
      panels: { targets: { query: string }[] }[];
    };
    const queries = dash.panels.flatMap((p) => p.targets.map((t) => t.query)).join('\n');
    for (const m of ['"alert"', '"patrol"', '"rollcall"', '"device"']) expect(queries).toContain(`FROM ${m}`);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, runs as a non-root user, with a healthcheck on /healthz', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*[\s\S]*\/healthz/m);
  });
  it('builds with the README steps and starts like npm start', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    // the demo's start also hands the Node-RED nodes the demo operator account (docs/technicians.md)
    // npm start is the living demo (--sim); the image runs a real site, without simulated devices
    expect(pkg.scripts.start).toMatch(
      /^(GUARDPOST_NR_\w+=\S+ )*node bin\/guardpost\.js start --config \S+ --data-dir \S+ --sim$/,
    );
    expect(dockerfile).not.toMatch(/--sim/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/guardpost\.js"\]/);
    expect(dockerfile).toMatch(/CMD \["start", "--config", "[^"]+", "--data-dir", "\/data"\]/);
  });
});

describe('systemd unit', () => {
  it('starts the same command, stops with SIGTERM, restarts on failure', () => {
    const unit = readFileSync(join(ROOT, 'deploy/systemd/guardpost.service'), 'utf8');
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/guardpost\/bin\/guardpost\.js start --config \S+ --data-dir \S+$/m,
    );
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=guardpost$/m);
  });
});
