/**
 * Alarm handling, engine level with the injected clock (issue 13 items 1–2):
 * restored troubles close themselves (or wait for a person when configured),
 * panics latch, never-heard devices are one "not yet commissioned" notice per
 * unit, and storms become one grouped alert per unit that closes itself when
 * every member is back — also after a restart.
 */
import { describe, expect, it } from 'vitest';
import type { Site } from '../../gateway/src/config/site.js';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import { SupervisionEngine } from '../../gateway/src/engines/supervision/index.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { type RawSite, smallSite } from '../support/site.js';
import { alertOf, Harness, heartbeat, panic, publishes, status, T0 } from './alerts-harness.js';

const HB = 60_000;
/** Extra supervised readers: 4 per unit of the east zone, and 10 more panic buttons at U01. */
const READERS = ['U01', 'U02', 'U03'].flatMap((u) => [1, 2, 3, 4].map((k) => `${u}-R${k}`));
const BUTTONS = Array.from({ length: 10 }, (_, i) => `U01-P${i}`);

function site(edit?: (raw: RawSite) => void): Site {
  return smallSite((raw) => {
    raw.devices = [
      ...(raw.devices ?? []),
      ...READERS.map((id) => ({ id, kind: 'reader' as const, unit: id.slice(0, 3), heartbeat: '60s' })),
      ...BUTTONS.map((id) => ({ id, kind: 'panic' as const, unit: 'U01' })),
    ];
    edit?.(raw);
  });
}

function setup(s: Site, startedAt = T0) {
  const alerts = new AlertEngine(s);
  const sup = new SupervisionEngine(s, { startedAt });
  return { alerts, sup, h: new Harness([alerts, sup], alerts) };
}

const payloads = (out: ReturnType<Harness['event']>): AlertPayload[] => publishes(out).map(alertOf);
/** One payload per alert id (the first publish of each change). */
function byId(out: ReturnType<Harness['event']>): AlertPayload[] {
  const seen = new Map<string, AlertPayload>();
  for (const p of payloads(out)) if (!seen.has(p.id)) seen.set(p.id, p);
  return [...seen.values()];
}

describe('restore', () => {
  it('a device back online closes its device_offline alert (resolvedBy system, restored)', () => {
    const s = site();
    const { h, alerts } = setup(s);
    const [raised] = byId(h.event(status(s, 'U02-R1', 'offline', T0)));
    expect(raised).toMatchObject({ kind: 'device_offline', state: 'raised', restored: false });
    const [back] = byId(h.event(heartbeat(s, 'U02-R1', T0 + 5000)));
    expect(back).toMatchObject({
      id: raised?.id,
      state: 'resolved',
      resolvedBy: 'system',
      restored: true,
      restoredAt: new Date(T0 + 5000).toISOString(),
      resolveMs: 5000,
    });
    expect(back?.messageZh).toMatch(/^【已恢复·自动解除】/);
    expect(alerts.detail(raised?.id ?? '')?.audit.map((e) => e.action)).toEqual(['raise', 'restore']);
  });

  it('with alerts.restore manual (or per kind) a restored trouble stays open for a person', () => {
    const s = site((raw) => {
      raw.gateway = { alerts: { restore: { tamper: 'manual' } } };
    });
    const { h } = setup(s);
    const [t] = byId(h.event(heartbeat(s, 'U02-R1', T0, { tamper: true })));
    const [cleared] = byId(h.event(heartbeat(s, 'U02-R1', T0 + 1000, { tamper: false })));
    expect(cleared).toMatchObject({ id: t?.id, state: 'raised', restored: true, resolvedBy: null });
    // device_offline keeps the default: auto
    h.event(status(s, 'U02-R2', 'offline', T0 + 2000));
    expect(byId(h.event(heartbeat(s, 'U02-R2', T0 + 3000)))[0]).toMatchObject({ state: 'resolved' });
    // tampered again while open: no new alert, no longer restored
    expect(byId(h.event(heartbeat(s, 'U02-R1', T0 + 4000, { tamper: true })))[0]).toMatchObject({
      id: t?.id,
      restored: false,
    });
  });

  it('panics latch: no sign of life or release resolves them', () => {
    const s = site();
    const { h, alerts } = setup(s);
    const [p] = byId(h.event(panic(s, 'U02-PANIC-1', 'pressed', T0)));
    expect(p?.restored).toBeUndefined();
    h.event(panic(s, 'U02-PANIC-1', 'released', T0 + 100));
    expect(payloads(h.event(heartbeat(s, 'U02-PANIC-1', T0 + 200)))).toEqual([]);
    expect(alerts.get(p?.id ?? '')?.state).toBe('raised');
  });
});

