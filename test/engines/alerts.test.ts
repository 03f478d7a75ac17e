import { beforeEach, describe, expect, it } from 'vitest';
import type { Site } from '../../gateway/src/config/site.js';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import {
  alertOf,
  Harness,
  heartbeat,
  loadSite,
  logs,
  panic,
  publishes,
  T0,
  topicsOf,
} from './alerts-harness.js';

let site: Site;
let alerts: AlertEngine;
let h: Harness;

beforeEach(() => {
  site = loadSite();
  alerts = new AlertEngine(site);
  h = new Harness([alerts], alerts);
});

const unitTopics = (...units: string[]) => units.map((u) => `gp/v1/unit/${u}/alert`).sort();

function pressU02(at = T0): AlertPayload {
  const out = h.event(panic(site, 'U02-PANIC-1', 'pressed', at));
  const p = publishes(out);
  expect(p.length).toBeGreaterThan(0);
  return alertOf(p[0] as (typeof p)[number]);
}

describe('raise', () => {
  it('a panic press raises a critical alert to the unit and its zone neighbours, with a record', () => {
    const out = h.event(panic(site, 'U02-PANIC-1', 'pressed', T0));
    expect(topicsOf(out)).toEqual(unitTopics('U01', 'U02', 'U03', 'U04'));
    for (const p of publishes(out)) expect(p.qos).toBe(1);
    const a = alertOf(publishes(out)[0] as never);
    expect(a).toMatchObject({
      kind: 'panic',
      state: 'raised',
      severity: 'critical',
      zone: 'east',
      unit: 'U02',
      device: 'U02-PANIC-1',
      checkpoint: null,
      guard: null,
      route: null,
      raisedAt: '2026-11-28T20:00:00.000Z',
      updatedAt: '2026-11-28T20:00:00.000Z',
      ackBy: null,
      escalated: false,
      targets: ['U02', 'U01', 'U03', 'U04'],
    });
    expect(a.id).toMatch(/^A-\d+$/);
    expect(a.messageZh).toBe('新城名苑 紧急报警：值班室按下报警按钮');
    expect(a.messageEn).toBe('Panic at 新城名苑 (U02): duty-room panic button pressed');
    expect(a.message).toBe(`${a.messageZh} / ${a.messageEn}`);
    // every protocol §1.3 field is present
    for (const f of [
      'id',
      'kind',
      'state',
      'severity',
      'zone',
      'unit',
      'device',
      'checkpoint',
      'guard',
      'route',
    ]) {
      expect(a).toHaveProperty(f);
    }
    for (const f of ['raisedAt', 'updatedAt', 'ackBy', 'message']) expect(a).toHaveProperty(f);
    // the state change is journaled as one alert record with key, targets and deadline
    const records = h.journal.filter((e) => e.body.type === 'alert');
    expect(records).toHaveLength(1);
    const rec = records[0]?.body;
    expect(rec).toMatchObject({ type: 'alert', key: 'panic:U02-PANIC-1', escalateAt: T0 + 2000 });
    expect(rec?.type === 'alert' && rec.targets).toEqual(['U02', 'U01', 'U03', 'U04']);
    expect(alerts.get(a.id)).toEqual(a);
  });

  it('explicit neighbours are honoured (U04 → U01 only)', () => {
    // U04 has no panic device in the fixture: raise through the AlertRaiser as a panic at U04
    const out = alerts.raise(
      {
        kind: 'panic',
        severity: 'critical',
        zone: 'east',
        unit: 'U04',
        key: 'panic:x',
        messageZh: 'z',
        messageEn: 'e',
      },
      T0,
    );
    expect(topicsOf(out as never)).toEqual(unitTopics('U01', 'U04'));
  });

  it('a panic in the west zone never targets a unit of the east zone', () => {
    const out = h.event(panic(site, 'U11-PANIC-1', 'pressed', T0));
    expect(topicsOf(out)).toEqual(unitTopics('U11', 'U12'));
    expect(alertOf(publishes(out)[0] as never).zone).toBe('west');
  });

  it('a second press while open raises nothing; released does not resolve; after resolve a press raises anew', () => {
    const first = pressU02();
    expect(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0 + 100))).toEqual([]);
    expect(h.event(panic(site, 'U02-PANIC-1', 'released', T0 + 200))).toEqual([]);
    expect(alerts.get(first.id)?.state).toBe('raised');
    expect(alerts.list({ state: 'open' })).toHaveLength(1);
    h.op({ op: 'resolve', id: first.id, by: 'U02-duty', unit: 'U02', admin: false }, T0 + 300);
    const again = pressU02(T0 + 400);
    expect(again.id).not.toBe(first.id);
    expect(again.state).toBe('raised');
    expect(alerts.list({ state: 'open' }).map((a) => a.id)).toEqual([again.id]);
  });

  it('presses of two different buttons are two alerts', () => {
    const a = pressU02();
    const b = alertOf(publishes(h.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 1)))[0] as never);
    expect(b.id).not.toBe(a.id);
    expect(alerts.list().length).toBe(2);
  });

  it('a tamper heartbeat raises a warning tamper alert to the device unit only, once', () => {
    const out = h.event(heartbeat(site, 'U02-PANIC-1', T0, { tamper: true, battery: 80 }));
    expect(topicsOf(out)).toEqual(unitTopics('U02'));
    const a = alertOf(publishes(out)[0] as never);
    expect(a).toMatchObject({ kind: 'tamper', severity: 'warning', unit: 'U02', device: 'U02-PANIC-1' });
    expect(a.messageZh).toContain('防拆');
    expect(a.messageEn).toContain('Tamper');
    expect(h.event(heartbeat(site, 'U02-PANIC-1', T0 + 1000, { tamper: true }))).toEqual([]);
    expect(alerts.nextWakeAt()).toBeNull(); // warnings do not escalate
    // tamper cleared: restored, and closed by the gateway (issue 13, docs/alerts.md "Restore")
    const cleared = publishes(h.event(heartbeat(site, 'U02-PANIC-1', T0 + 2000, { tamper: false })));
    expect(cleared.map((p) => alertOf(p))).toMatchObject([
      { id: a.id, state: 'resolved', restored: true, resolvedBy: 'system' },
    ]);
  });

  it('an operator custom alert goes to the named unit with its message and severity', () => {
    const out = h.op(
      { op: 'alert', by: 'tech1', unit: 'U03', message: '校门口有可疑人员', severity: 'warning' },
      T0,
    );
    expect(topicsOf(out)).toEqual(unitTopics('U03'));
    const a = alertOf(publishes(out)[0] as never);
    expect(a).toMatchObject({ kind: 'custom', severity: 'warning', unit: 'U03', zone: 'east' });
    expect(a.message).toContain('校门口有可疑人员');
    // two custom alerts are two alerts
    const out2 = h.op(
      { op: 'alert', by: 'tech1', unit: 'U03', message: '校门口有可疑人员', severity: 'warning' },
      T0 + 1,
    );
    expect(publishes(out2)).toHaveLength(1);
    expect(alerts.list({ kind: 'custom' })).toHaveLength(2);
  });

  it('raise requests from other engines use their key and targets', () => {
    const req = {
      kind: 'patrol_missed' as const,
      severity: 'warning' as const,
      zone: 'east',
      unit: 'U01',
      route: 'east-night',
      targets: ['U02', 'U03'],
      key: 'patrol_missed:tour-1',
      messageZh: '漏检',
      messageEn: 'missed',
      details: ['CP-E-03'],
    };
    const out = alerts.raise(req, T0);
    expect(topicsOf(out as never)).toEqual(unitTopics('U02', 'U03'));
    expect(alerts.raise(req, T0 + 1)).toEqual([]);
    const [a] = alerts.list({ kind: 'patrol_missed' });
    expect(a?.details).toEqual(['CP-E-03']);
    expect(a?.route).toBe('east-night');
    // without explicit targets: the units owning the route's checkpoints
    const out2 = alerts.raise(
      { ...req, key: 'patrol_late:tour-2', kind: 'patrol_late', targets: undefined },
      T0,
    );
    expect(topicsOf(out2 as never)).toEqual(unitTopics('U02', 'U03'));
    // roll-call absentees: the call's unit
    const out3 = alerts.raise(
      {
        kind: 'rollcall_absent',
        severity: 'warning',
        zone: 'east',
        unit: 'U01',
        key: 'rollcall:C1:U01',
        call: 'C1',
        details: ['G004'],
        messageZh: '缺勤',
        messageEn: 'absent',
      },
      T0,
    );
    expect(topicsOf(out3 as never)).toEqual(unitTopics('U01'));
    expect(alertOf(publishes(out3 as never)[0] as never).call).toBe('C1');
  });
});

