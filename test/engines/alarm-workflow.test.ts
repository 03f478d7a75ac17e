/**
 * Ownership, workflow, drills and tests, engine level with the injected clock
 * (issue 13 items 4–5): take and takeover, checklists, first view,
 * classification on resolve (v1 `{id}` still accepted unless required), the
 * audit trail, drills that never reach the police unless asked, button-test
 * windows and reminders, response times.
 */
import { describe, expect, it } from 'vitest';
import type { Site } from '../../gateway/src/config/site.js';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import type { OpInput } from '../../gateway/src/journal/types.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { type RawSite, smallSite } from '../support/site.js';
import { alertOf, Harness, heartbeat, logs, panic, publishes, T0, topicsOf } from './alerts-harness.js';

const S = 1000;
const DAY = 86_400_000;

function setup(edit?: (raw: RawSite) => void): { site: Site; alerts: AlertEngine; h: Harness } {
  const site = smallSite(edit);
  const alerts = new AlertEngine(site);
  return { site, alerts, h: new Harness([alerts], alerts) };
}

const first = (out: ReturnType<Harness['tick']>): AlertPayload | undefined => {
  const p = publishes(out);
  return p.length > 0 ? alertOf(p[0] as never) : undefined;
};

function pressU02(h: Harness, site: Site, at = T0): AlertPayload {
  return first(h.event(panic(site, 'U02-PANIC-1', 'pressed', at))) as AlertPayload;
}

const op = (input: OpInput) => input;

describe('ownership', () => {
  it('one owner at a time, shown to all targets; a takeover is allowed and logged; non-targets are refused', () => {
    const { site, alerts, h } = setup();
    const a = pressU02(h, site);
    const took = h.op(op({ op: 'take', id: a.id, by: 'U03-duty', unit: 'U03', from: '127.0.0.1' }), T0 + S);
    expect(topicsOf(took)).toEqual([
      'gp/v1/unit/U01/alert',
      'gp/v1/unit/U02/alert',
      'gp/v1/unit/U03/alert',
      'gp/v1/unit/U04/alert',
    ]);
    expect(first(took)?.owner).toEqual({
      account: 'U03-duty',
      name: '洋河实验小学值班室',
      unit: 'U03',
      at: new Date(T0 + S).toISOString(),
    });
    expect(first(took)?.state).toBe('raised'); // taking is not acknowledging
    // the same owner again writes nothing
    expect(h.op(op({ op: 'take', id: a.id, by: 'U03-duty', unit: 'U03' }), T0 + 2 * S)).toEqual([]);
    const over = first(h.op(op({ op: 'take', id: a.id, by: 'U01-duty', unit: 'U01' }), T0 + 3 * S));
    expect(over?.owner?.account).toBe('U01-duty');
    // another zone's console, and a console claiming another unit's topic, are refused
    const hostile = h.op(op({ op: 'take', id: a.id, by: 'U11-duty', unit: 'U11' }), T0 + 4 * S);
    expect(publishes(hostile)).toEqual([]);
    expect(logs(hostile)[0]?.msg).toMatch(/not a target/);
    expect(logs(h.op(op({ op: 'take', id: a.id, by: 'U11-duty', unit: 'U03' }), T0 + 5 * S))[0]?.msg).toMatch(
      /does not belong/,
    );
    expect(publishes(h.op(op({ op: 'ack', id: a.id, by: 'U11-duty', unit: 'U11' }), T0 + 6 * S))).toEqual([]);
    // an admin takes from anywhere
    expect(
      first(h.op(op({ op: 'take', id: a.id, by: 'police-east', unit: 'U11' }), T0 + 7 * S))?.owner,
    ).toMatchObject({
      account: 'police-east',
      unit: null,
    });
    const trail = alerts.detail(a.id)?.audit ?? [];
    expect(trail.map((e) => e.action)).toEqual(['raise', 'take', 'take', 'take']);
    expect(trail[1]).toMatchObject({ by: 'U03-duty', from: '127.0.0.1' });
    expect(trail[2]).toMatchObject({ by: 'U01-duty', detail: { takeoverFrom: 'U03-duty' } });
  });

  it('checklist: the panic default SOP in Chinese, ticked by target consoles, kept with the alert', () => {
    const { site, alerts, h } = setup();
    const a = pressU02(h, site);
    expect(a.checklist?.map((i) => i.step)).toEqual([
      'call_unit',
      'send_guard',
      'notify_110',
      'confirm_safe',
    ]);
    expect(a.checklist?.[2]?.text).toContain('110');
    const ticked = first(
      h.op(
        op({ op: 'checklist', id: a.id, by: 'U01-duty', unit: 'U01', step: 'call_unit', done: true }),
        T0 + S,
      ),
    );
    expect(ticked?.checklist?.[0]).toMatchObject({
      done: true,
      by: 'U01-duty',
      at: new Date(T0 + S).toISOString(),
    });
    // same state again: nothing; unknown step: refused
    expect(
      h.op(
        op({ op: 'checklist', id: a.id, by: 'U01-duty', unit: 'U01', step: 'call_unit', done: true }),
        T0 + 2 * S,
      ),
    ).toEqual([]);
    expect(
      logs(
        h.op(
          op({ op: 'checklist', id: a.id, by: 'U01-duty', unit: 'U01', step: 'dance', done: true }),
          T0 + 3 * S,
        ),
      )[0]?.msg,
    ).toMatch(/no checklist step/);
    expect(alerts.detail(a.id)?.audit.at(-1)).toMatchObject({
      action: 'checklist',
      detail: { step: 'call_unit', done: true },
    });
  });

  it('checklists come from gateway.alerts.checklists per kind', () => {
    const { h, site } = setup((raw) => {
      raw.gateway = { alerts: { checklists: { tamper: [{ step: 'look', text: '查看设备外壳' }] } } };
    });
    const [t] = publishes(h.event(heartbeat(site, 'U02-PANIC-1', T0, { tamper: true }))).map(alertOf);
    expect(t?.checklist).toEqual([
      { step: 'look', text: '查看设备外壳', textEn: '查看设备外壳', done: false, by: null, at: null },
    ]);
  });
});

