import { describe, expect, it } from 'vitest';
import {
  canPublish,
  canReceive,
  canSubscribe,
  isDeliverable,
  receiverOf,
} from '../../gateway/src/broker/acl.js';
import type { Account } from '../../gateway/src/config/site.js';
import { DEVICE_TOPIC_KINDS, filterCovers, parseTopic } from '../../gateway/src/topics.js';
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

describe('device topics (protocol.md §1.1, one list in topics.ts)', () => {
  it("are exactly the five data kinds of protocol.md §1.1 plus the offline wands' records batch (an extension)", () => {
    expect([...DEVICE_TOPIC_KINDS].sort()).toEqual([
      'heartbeat',
      'panic',
      'records',
      'rollcall',
      'status',
      'tap',
    ]);
  });
  it.each([
    ['gp/v1/dev/D/panic', 'device'],
    ['gp/v1/dev/D/panic/', 'device-other'],
    ['gp/v1/dev/D//panic', 'device-other'],
    ['gp/v1/dev/D/panic/x', 'device-other'],
    ['gp/v1/dev/D/foo', 'device-other'],
    ['gp/v1/dev/D', 'device-other'],
    ['gp/v1/dev//panic', 'device-other'],
    ['gp/v1/dev/D/cmd/rollcall', 'device-command'],
    ['gp/v1/ops/rollcall', 'ops'],
    ['gp/v1/ops/rollcall/x', 'ops-other'],
    ['gp/v1/ops/foo', 'ops-other'],
    ['gp/v1/unit/U01/ack', 'ack'],
    ['gp/v1/unit/U01/alert', 'other'],
  ])('%s parses as %s', (topic, type) => {
    expect(parseTopic(topic).type).toBe(type);
  });
});

describe('publish rules: odd topics and retain', () => {
  const d = acct('U02-PANIC-1');
  it.each([
    'gp/v1/dev/U02-PANIC-1/panic/',
    'gp/v1/dev/U02-PANIC-1//panic',
    'gp/v1/dev/U02-PANIC-1/panic/x',
    'gp/v1/dev/U02-PANIC-1/foo',
    'gp/v1/dev/U02-PANIC-1/records/x',
    'gp/v1/dev/U02-PANIC-1/',
    'gp/v1/dev/U02-PANIC-1/cmd',
  ])('a device may not publish %s', (topic) => {
    const v = canPublish(d, topic);
    expect(v.ok).toBe(false);
    // the MQTT 5 bridge maps these words to DISCONNECT 0x87
    if (!v.ok) expect(v.reason).toMatch(/\bmay (not|only|publish)\b/);
  });
  it('a device retains only its status', () => {
    expect(canPublish(d, 'gp/v1/dev/U02-PANIC-1/status', true).ok).toBe(true);
    for (const kind of ['tap', 'panic', 'rollcall', 'heartbeat', 'records'])
      expect(canPublish(d, `gp/v1/dev/U02-PANIC-1/${kind}`, true).ok).toBe(false);
    expect(canPublish(d, 'gp/v1/dev/U02-PANIC-1/panic', false).ok).toBe(true);
  });
  it('consoles and operators never retain their inputs', () => {
    expect(canPublish(acct('U02-duty'), 'gp/v1/unit/U02/ack', true).ok).toBe(false);
    expect(canPublish(acct('tech1'), 'gp/v1/ops/rollcall', true).ok).toBe(false);
    expect(canPublish(acct('police-east'), 'gp/v1/unit/U03/resolve', true).ok).toBe(false);
  });
  it('an operator may publish any ops topic (unknown ones are rejected on payload, not refused)', () => {
    expect(canPublish(acct('tech1'), 'gp/v1/ops/foo').ok).toBe(true);
  });
  it("an admin may not write the gateway's own topics, but anything outside gp/v1", () => {
    const admin = acct('police-east');
    for (const topic of [
      'gp/v1/unit/U01/alert',
      'gp/v1/zone/east/alert',
      'gp/v1/operator/police-west/alert',
      'gp/v1/events/tap/east/U02',
      'gp/v1/gateway/rejects',
      'gp/v1/rollcall/C1/result',
      'gp/v1/dev/U02-RC-1/cmd/rollcall',
      'gp/v1',
    ])
      expect(canPublish(admin, topic, true).ok, topic).toBe(false);
    expect(canPublish(admin, 'site/east/notes', true).ok).toBe(true);
  });
});

