/**
 * The delivery hook (gateway/src/broker/authorize-forward.ts) on its own,
 * with stand-in clients: the paths the end-to-end tests cannot reach once
 * CONNECT refuses another account's client id (a message queued for a
 * session that another account resumed), and the per-message verdict cache.
 */
import type { AedesPublishPacket, Client } from 'aedes';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { makeAuthorizeForward } from '../../gateway/src/broker/authorize-forward.js';
import type { Account } from '../../gateway/src/config/site.js';
import { createMetrics } from '../../gateway/src/metrics.js';
import { smallSite } from '../support/site.js';

const site = smallSite();
const accounts = new WeakMap<Client, Account>();
const metrics = createMetrics();
const hook = makeAuthorizeForward({ site, accounts, logger: pino({ level: 'silent' }), metrics });

function clientOf(accountId: string, clientId = `${accountId}-x`): Client {
  const c = { id: clientId } as unknown as Client;
  const account = site.accounts.get(accountId);
  if (!account) throw new Error(accountId);
  accounts.set(c, account);
  return c;
}
const packet = (topic: string, payload: string | Buffer = '{}', retain = false): AedesPublishPacket =>
  ({
    cmd: 'publish',
    topic,
    payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
    qos: 1,
    retain,
    dup: false,
    brokerId: 'test',
    brokerCounter: 1,
  }) as AedesPublishPacket;

describe('authorizeForward', () => {
  it("drops a U01 alert queued under a client id that U02's console now holds", () => {
    // the same client id, first U01's, then (session resumed) U02's: the hook looks at the account
    const u01 = clientOf('U01-duty', 'shared-screen');
    const u02 = clientOf('U02-duty', 'shared-screen');
    const alert = packet('gp/v1/unit/U01/alert', '{"id":"A-1","state":"raised"}');
    expect(hook(u01, alert)).toBe(alert);
    expect(hook(u02, alert)).toBeNull();
  });

  it('delivers zone alerts to the consoles of the zone only, retained or not', () => {
    const zone = packet('gp/v1/zone/east/alert', '{"id":"A-2"}', true);
    expect(hook(clientOf('U03-duty'), zone)).toBe(zone);
    expect(hook(clientOf('U11-duty'), zone)).toBeNull();
  });

  it('never delivers a raw input, to anyone, even an admin', () => {
    const admin = clientOf('police-east');
    for (const topic of ['gp/v1/dev/U02-READER-1/tap', 'gp/v1/unit/U02/ack', 'gp/v1/ops/rollcall'])
      expect(hook(admin, packet(topic)), topic).toBeNull();
    const online = packet('gp/v1/dev/U02-READER-1/status', 'online', true);
    expect(hook(admin, online)).toBe(online);
    expect(hook(admin, packet('gp/v1/dev/U02-READER-1/status', 'pwned', true))).toBeNull();
  });

  it('a device gets its own commands only; nobody logged in gets nothing', () => {
    const cmd = packet('gp/v1/dev/U02-RC-1/cmd/rollcall');
    expect(hook(clientOf('U02-RC-1'), cmd)).toBe(cmd);
    expect(hook(clientOf('U01-RC-1'), cmd)).toBeNull();
    expect(hook({ id: 'anon' } as unknown as Client, cmd)).toBeNull();
  });

  it('the verdict cached for one message is not reused for another on the same topic', () => {
    const admin = clientOf('police-west');
    const good = packet('gp/v1/dev/U11-PANIC-1/status', 'offline');
    const bad = packet('gp/v1/dev/U11-PANIC-1/status', 'garbage');
    expect(hook(admin, good)).toBe(good);
    expect(hook(admin, bad)).toBeNull();
    expect(hook(admin, good)).toBe(good);
  });
});
