/**
 * Node-RED editor logins run in the child process (settings.ts); their
 * refusals reach the gateway's /metrics over IPC, labelled nodered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway({ nodered: true });
});
afterAll(async () => {
  await gw?.stop();
});

it('refused editor logins are counted in the gateway’s /metrics; the right password logs in', async () => {
  const base = `http://127.0.0.1:${gw.noderedPort}`;
  await until('the Node-RED editor', async () => (await fetch(`${base}/auth/login`)).ok, 60_000, 250);
  const token = (username: string, password: string): Promise<Response> =>
    fetch(`${base}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '*',
        username,
        password,
      }),
    });
  expect((await token('tech1', 'wrong')).status).not.toBe(200);
  expect((await token('nobody', 'wrong')).status).not.toBe(200);
  expect((await token('tech1', 'secret')).status).toBe(200);
  await until(
    'two nodered bad_credentials in /metrics',
    async () =>
      /guardpost_auth_failures_total\{transport="nodered",reason="bad_credentials"\} 2\b/.test(
        await (await fetch(gw.url('/metrics'))).text(),
      ),
    10_000,
  );
});