describe('classification and response times', () => {
  it('resolve carries real|false|test|drill and a note; v1 {id} stays accepted as unclassified', () => {
    const { site, alerts, h } = setup();
    const a = pressU02(h, site);
    h.op(op({ op: 'view', id: a.id, by: 'U03-duty', unit: 'U03' }), T0 + 3 * S);
    expect(h.op(op({ op: 'view', id: a.id, by: 'U01-duty', unit: 'U01' }), T0 + 4 * S)).toEqual([]); // first view only
    h.op(op({ op: 'ack', id: a.id, by: 'U03-duty', unit: 'U03' }), T0 + 5 * S);
    const r = first(
      h.op(
        op({
          op: 'resolve',
          id: a.id,
          by: 'U02-duty',
          unit: 'U02',
          admin: false,
          classification: 'false',
          note: '误按',
        }),
        T0 + 9 * S,
      ),
    );
    expect(r).toMatchObject({
      state: 'resolved',
      classification: 'false',
      note: '误按',
      viewMs: 3000,
      ackMs: 5000,
      resolveMs: 9000,
    });
    expect(r?.viewedAt).toBe(new Date(T0 + 3 * S).toISOString());
    expect(alerts.detail(a.id)?.audit.map((e) => e.action)).toEqual(['raise', 'view', 'ack', 'resolve']);
    const b = pressU02(h, site, T0 + 20 * S);
    expect(
      first(h.op(op({ op: 'resolve', id: b.id, by: 'U02-duty', unit: 'U02', admin: false }), T0 + 21 * S)),
    ).toMatchObject({
      state: 'resolved',
      classification: null,
    });
  });

  it('alerts.requireClassification refuses a resolve without one', () => {
    const { site, h } = setup((raw) => {
      raw.gateway = { alerts: { requireClassification: true } };
    });
    const a = pressU02(h, site);
    const out = h.op(op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false }), T0 + S);
    expect(publishes(out)).toEqual([]);
    expect(logs(out)[0]?.msg).toMatch(/classification required/);
    expect(
      first(
        h.op(
          op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false, classification: 'real' }),
          T0 + 2 * S,
        ),
      )?.state,
    ).toBe('resolved');
  });
});

