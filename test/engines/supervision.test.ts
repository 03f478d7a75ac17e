import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import type { Effect } from '../../gateway/src/engines/engine.js';
import { SupervisionEngine } from '../../gateway/src/engines/supervision/index.js';
import { smallSite } from '../support/site.js';
import {
  alertOf,
  Harness,
  heartbeat,
  panic,
  publishes,
  status,
  T0,
  tap,
  topicsOf,
} from './alerts-harness.js';

/**
 * These tests are about silence itself: devices are past their commissioning
 * time (gateway.supervision.commissioning: 0s), so a device never heard is
 * offline like any other. Commissioning has its own tests (alarm-restore.test.ts).
 */
function loadSite() {
  return smallSite((raw) => {
    raw.gateway = { ...(raw.gateway ?? {}), supervision: { commissioning: '0s' } };
  });
}

const HB = 60_000; // every panic button of the fixture has heartbeat: 60s
const SUPERVISED = ['U01-PANIC-1', 'U02-PANIC-1', 'U03-PANIC-1', 'U11-PANIC-1'];

type Raise = Extract<Effect, { type: 'raise' }>;
const raises = (effects: Effect[]): Raise[] => effects.filter((e): e is Raise => e.type === 'raise');
const raisedDevices = (effects: Effect[]) => raises(effects).map((r) => r.request.device);

function setup(startedAt = T0) {
  const site = loadSite();
  const sup = new SupervisionEngine(site, { startedAt });
  return { site, sup };
}

/** Feed one event to the supervision engine alone, live. */
function feed(sup: SupervisionEngine, body: Parameters<Harness['event']>[0], seq = 1): Effect[] {
  return sup.handle(
    { seq, at: body.receivedAt, body: { type: 'event', event: body } },
    body.receivedAt,
    false,
  );
}

describe('supervision timing', () => {
  it('devices never heard since start go offline two intervals after start, not before', () => {
    const { sup } = setup();
    expect(sup.nextWakeAt()).toBe(T0 + 2 * HB);
    expect(sup.tick(T0 + 2 * HB - 1)).toEqual([]);
    const out = sup.tick(T0 + 2 * HB);
    expect(raisedDevices(out).sort()).toEqual([...SUPERVISED].sort());
    const r = raises(out).find((x) => x.request.device === 'U02-PANIC-1');
    expect(r?.request).toMatchObject({
      kind: 'device_offline',
      severity: 'warning',
      key: 'offline:U02-PANIC-1',
      zone: 'east',
      unit: 'U02',
    });
    expect(r?.request.messageZh).toContain('已 2 分钟无心跳');
    expect(r?.request.messageEn).toContain('silent for 120 s');
    expect(r?.request.messageEn).toContain('silent for 120 s');
    // raised once per silence
    expect(sup.tick(T0 + 10 * HB)).toEqual([]);
    expect(sup.nextWakeAt()).toBeNull();
  });

  it('any event resets the silence; back online re-arms supervision', () => {
    const { site, sup } = setup();
    feed(sup, heartbeat(site, 'U02-PANIC-1', T0 + 100_000));
    expect(raisedDevices(sup.tick(T0 + 2 * HB))).not.toContain('U02-PANIC-1');
    expect(sup.nextWakeAt()).toBe(T0 + 100_000 + 2 * HB);
    // a panic press is a sign of life too
    feed(sup, panic(site, 'U02-PANIC-1', 'pressed', T0 + 150_000));
    expect(sup.tick(T0 + 100_000 + 2 * HB)).toEqual([]);
    expect(raisedDevices(sup.tick(T0 + 150_000 + 2 * HB))).toEqual(['U02-PANIC-1']);
    // back: a heartbeat; a later silence raises again
    feed(sup, heartbeat(site, 'U02-PANIC-1', T0 + 400_000));
    expect(sup.devices({ unit: 'U02' }).find((d) => d.id === 'U02-PANIC-1')?.online).toBe(true);
    expect(sup.tick(T0 + 400_000 + 2 * HB - 1)).toEqual([]);
    expect(raisedDevices(sup.tick(T0 + 400_000 + 2 * HB))).toEqual(['U02-PANIC-1']);
  });

  it('devices without a heartbeat interval are never supervised by silence', () => {
    const { site, sup } = setup();
    feed(sup, tap(site, 'U02-READER-1', '04D1E2F3', T0));
    const out = sup.tick(T0 + 100 * HB);
    expect(raisedDevices(out)).not.toContain('U02-READER-1');
    const reader = sup.devices().find((d) => d.id === 'U02-READER-1');
    expect(reader).toMatchObject({ online: true, lastSeen: T0, heartbeatMs: null });
  });

  it('the will (status offline) raises device_offline immediately, once', () => {
    const { site, sup } = setup();
    feed(sup, status(site, 'U02-PANIC-1', 'online', T0 + 1000));
    const out = feed(sup, status(site, 'U02-PANIC-1', 'offline', T0 + 5000));
    expect(raises(out).map((r) => r.request)).toMatchObject([
      { kind: 'device_offline', key: 'offline:U02-PANIC-1', unit: 'U02', device: 'U02-PANIC-1' },
    ]);
    expect(raises(out)[0]?.request.messageEn).toContain('disconnected');
    expect(feed(sup, status(site, 'U02-PANIC-1', 'offline', T0 + 6000))).toEqual([]);
    expect(raisedDevices(sup.tick(T0 + 10 * HB))).not.toContain('U02-PANIC-1');
    expect(sup.devices().find((d) => d.id === 'U02-PANIC-1')?.online).toBe(false);
    // online again: re-armed
    feed(sup, status(site, 'U02-PANIC-1', 'online', T0 + 11 * HB));
    expect(sup.devices().find((d) => d.id === 'U02-PANIC-1')?.online).toBe(true);
    expect(raisedDevices(sup.tick(T0 + 13 * HB))).toEqual(['U02-PANIC-1']);
  });
});

