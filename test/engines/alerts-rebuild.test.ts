/**
 * Restart: the alert engine rebuilt from the journal (or a snapshot plus the
 * entries after it) equals the live one, and escalations neither repeat nor
 * get lost across a restart.
 */
import { describe, expect, it } from 'vitest';
import type { Site } from '../../gateway/src/config/site.js';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import type { JournalEntry } from '../../gateway/src/journal/types.js';
import { alertOf, Harness, heartbeat, loadSite, panic, publishes, T0, topicsOf } from './alerts-harness.js';

function openState(e: AlertEngine) {
  return e.list({ state: 'open' }).map((a) => ({ id: a.id, state: a.state, targets: a.targets, payload: a }));
}

/** A busy live history: raised, escalated, acknowledged, resolved, tamper, custom and engine raises. */
function liveHistory(site: Site): { a: AlertEngine; h: Harness; pendingId: string } {
  const a = new AlertEngine(site);
  const h = new Harness([a], a);
  h.event(panic(site, 'U02-PANIC-1', 'pressed', T0)); // escalates below
  h.event(panic(site, 'U02-PANIC-1', 'pressed', T0 + 10)); // dedupe
  h.event(panic(site, 'U02-PANIC-1', 'released', T0 + 20));
  const p2 = alertOf(publishes(h.event(panic(site, 'U11-PANIC-1', 'pressed', T0 + 30)))[0] as never);
  h.op({ op: 'ack', id: p2.id, by: 'U12-duty', unit: 'U12' }, T0 + 500);
  h.tick(T0 + 2000); // p1 escalates
  h.event(heartbeat(site, 'U03-PANIC-1', T0 + 2100, { tamper: true }));
  h.op({ op: 'alert', by: 'police-east', unit: 'U01', message: '演练', severity: 'info' }, T0 + 2200);
  const p3 = alertOf(publishes(h.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 2300)))[0] as never);
  h.op({ op: 'resolve', id: p3.id, by: 'U01-duty', unit: 'U01', admin: false }, T0 + 2400);
  h.op({ op: 'ack', id: 'A-404', by: 'U01-duty', unit: 'U01' }, T0 + 2450); // refused
  h.raise(
    {
      kind: 'patrol_missed',
      severity: 'warning',
      zone: 'east',
      unit: 'U01',
      route: 'east-night',
      key: 'patrol:t1',
      messageZh: '漏检',
      messageEn: 'missed',
    },
    T0 + 2500,
  );
  const pending = alertOf(publishes(h.event(panic(site, 'U03-PANIC-1', 'pressed', T0 + 3000)))[0] as never);
  return { a, h, pendingId: pending.id };
}

