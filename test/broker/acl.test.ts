import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../../gateway/src/broker/acl.js';
import type { Account } from '../../gateway/src/config/site.js';
import { filterCovers } from '../../gateway/src/topics.js';
import { smallSite } from '../support/site.js';

const site = smallSite();
const zoneOf = (u: string): string | undefined => site.units.get(u)?.zone;
const acct = (id: string): Account => {
  const a = site.accounts.get(id);
  if (!a) throw new Error(`no account ${id}`);
  return a;
};

describe('topic filter coverage', () => {
  it.each([
    ['gp/v1/#', 'gp/v1/unit/U01/alert', true],
    ['gp/v1/#', 'gp/v1/#', true],
    ['gp/v1/unit/U01/#', 'gp/v1/unit/U01/alert', true],
    ['gp/v1/unit/U01/#', 'gp/v1/unit/U02/alert', false],
    ['gp/v1/unit/U01/#', 'gp/v1/unit/+/alert', false],
    ['gp/v1/unit/U01/#', 'gp/v1/#', false],
    ['gp/v1/dev/D/cmd/#', 'gp/v1/dev/D/cmd/rollcall', true],
    ['gp/v1/dev/D/cmd/#', 'gp/v1/dev/D/tap', false],
    ['gp/v1/+/x', 'gp/v1/a/x', true],
    ['gp/v1/+/x', 'gp/v1/a/y', false],
    ['#', '$SYS/broker', true],
  ])('%s covers %s: %s', (allowed, requested, expected) => {
    expect(filterCovers(allowed, requested)).toBe(expected);
  });
});

describe('publish rules (protocol.md §1)', () => {
  it('a device publishes only under its own prefix, never commands', () => {
    const d = acct('U02-PANIC-1');
    expect(canPublish(d, 'gp/v1/dev/U02-PANIC-1/panic').ok).toBe(true);
    expect(canPublish(d, 'gp/v1/dev/U02-PANIC-1/heartbeat').ok).toBe(true);
    expect(canPublish(d, 'gp/v1/dev/U01-PANIC-1/panic').ok).toBe(false);
    expect(canPublish(d, 'gp/v1/dev/U02-PANIC-1/cmd/rollcall').ok).toBe(false);
    expect(canPublish(d, 'gp/v1/unit/U02/alert').ok).toBe(false);
    expect(canPublish(d, '$SYS/x').ok).toBe(false);
  });
  it('a console publishes only its unit ack and resolve', () => {
    const c = acct('U02-duty');
    expect(canPublish(c, 'gp/v1/unit/U02/ack').ok).toBe(true);
    expect(canPublish(c, 'gp/v1/unit/U02/resolve').ok).toBe(true);
    expect(canPublish(c, 'gp/v1/unit/U01/ack').ok).toBe(false);
    expect(canPublish(c, 'gp/v1/unit/U02/alert').ok).toBe(false);
    expect(canPublish(c, 'gp/v1/ops/rollcall').ok).toBe(false);
  });
  it('a technician publishes only ops; an admin also acks any unit but never as a device', () => {
    expect(canPublish(acct('tech1'), 'gp/v1/ops/rollcall').ok).toBe(true);
    expect(canPublish(acct('tech1'), 'gp/v1/unit/U02/ack').ok).toBe(false);
    const admin = acct('police-east');
    expect(canPublish(admin, 'gp/v1/ops/alert').ok).toBe(true);
    expect(canPublish(admin, 'gp/v1/unit/U03/ack').ok).toBe(true);
    expect(canPublish(admin, 'gp/v1/unit/U11/resolve').ok).toBe(true);
    expect(canPublish(admin, 'gp/v1/dev/U02-PANIC-1/panic').ok).toBe(false);
    expect(canPublish(admin, '$SYS/broker/x').ok).toBe(false);
  });
});

describe('subscribe rules (protocol.md §1)', () => {
  it('a device subscribes only to its own cmd/#', () => {
    const d = acct('U02-RC-1');
    expect(canSubscribe(d, 'gp/v1/dev/U02-RC-1/cmd/#', zoneOf).ok).toBe(true);
    expect(canSubscribe(d, 'gp/v1/dev/U02-RC-1/cmd/rollcall', zoneOf).ok).toBe(true);
    expect(canSubscribe(d, 'gp/v1/dev/U01-RC-1/cmd/#', zoneOf).ok).toBe(false);
    expect(canSubscribe(d, 'gp/v1/unit/U02/alert', zoneOf).ok).toBe(false);
    expect(canSubscribe(d, '#', zoneOf).ok).toBe(false);
  });
  it('a console subscribes to its unit and its zone only', () => {
    const c = acct('U02-duty');
    expect(canSubscribe(c, 'gp/v1/unit/U02/#', zoneOf).ok).toBe(true);
    expect(canSubscribe(c, 'gp/v1/zone/east/#', zoneOf).ok).toBe(true);
    expect(canSubscribe(c, 'gp/v1/zone/west/#', zoneOf).ok).toBe(false);
    expect(canSubscribe(c, 'gp/v1/unit/U01/#', zoneOf).ok).toBe(false);
    expect(canSubscribe(c, 'gp/v1/unit/+/alert', zoneOf).ok).toBe(false);
    expect(canSubscribe(c, 'gp/v1/#', zoneOf).ok).toBe(false);
  });
  it('a technician reads gp/v1/#, not $SYS; an admin reads everything', () => {
    expect(canSubscribe(acct('tech1'), 'gp/v1/#', zoneOf).ok).toBe(true);
    expect(canSubscribe(acct('tech1'), '$SYS/#', zoneOf).ok).toBe(false);
    expect(canSubscribe(acct('tech1'), 'other/#', zoneOf).ok).toBe(false);
    expect(canSubscribe(acct('police-east'), '#', zoneOf).ok).toBe(true);
    expect(canSubscribe(acct('police-east'), '$SYS/#', zoneOf).ok).toBe(true);
  });
});