describe('device health', () => {
  it('reports battery, rssi, tamper, last heartbeat, filtered by unit and zone', () => {
    const { site, sup } = setup();
    feed(sup, heartbeat(site, 'U02-PANIC-1', T0 + 10, { battery: 77, rssi: -61, tamper: false }));
    feed(sup, heartbeat(site, 'U02-PANIC-1', T0 + 20, { rssi: -70 }));
    const [d] = sup.devices({ unit: 'U02' }).filter((x) => x.id === 'U02-PANIC-1');
    expect(d).toEqual({
      id: 'U02-PANIC-1',
      kind: 'panic',
      unit: 'U02',
      zone: 'east',
      online: true,
      lastSeen: T0 + 20,
      battery: 77,
      rssi: -70,
      tamper: false,
      heartbeatMs: HB,
      lastHeartbeat: T0 + 20,
    });
    expect(
      sup
        .devices({ unit: 'U02' })
        .map((x) => x.id)
        .sort(),
    ).toEqual(['G001-WAND', 'U02-PANIC-1', 'U02-RC-1', 'U02-READER-1'].sort());
    expect(sup.devices({ zone: 'west' }).map((x) => x.id)).toEqual(['U11-PANIC-1']);
    expect(sup.devices().find((x) => x.id === 'U11-PANIC-1')).toMatchObject({
      online: false,
      lastSeen: null,
    });
  });
});