describe('rebuild from the journal', () => {
  it('replaying the journal into a fresh engine gives the same open alerts, targets and next wake', () => {
    const site = loadSite();
    const { a, h, pendingId } = liveHistory(site);
    expect(a.nextWakeAt()).toBe(T0 + 5000);
    const b = new AlertEngine(site);
    Harness.replay(h.journal, [b]);
    expect(openState(b)).toEqual(openState(a));
    expect(b.list({ state: 'all' })).toEqual(a.list({ state: 'all' }));
    expect(b.list({ kind: 'patrol_missed' })).toHaveLength(1);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.nextWakeAt()).toBe(a.nextWakeAt());
    expect(b.get(pendingId)).toEqual(a.get(pendingId));
    // the escalated one is still escalated and does not escalate again
    expect(b.list({ state: 'escalated' })).toHaveLength(1);
  });

  it('replay alone never raises from events: only records make alerts', () => {
    const site = loadSite();
    const b = new AlertEngine(site);
    const entries: JournalEntry[] = [
      { seq: 1, at: T0, body: { type: 'event', event: panic(site, 'U02-PANIC-1', 'pressed', T0) } },
    ];
    Harness.replay(entries, [b]);
    expect(b.list({ state: 'all' })).toEqual([]);
    expect(b.nextWakeAt()).toBeNull();
  });

  it('snapshot/restore (through JSON) equals the live engine, and both continue identically', () => {
    const site = loadSite();
    const { a, h } = liveHistory(site);
    const c = new AlertEngine(site);
    c.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(c.list({ state: 'all' })).toEqual(a.list({ state: 'all' }));
    expect(c.nextWakeAt()).toBe(a.nextWakeAt());
    expect(c.snapshot()).toEqual(JSON.parse(JSON.stringify(a.snapshot())));
    const hc = new Harness([c], c);
    hc.journal.push(...h.journal);
    const ea = h.tick(T0 + 5000);
    const ec = hc.tick(T0 + 5000);
    expect(ec).toEqual(ea);
    const na = h.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 6000));
    const nc = hc.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 6000));
    expect(nc).toEqual(na);
  });

  it('a snapshot taken mid-journal plus the later entries equals the live engine', () => {
    const site = loadSite();
    const a = new AlertEngine(site);
    const h = new Harness([a], a);
    const p1 = alertOf(publishes(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0)))[0] as never);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const snapSeq = h.journal.length;
    h.op({ op: 'ack', id: p1.id, by: 'U03-duty', unit: 'U03' }, T0 + 100);
    h.event(panic(site, 'U11-PANIC-1', 'pressed', T0 + 200));
    h.tick(T0 + 40_000); // U11 escalates
    h.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 41_000));
    const b = new AlertEngine(site);
    b.restore(snap);
    Harness.replay(
      h.journal.filter((e) => e.seq > snapSeq),
      [b],
    );
    expect(b.list({ state: 'all' })).toEqual(a.list({ state: 'all' }));
    expect(b.nextWakeAt()).toBe(a.nextWakeAt());
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('killed between raise and escalation: the first tick after the deadline escalates exactly once', () => {
    const site = loadSite();
    const a = new AlertEngine(site);
    const h = new Harness([a], a);
    const p = alertOf(publishes(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0)))[0] as never);
    // the gateway dies here; it comes back 10 s later
    const b = new AlertEngine(site);
    Harness.replay(h.journal, [b]);
    expect(b.nextWakeAt()).toBe(T0 + 2000);
    const hb = new Harness([b], b);
    hb.journal.push(...h.journal);
    const out = hb.tick(T0 + 10_000);
    expect(topicsOf(out)).toContain('gp/v1/zone/east/alert');
    expect(publishes(out).every((x) => alertOf(x).id === p.id && alertOf(x).state === 'escalated')).toBe(
      true,
    );
    expect(hb.alertRecords().filter((r) => r.state === 'escalated')).toHaveLength(1);
    expect(hb.tick(T0 + 11_000)).toEqual([]);
    // and again after a second restart: the escalation is recorded, it does not repeat
    const c = new AlertEngine(site);
    Harness.replay(hb.journal, [c]);
    expect(c.nextWakeAt()).toBeNull();
    expect(c.tick(T0 + 20_000)).toEqual([]);
    expect(c.get(p.id)?.state).toBe('escalated');
  });

  it('escalated before the kill: no second escalation after restart', () => {
    const site = loadSite();
    const a = new AlertEngine(site);
    const h = new Harness([a], a);
    h.event(panic(site, 'U02-PANIC-1', 'pressed', T0));
    expect(publishes(h.tick(T0 + 2000)).length).toBeGreaterThan(0);
    const b = new AlertEngine(site);
    Harness.replay(h.journal, [b]);
    expect(b.nextWakeAt()).toBeNull();
    expect(b.tick(T0 + 60_000)).toEqual([]);
  });

  it('alert ids stay unique across restarts, with or without a snapshot', () => {
    const site = loadSite();
    const { a, h } = liveHistory(site);
    const before = new Set(a.list({ state: 'all' }).map((x) => x.id));
    // restart from the journal only
    const b = new AlertEngine(site);
    Harness.replay(h.journal, [b]);
    const hb = new Harness([b], b);
    hb.journal.push(...h.journal);
    const n1 = alertOf(publishes(hb.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 9000)))[0] as never);
    expect(before.has(n1.id)).toBe(false);
    // restart from the journal's tail only (older entries pruned, snapshot lost): ids still above
    const c = new AlertEngine(site);
    Harness.replay(hb.journal.slice(-1), [c]);
    const n2 = c.raise(
      {
        kind: 'custom',
        severity: 'info',
        zone: 'east',
        unit: 'U01',
        key: 'k',
        messageZh: 'z',
        messageEn: 'e',
      },
      T0 + 9500,
    );
    const id2 = alertOf(publishes(n2 as never)[0] as never).id;
    expect(before.has(id2)).toBe(false);
    expect(id2).not.toBe(n1.id);
  });
});