describe('acknowledge and resolve', () => {
  it('a target console acknowledges; the first ack wins and goes to every target', () => {
    const a = pressU02();
    const out = h.op({ op: 'ack', id: a.id, by: 'U01-duty', unit: 'U01' }, T0 + 1500);
    expect(topicsOf(out)).toEqual(unitTopics('U01', 'U02', 'U03', 'U04'));
    const acked = alertOf(publishes(out)[0] as never);
    expect(acked).toMatchObject({
      id: a.id,
      state: 'acknowledged',
      ackBy: 'U01-duty',
      ackAt: '2026-11-28T20:00:01.500Z',
      ackMs: 1500,
      updatedAt: '2026-11-28T20:00:01.500Z',
      raisedAt: a.raisedAt,
    });
    expect(acked.messageZh).toContain('已确认');
    expect(acked.messageZh).toContain('新城名苑 紧急报警');
    expect(acked.messageZh).toMatch(/^【已确认·洋河新区管委会值班室·[\d.]+ 秒】/);
    // a later ack: log only, no change
    const late = h.op({ op: 'ack', id: a.id, by: 'U03-duty', unit: 'U03' }, T0 + 1600);
    expect(publishes(late)).toEqual([]);
    expect(logs(late)).toHaveLength(1);
    expect(logs(late)[0]?.msg).toContain('already acknowledged by U01-duty');
    expect(alerts.get(a.id)?.ackBy).toBe('U01-duty');
    // acknowledged before the timeout: never escalates
    expect(alerts.nextWakeAt()).toBeNull();
    expect(h.tick(T0 + 10_000)).toEqual([]);
  });

  it('a console of a unit that is not a target cannot acknowledge', () => {
    const a = pressU02();
    const out = h.op({ op: 'ack', id: a.id, by: 'U11-duty', unit: 'U11' }, T0 + 100);
    expect(publishes(out)).toEqual([]);
    expect(logs(out)[0]?.msg).toMatch(/not a target/);
    // a console claiming another unit than its own is refused too
    const out2 = h.op({ op: 'ack', id: a.id, by: 'U11-duty', unit: 'U01' }, T0 + 100);
    expect(publishes(out2)).toEqual([]);
    expect(alerts.get(a.id)?.state).toBe('raised');
    expect(h.journal.filter((e) => e.body.type === 'alert')).toHaveLength(1);
  });

  it('an admin operator may acknowledge through any unit', () => {
    const a = pressU02();
    const out = h.op({ op: 'ack', id: a.id, by: 'police-west', unit: 'U11' }, T0 + 100);
    expect(alertOf(publishes(out)[0] as never)).toMatchObject({
      state: 'acknowledged',
      ackBy: 'police-west',
    });
  });

  it('a technician is no admin', () => {
    const a = pressU02();
    const out = h.op({ op: 'ack', id: a.id, by: 'tech1', unit: 'U11' }, T0 + 100);
    expect(publishes(out)).toEqual([]);
  });

  it('only the origin unit console resolves; resolving an unacknowledged alert is allowed', () => {
    const a = pressU02();
    const refused = h.op({ op: 'resolve', id: a.id, by: 'U01-duty', unit: 'U01', admin: false }, T0 + 100);
    expect(publishes(refused)).toEqual([]);
    expect(logs(refused)[0]?.msg).toMatch(/origin unit U02/);
    expect(alerts.get(a.id)?.state).toBe('raised');
    const out = h.op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false }, T0 + 200);
    expect(topicsOf(out)).toEqual(unitTopics('U01', 'U02', 'U03', 'U04'));
    const r = alertOf(publishes(out)[0] as never);
    expect(r).toMatchObject({ state: 'resolved', resolvedBy: 'U02-duty', ackBy: null });
    expect(r.messageZh).toContain('已解除');
    expect(alerts.nextWakeAt()).toBeNull();
    // resolved: further acks and resolves are refused
    expect(publishes(h.op({ op: 'ack', id: a.id, by: 'U02-duty', unit: 'U02' }, T0 + 300))).toEqual([]);
    const again = h.op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false }, T0 + 300);
    expect(publishes(again)).toEqual([]);
    expect(logs(again)).toHaveLength(1);
  });

  it('an admin may resolve from any unit', () => {
    const a = pressU02();
    h.op({ op: 'ack', id: a.id, by: 'U03-duty', unit: 'U03' }, T0 + 100);
    const out = h.op({ op: 'resolve', id: a.id, by: 'police-east', unit: 'U11', admin: true }, T0 + 200);
    expect(alertOf(publishes(out)[0] as never)).toMatchObject({
      state: 'resolved',
      resolvedBy: 'police-east',
      ackBy: 'U03-duty',
    });
  });

  it('unknown ids are refused with a log', () => {
    const out = h.op({ op: 'ack', id: 'A-999999', by: 'U01-duty', unit: 'U01' }, T0);
    expect(publishes(out)).toEqual([]);
    expect(logs(out)[0]?.msg).toMatch(/unknown alert A-999999/);
    const out2 = h.op({ op: 'resolve', id: 'nope', by: 'police-east', unit: 'U01', admin: true }, T0);
    expect(logs(out2)[0]?.msg).toMatch(/unknown alert/);
    expect(h.journal.filter((e) => e.body.type === 'alert')).toHaveLength(0);
  });
});