describe('with the alert engine', () => {
  it('silence becomes one device_offline alert to the device unit, deduped while open', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const sup = new SupervisionEngine(site, { startedAt: T0 });
    const h = new Harness([alerts, sup], alerts);
    for (const d of SUPERVISED) if (d !== 'U02-PANIC-1') h.event(heartbeat(site, d, T0 + 100_000));
    const out = h.tick(T0 + 2 * HB);
    expect(topicsOf(out)).toEqual(['gp/v1/unit/U02/alert']);
    const a = alertOf(publishes(out)[0] as never);
    expect(a).toMatchObject({ kind: 'device_offline', state: 'raised', unit: 'U02', device: 'U02-PANIC-1' });
    expect(alerts.nextWakeAt()).toBeNull(); // warnings do not escalate
    // silent again while the alert is still open: no second alert
    expect(h.tick(T0 + 3 * HB).filter((e) => e.type === 'publish' && e.topic.includes('U02'))).toEqual([]);
    expect(alerts.list({ kind: 'device_offline', unit: 'U02' })).toHaveLength(1);
    // back: the trouble is restored and closes itself (issue 13, docs/alerts.md "Restore")
    const back = publishes(h.event(heartbeat(site, 'U02-PANIC-1', T0 + 200_000)));
    expect(back.map((p) => alertOf(p))).toMatchObject([
      { id: a.id, state: 'resolved', restored: true, resolvedBy: 'system' },
    ]);
    // the next silence raises a new one
    const again = h.tick(T0 + 200_000 + 2 * HB);
    expect(publishes(again).map((p) => alertOf(p).kind)).toContain('device_offline');
    expect(alerts.list({ kind: 'device_offline', unit: 'U02' })).toHaveLength(1);
    expect(alerts.list({ kind: 'device_offline', unit: 'U02', state: 'all' })).toHaveLength(2);
  });

  it('the will reaches the unit as a device_offline alert', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const sup = new SupervisionEngine(site, { startedAt: T0 });
    const h = new Harness([alerts, sup], alerts);
    const out = h.event(status(site, 'U11-PANIC-1', 'offline', T0 + 1000));
    expect(topicsOf(out)).toEqual(['gp/v1/unit/U11/alert']);
    expect(alertOf(publishes(out)[0] as never).messageZh).toContain('连接断开');
  });
});

describe('restart', () => {
  it('rebuilt from the journal: same health, a recorded silence is not raised again', () => {
    const site = loadSite();
    const alerts = new AlertEngine(site);
    const sup = new SupervisionEngine(site, { startedAt: T0 });
    const h = new Harness([alerts, sup], alerts);
    h.event(heartbeat(site, 'U01-PANIC-1', T0 + 1000, { battery: 50 }));
    h.event(heartbeat(site, 'U03-PANIC-1', T0 + 1000));
    h.event(heartbeat(site, 'U11-PANIC-1', T0 + 1000));
    h.tick(T0 + 2 * HB); // U02 silent since start: raised
    expect(alerts.list({ kind: 'device_offline' })).toHaveLength(1);
    // restart shortly after
    const restartAt = T0 + 2 * HB + 5000;
    const alerts2 = new AlertEngine(site);
    const sup2 = new SupervisionEngine(site, { startedAt: restartAt });
    Harness.replay(h.journal, [alerts2, sup2]);
    expect(sup2.devices()).toEqual(sup.devices());
    expect(sup2.nextWakeAt()).toBe(restartAt + 2 * HB); // U01/U03/U11: downtime does not count as silence
    expect(sup2.tick(restartAt + 2 * HB - 1)).toEqual([]);
    expect(raisedDevices(sup2.tick(restartAt + 2 * HB)).sort()).toEqual([
      'U01-PANIC-1',
      'U03-PANIC-1',
      'U11-PANIC-1',
    ]);
  });

  it('snapshot/restore carries the health state', () => {
    const { site, sup } = setup();
    feed(sup, heartbeat(site, 'U02-PANIC-1', T0 + 10, { battery: 12, tamper: true }));
    feed(sup, status(site, 'U11-PANIC-1', 'offline', T0 + 20));
    const sup2 = new SupervisionEngine(site, { startedAt: T0 });
    sup2.restore(JSON.parse(JSON.stringify(sup.snapshot())));
    expect(sup2.devices()).toEqual(sup.devices());
    expect(sup2.nextWakeAt()).toBe(sup.nextWakeAt());
    expect(() => sup2.restore({ nope: true })).toThrow();
  });

  it('without startedAt, silence counts from the first live input', () => {
    const site = loadSite();
    const sup = new SupervisionEngine(site);
    expect(sup.nextWakeAt()).toBeNull();
    feed(sup, tap(site, 'U02-READER-1', '04D1E2F3', T0));
    expect(sup.nextWakeAt()).toBe(T0 + 2 * HB);
  });
});