describe('commissioning', () => {
  it('never-heard devices are one info notice per unit, not device_offline; heard ones leave it; past the time, offline', () => {
    const s = site();
    const { h, alerts } = setup(s);
    const out = h.tick(T0 + 2 * HB);
    const notices = byId(out);
    expect(
      notices.every((a) => a.kind === 'custom' && a.severity === 'info' && a.notice === 'commissioning'),
    ).toBe(true);
    expect(notices.map((a) => a.unit).sort()).toEqual(['U01', 'U02', 'U03', 'U11']);
    expect(alerts.list({ kind: 'device_offline' })).toEqual([]);
    const u02 = notices.find((a) => a.unit === 'U02');
    expect(u02?.details?.sort()).toEqual(['U02-PANIC-1', 'U02-R1', 'U02-R2', 'U02-R3', 'U02-R4']);
    // no second notice on later ticks
    expect(byId(h.tick(T0 + 3 * HB))).toEqual([]);
    // each device heard leaves the list; the last one closes the notice
    for (const d of ['U02-PANIC-1', 'U02-R1', 'U02-R2', 'U02-R3']) h.event(heartbeat(s, d, T0 + 4 * HB));
    expect(alerts.get(u02?.id ?? '')?.details).toEqual(['U02-R4']);
    expect(byId(h.event(heartbeat(s, 'U02-R4', T0 + 4 * HB)))[0]).toMatchObject({
      id: u02?.id,
      state: 'resolved',
      resolvedBy: 'system',
    });
    // a device never heard within supervision.commissioning (24 h) is offline after it
    const late = byId(h.tick(T0 + 24 * 3_600_000 + 1));
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((a) => a.kind === 'device_offline')).toBe(true);
  });
});

