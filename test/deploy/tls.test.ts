/** MQTT over TLS and HTTPS from configured certificate files (a self-signed certificate made here). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, SMALL_SITE, startGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';

let gw: RunningGateway;
let dir: string;
let mqttsPort: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gp-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  mqttsPort = await freePort();
  const site = readFileSync(SMALL_SITE, 'utf8').replace(
    'site: {',
    `gateway:\n  mqtts: { port: ${mqttsPort}, cert: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} }\n  http: { tls: { cert: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} } }\n\nsite: {`,
  );
  gw = await startGateway({ siteYaml: site });
});
afterAll(async () => {
  await gw?.stop();
});

describe('TLS', () => {
  it('accepts MQTT over TLS with the configured certificate and still checks passwords', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    const ok = await new Promise<boolean>((resolve, reject) => {
      const c = mqtt.connect(`mqtts://127.0.0.1:${mqttsPort}`, {
        username: 'tech1',
        password: 'secret',
        ca,
        reconnectPeriod: 0,
      });
      c.once('connect', () => {
        c.end(true);
        resolve(true);
      });
      c.once('error', reject);
    });
    expect(ok).toBe(true);
    await expect(
      new Promise((resolve, reject) => {
        const c = mqtt.connect(`mqtts://127.0.0.1:${mqttsPort}`, {
          username: 'tech1',
          password: 'nope',
          ca,
          reconnectPeriod: 0,
        });
        c.once('connect', resolve);
        c.once('error', (e) => {
          c.end(true);
          reject(e);
        });
      }),
    ).rejects.toThrow(/Bad username or password/);
  });
  it('refuses a client that does not trust the certificate', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const c = mqtt.connect(`mqtts://127.0.0.1:${mqttsPort}`, {
          username: 'tech1',
          password: 'secret',
          reconnectPeriod: 0,
        });
        c.once('connect', resolve);
        c.once('error', (e) => {
          c.end(true);
          reject(e);
        });
      }),
    ).rejects.toThrow(/self[- ]signed|certificate/i);
  });
  it('serves /healthz over HTTPS', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: gw.httpPort, path: '/healthz', ca, servername: 'localhost' },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
  });
});