describe('escalation', () => {
  it('escalates once, exactly at the zone ack timeout, to the zone and its escalation accounts', () => {
    const a = pressU02();
    expect(alerts.nextWakeAt()).toBe(T0 + 2000);
    expect(h.tick(T0 + 1999)).toEqual([]);
    const out = h.tick(T0 + 2000);
    expect(topicsOf(out)).toEqual(
      [
        ...unitTopics('U01', 'U02', 'U03', 'U04'),
        'gp/v1/zone/east/alert',
        'gp/v1/operator/police-east/alert',
      ].sort(),
    );
    const e = alertOf(publishes(out)[0] as never);
    expect(e).toMatchObject({ id: a.id, state: 'escalated', escalated: true, ackBy: null });
    expect(e.messageZh).toMatch(/^【已升级/);
    expect(e.messageEn).toContain('police-east');
    expect(alerts.nextWakeAt()).toBeNull();
    expect(h.tick(T0 + 5000)).toEqual([]);
    expect(h.alertRecords().filter((r) => r.state === 'escalated')).toHaveLength(1);
    // later changes go to the zone and the operators as well
    const ack = h.op({ op: 'ack', id: a.id, by: 'U04-duty', unit: 'U04' }, T0 + 6000);
    expect(topicsOf(ack)).toEqual(topicsOf(out));
    expect(alertOf(publishes(ack)[0] as never)).toMatchObject({
      state: 'acknowledged',
      escalated: true,
      ackMs: 6000,
    });
    const res = h.op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false }, T0 + 7000);
    expect(topicsOf(res)).toEqual(topicsOf(out));
  });

  it('uses each zone own timeout', () => {
    h.event(panic(site, 'U11-PANIC-1', 'pressed', T0));
    expect(alerts.nextWakeAt()).toBe(T0 + 30_000);
    expect(h.tick(T0 + 29_999)).toEqual([]);
    expect(topicsOf(h.tick(T0 + 30_000))).toEqual(
      [...unitTopics('U11', 'U12'), 'gp/v1/zone/west/alert', 'gp/v1/operator/police-west/alert'].sort(),
    );
  });

  it('critical alerts of any kind escalate; warnings do not', () => {
    h.op({ op: 'alert', by: 'police-east', unit: 'U03', message: '火警', severity: 'critical' }, T0);
    h.op({ op: 'alert', by: 'police-east', unit: 'U03', message: '提醒', severity: 'warning' }, T0);
    expect(alerts.nextWakeAt()).toBe(T0 + 2000);
    const out = h.tick(T0 + 2000);
    const escalated = publishes(out).map((p) => alertOf(p).id);
    expect(new Set(escalated).size).toBe(1);
    expect(alerts.list({ state: 'escalated' })).toHaveLength(1);
    expect(alerts.list({ state: 'raised' })).toHaveLength(1);
  });
});