describe('drills and tests', () => {
  const drill = (notify: string[] = []): OpInput => ({
    op: 'drill',
    by: 'tech1',
    unit: 'U02',
    kind: 'panic',
    notify,
    durationMs: 600 * S,
  });

  it('a drill raises a marked alert through the same path, and never reaches the police unless asked', () => {
    const { site, alerts, h } = setup();
    const raised = h.op(drill(), T0);
    const a = first(raised) as AlertPayload;
    expect(a).toMatchObject({
      kind: 'panic',
      mode: 'drill',
      unit: 'U02',
      device: 'U02-PANIC-1',
      targets: ['U02', 'U01', 'U03', 'U04'],
    });
    expect(a.messageZh).toMatch(/^【演练】/);
    expect(a.drillNotify).toBeUndefined();
    // unacknowledged past ackTimeout: escalated for the units, but not to the police account or wall
    const esc = h.tick(T0 + 2 * S);
    expect(first(esc)).toMatchObject({ state: 'escalated', level: 2 });
    expect(topicsOf(esc).some((t) => t.includes('/operator/') || t.includes('/zone/'))).toBe(false);
    expect(first(esc)?.levels?.[1]?.skipped).toEqual([{ account: 'police-east', reason: 'drill' }]);
    // a press during the drill window is a drill too; resolving it classifies it as a drill
    h.op(op({ op: 'resolve', id: a.id, by: 'U02-duty', unit: 'U02', admin: false }), T0 + 3 * S);
    expect(alerts.get(a.id)?.classification).toBe('drill');
    expect(pressU02(h, site, T0 + 10 * S).mode).toBe('drill');
  });

  it('a drill with notify: [police] reaches the police like a live alarm; after the window, alarms are live', () => {
    const { site, h } = setup();
    const a = first(h.op(drill(['police', 'arc']), T0)) as AlertPayload;
    expect(a.drillNotify).toEqual(['police', 'arc']);
    expect(topicsOf(h.tick(T0 + 2 * S))).toContain('gp/v1/operator/police-east/alert');
    h.op(op({ op: 'resolve', id: a.id, by: 'police-east', unit: 'U02', admin: true }), T0 + 3 * S);
    expect(pressU02(h, site, T0 + 601 * S).mode).toBeUndefined();
  });

  it('a button-test window marks presses as tests, kept from the police', () => {
    const { site, h } = setup();
    h.op(op({ op: 'test', by: 'tech1', unit: 'U02', windowMs: 300 * S }), T0);
    const a = pressU02(h, site, T0 + S);
    expect(a.mode).toBe('test');
    expect(a.messageEn).toMatch(/^\[TEST\] /);
    expect(topicsOf(h.tick(T0 + 3 * S)).some((t) => t.includes('/operator/'))).toBe(false);
  });

  it('buttons not pressed in 30 days get one reminder notice per unit; a press clears it; monthly, not every tick', () => {
    const { site, alerts, h } = setup();
    h.event(panic(site, 'U01-PANIC-1', 'pressed', T0)); // the engine's first input: the baseline
    h.event(panic(site, 'U01-PANIC-1', 'pressed', T0 + 20 * DAY)); // U01's button was tested recently
    const out = h.tick(T0 + 30 * DAY);
    const notices = publishes(out)
      .map(alertOf)
      .filter((a) => a.notice === 'button_test');
    const byUnit = new Map(notices.map((n) => [n.unit, n]));
    expect([...byUnit.keys()].sort()).toEqual(['U02', 'U03', 'U11']);
    expect(byUnit.get('U03')?.details?.sort()).toEqual(['U03-PANIC-1', 'U03-SER-PANIC']);
    expect(byUnit.get('U02')).toMatchObject({ kind: 'custom', severity: 'info' });
    expect(h.tick(T0 + 30 * DAY + 10 * S)).toEqual([]);
    // U02 presses its button: the notice closes by itself
    const u02 = byUnit.get('U02') as AlertPayload;
    h.event(panic(site, 'U02-PANIC-1', 'pressed', T0 + 31 * DAY));
    expect(alerts.get(u02.id)).toMatchObject({ state: 'resolved', resolvedBy: 'system' });
  });
});