describe('delivery rules', () => {
  const none = Buffer.alloc(0);
  it('client inputs are not delivered as published; valid device status is', () => {
    const deliverable = (topic: string, payload = none): boolean => isDeliverable(parseTopic(topic), payload);
    for (const kind of ['tap', 'panic', 'rollcall', 'heartbeat'])
      expect(deliverable(`gp/v1/dev/D1/${kind}`, Buffer.from('{"seq":1}'))).toBe(false);
    expect(deliverable('gp/v1/dev/D1/panic/')).toBe(false);
    expect(deliverable('gp/v1/dev/D1/status', Buffer.from('online'))).toBe(true);
    expect(deliverable('gp/v1/dev/D1/status', Buffer.from('offline'))).toBe(true);
    expect(deliverable('gp/v1/dev/D1/status', Buffer.from('hacked'))).toBe(false);
    expect(deliverable('gp/v1/dev/D1/status', none)).toBe(false);
    expect(deliverable('gp/v1/unit/U01/ack', Buffer.from('{"id":"A-1"}'))).toBe(false);
    expect(deliverable('gp/v1/unit/U01/resolve')).toBe(false);
    expect(deliverable('gp/v1/ops/rollcall')).toBe(false);
    expect(deliverable('gp/v1/ops/whatever')).toBe(false);
    // the gateway's own topics and admins' own ones are
    expect(deliverable('gp/v1/unit/U01/alert')).toBe(true);
    expect(deliverable('gp/v1/dev/D1/cmd/rollcall')).toBe(true);
    expect(deliverable('gp/v1/events/tap/east/U02')).toBe(true);
    expect(deliverable('site/notes')).toBe(true);
  });

  const samples = [
    'gp/v1/unit/U02/alert',
    'gp/v1/unit/U02',
    'gp/v1/unit/U01/alert',
    'gp/v1/unit/U02x/alert',
    'gp/v1/zone/east/alert',
    'gp/v1/zone/west/alert',
    'gp/v1/operator/police-east/alert',
    'gp/v1/events/panic/east/U02',
    'gp/v1/gateway/rejects',
    'gp/v1/dev/U02-RC-1/cmd/rollcall',
    'gp/v1/dev/U01-RC-1/cmd/rollcall',
    'gp/v1/rollcall/C1/result',
    '$SYS/guardpost/heartbeat',
    'site/notes',
  ];
  it('a console receives its unit and zone only', () => {
    const may = receiverOf(acct('U02-duty'), zoneOf);
    expect(samples.filter(may)).toEqual(['gp/v1/unit/U02/alert', 'gp/v1/unit/U02', 'gp/v1/zone/east/alert']);
  });
  it('a device receives its commands only; a technician gp/v1 only; an admin everything', () => {
    expect(samples.filter(receiverOf(acct('U02-RC-1'), zoneOf))).toEqual(['gp/v1/dev/U02-RC-1/cmd/rollcall']);
    expect(samples.filter(receiverOf(acct('tech1'), zoneOf))).toEqual(
      samples.filter((t) => t.startsWith('gp/v1/')),
    );
    expect(samples.filter(receiverOf(acct('police-east'), zoneOf))).toEqual(samples);
  });
  it('the compiled rule agrees with the subscription rule for every account', () => {
    for (const account of site.accounts.values()) {
      const may = receiverOf(account, zoneOf);
      for (const topic of samples) {
        expect(may(topic), `${account.id} ${topic}`).toBe(canSubscribe(account, topic, zoneOf).ok);
        expect(canReceive(account, topic, zoneOf)).toBe(may(topic));
      }
    }
  });
});