describe('queries', () => {
  it('filters by state, target unit, zone and kind, newest first', () => {
    const a = pressU02(T0);
    const w = alertOf(publishes(h.event(panic(site, 'U11-PANIC-1', 'pressed', T0 + 1)))[0] as never);
    const t = alertOf(
      publishes(h.event(heartbeat(site, 'U01-PANIC-1', T0 + 2, { tamper: true })))[0] as never,
    );
    h.op({ op: 'resolve', id: w.id, by: 'U11-duty', unit: 'U11', admin: false }, T0 + 3);
    expect(alerts.list().map((x) => x.id)).toEqual([t.id, a.id]);
    expect(alerts.list({ state: 'all' }).map((x) => x.id)).toEqual([t.id, w.id, a.id]);
    expect(alerts.list({ state: 'resolved' }).map((x) => x.id)).toEqual([w.id]);
    expect(alerts.list({ unit: 'U03' }).map((x) => x.id)).toEqual([a.id]); // targeted by U02's panic
    expect(alerts.list({ unit: 'U01' }).map((x) => x.id)).toEqual([t.id, a.id]);
    expect(alerts.list({ zone: 'west', state: 'all' }).map((x) => x.id)).toEqual([w.id]);
    expect(alerts.list({ kind: 'tamper' }).map((x) => x.id)).toEqual([t.id]);
    expect(alerts.get('A-0')).toBeUndefined();
    // results are copies
    const copy = alerts.get(a.id) as AlertPayload;
    copy.state = 'resolved';
    expect(alerts.get(a.id)?.state).toBe('raised');
  });

  it('forgets resolved alerts after 24 h, keeps open ones', () => {
    const a = pressU02(T0);
    const w = alertOf(publishes(h.event(panic(site, 'U11-PANIC-1', 'pressed', T0)))[0] as never);
    h.op({ op: 'resolve', id: w.id, by: 'U11-duty', unit: 'U11', admin: false }, T0 + 1000);
    h.tick(T0 + 1000 + 24 * 3_600_000 - 1);
    expect(alerts.get(w.id)).toBeDefined();
    h.tick(T0 + 1000 + 24 * 3_600_000);
    expect(alerts.get(w.id)).toBeUndefined();
    expect(alerts.get(a.id)).toBeDefined();
  });

  it('caps the resolved alerts kept in memory', () => {
    const small = new AlertEngine(site, { maxResolved: 3 });
    const hs = new Harness([small], small);
    for (let i = 0; i < 10; i++) {
      const out = hs.event(panic(site, 'U11-PANIC-1', 'pressed', T0 + i * 10));
      const id = alertOf(publishes(out)[0] as never).id;
      hs.op({ op: 'resolve', id, by: 'U11-duty', unit: 'U11', admin: false }, T0 + i * 10 + 1);
    }
    expect(small.list({ state: 'all' })).toHaveLength(3);
  });
});