describe('storms', () => {
  const noCommissioning = (raw: RawSite) => {
    raw.gateway = { supervision: { commissioning: '0s' } };
  };

  it('the 5th alert of a kind within the window groups them per unit; members close as grouped; later ones join', () => {
    const s = site(noCommissioning);
    const { h, alerts } = setup(s);
    const first = ['U01-R1', 'U01-R2', 'U02-R1', 'U02-R2'].map(
      (d, i) => byId(h.event(status(s, d, 'offline', T0 + i * 1000)))[0] as AlertPayload,
    );
    expect(first.every((a) => a.kind === 'device_offline' && !a.group)).toBe(true);
    const out = h.event(status(s, 'U03-R1', 'offline', T0 + 10_000));
    const groups = byId(out).filter((a) => a.group);
    expect(groups.map((g) => [g.unit, g.group?.count]).sort()).toEqual([
      ['U01', 2],
      ['U02', 2],
      ['U03', 1],
    ]);
    for (const a of first)
      expect(alerts.get(a.id)).toMatchObject({
        state: 'resolved',
        resolvedBy: 'system',
        groupedInto: expect.any(String),
      });
    // the consoles see one open device_offline card each
    for (const u of ['U01', 'U02', 'U03'])
      expect(alerts.list({ unit: u, kind: 'device_offline' })).toHaveLength(1);
    // a later one of a grouped unit joins its group, even after the window
    const [joined] = byId(h.event(status(s, 'U01-R3', 'offline', T0 + 300_000)));
    expect(joined).toMatchObject({ group: { count: 3 }, unit: 'U01' });
    expect(joined?.messageZh).toContain('设备离线 3 起');
    // the unit by its name in Chinese, its id only in English
    expect(joined?.messageZh?.startsWith('洋河新区管委会 批量告警：')).toBe(true);
    expect(joined?.messageZh).not.toContain('(U01)');
    expect(joined?.messageEn).toContain('洋河新区管委会 (U01)');
    // ack as one
    const g1 = groups.find((g) => g.unit === 'U01') as AlertPayload;
    expect(byId(h.op({ op: 'ack', id: g1.id, by: 'U01-duty', unit: 'U01' }, T0 + 301_000))[0]?.state).toBe(
      'acknowledged',
    );
    // back one by one: counted; the last one closes the group
    h.event(heartbeat(s, 'U01-R1', T0 + 302_000));
    expect(alerts.get(g1.id)?.group).toMatchObject({ count: 3, restoredCount: 1 });
    h.event(heartbeat(s, 'U01-R2', T0 + 303_000));
    const [closed] = byId(h.event(heartbeat(s, 'U01-R3', T0 + 304_000)));
    expect(closed).toMatchObject({
      id: g1.id,
      state: 'resolved',
      restored: true,
      group: { restoredCount: 3 },
    });
  });

  it('spread over more than the window, alerts stay single cards', () => {
    const s = site(noCommissioning);
    const { h, alerts } = setup(s);
    for (const [i, d] of READERS.slice(0, 8).entries()) h.event(status(s, d, 'offline', T0 + i * 20_000));
    expect(alerts.list({ kind: 'device_offline' })).toHaveLength(8);
    expect(alerts.list().some((a) => a.group)).toBe(false);
  });

  it('never groups panics: ten presses in a second are ten cards', () => {
    const s = site(noCommissioning);
    const { h, alerts } = setup(s);
    for (const [i, d] of BUTTONS.entries()) h.event(panic(s, d, 'pressed', T0 + i * 100));
    const open = alerts.list({ kind: 'panic' });
    expect(open).toHaveLength(10);
    expect(open.every((a) => !a.group && a.state === 'raised')).toBe(true);
  });

  it('silences grouped before a restart are not raised again after it', () => {
    const s = site(noCommissioning);
    const live = setup(s);
    for (const d of READERS) live.h.event(heartbeat(s, d, T0));
    live.h.tick(T0 + 2 * HB); // 12 readers and 4 buttons silent: grouped
    expect(live.alerts.list({ kind: 'device_offline' }).every((a) => a.group)).toBe(true);
    const T1 = T0 + 5 * HB;
    const after = setup(s, T1);
    Harness.replay(live.h.journal, [after.alerts, after.sup]);
    after.h.journal.push(...live.h.journal);
    // their silence is already known: nothing new, however long they stay away
    expect(publishes(after.h.tick(T1 + 10 * HB))).toEqual([]);
    expect(after.alerts.list({ kind: 'device_offline' })).toHaveLength(4);
  });

  it('after a restart, devices that stay silent come as grouped cards, not one each', () => {
    const s = site(noCommissioning);
    const live = setup(s);
    for (const d of READERS) live.h.event(heartbeat(s, d, T0));
    // restart at T1: fresh engines rebuilt from the journal
    const T1 = T0 + 10 * 60_000;
    const after = setup(s, T1);
    Harness.replay(live.h.journal, [after.alerts, after.sup]);
    after.h.journal.push(...live.h.journal);
    after.h.tick(T1 + 2 * HB);
    const open = after.alerts.list({ kind: 'device_offline' });
    // U01–U03: 4 readers and a panic button each; U11: its panic button (never heard either)
    expect(open.map((a) => [a.unit, a.group?.count]).sort()).toEqual([
      ['U01', 5],
      ['U02', 5],
      ['U03', 5],
      ['U11', 1],
    ]);
  });
});
