/**
 * The escalation ladder, engine level with the injected clock (issue 13
 * item 3): each level fires once while unacknowledged and stops on ack; a
 * level-1 unit nobody is at (last roll call empty, or an empty onDuty roster)
 * is skipped and the next level starts at once; `level`, `levels`,
 * `notified` on every payload; a restart mid-ladder (real journal, replay and
 * snapshot) fires the next level once, not twice.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Site } from '../../gateway/src/config/site.js';
import { AlertEngine } from '../../gateway/src/engines/alerts/index.js';
import { EngineRunner } from '../../gateway/src/engines/runner.js';
import { Journal } from '../../gateway/src/journal/journal.js';
import type { JournalBody, JournalEntry } from '../../gateway/src/journal/types.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { type RawSite, smallSite } from '../support/site.js';
import { alertOf, Harness, panic, publishes, T0, topicsOf } from './alerts-harness.js';

const S = 1000;
/** East: neighbours at once, the lead unit after 30 s, the police after 60 s more. */
function ladderSite(edit?: (raw: RawSite) => void): Site {
  return smallSite((raw) => {
    const east = raw.zones?.[0] as Record<string, unknown>;
    east.escalation = [
      { after: '0s', targets: ['neighbours'] },
      { after: '30s', targets: ['lead'] },
      { after: '60s', targets: ['police-east'] },
    ];
    edit?.(raw);
  });
}

function setup(site: Site) {
  const alerts = new AlertEngine(site);
  return { alerts, h: new Harness([alerts], alerts) };
}

const last = (out: ReturnType<Harness['tick']>): AlertPayload | undefined => {
  const p = publishes(out);
  return p.length > 0 ? alertOf(p[0] as never) : undefined;
};

function emptyRollcall(unit: string, at: number): JournalBody {
  return {
    type: 'rollcall-result',
    result: { call: 'RC-1', zone: 'east', unit, at, present: [], late: [], absent: ['G005'], foreign: [] },
  };
}

describe('ladder levels', () => {
  it('each level fires once at its delay, with level, levels and notified; police only at level 3', () => {
    const site = ladderSite();
    const { h, alerts } = setup(site);
    const raised = last(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0)));
    expect(raised).toMatchObject({ level: 1, state: 'raised', targets: ['U02', 'U01', 'U03', 'U04'] });
    expect(raised?.levels?.[0]).toMatchObject({
      level: 1,
      targets: ['U02', 'U01', 'U03', 'U04'],
      skipped: [],
    });
    expect(raised?.notified).toContainEqual({ unit: 'U03', name: '洋河实验小学' });
    expect(alerts.nextWakeAt()).toBe(T0 + 30 * S);
    expect(h.tick(T0 + 29 * S)).toEqual([]);
    const l2out = h.tick(T0 + 30 * S);
    const l2 = last(l2out);
    expect(l2).toMatchObject({ level: 2, state: 'escalated', escalated: true });
    expect(l2?.levels?.[1]).toMatchObject({ level: 2, targets: ['U01'], names: ['洋河新区管委会'] });
    expect(l2?.messageZh).toMatch(/^【已升级·第2级·已通知 洋河新区管委会】/);
    // no account told yet: not on the police wall
    expect(topicsOf(l2out).some((t) => t.includes('/zone/') || t.includes('/operator/'))).toBe(false);
    expect(h.tick(T0 + 89 * S)).toEqual([]);
    const l3out = h.tick(T0 + 90 * S);
    expect(topicsOf(l3out)).toContain('gp/v1/operator/police-east/alert');
    expect(topicsOf(l3out)).toContain('gp/v1/zone/east/alert');
    expect(last(l3out)).toMatchObject({ level: 3 });
    expect(last(l3out)?.notified).toContainEqual({ account: 'police-east', name: 'police-east' });
    expect(alerts.nextWakeAt()).toBeNull();
    expect(h.tick(T0 + 900 * S)).toEqual([]);
    expect(h.alertRecords().map((r) => r.level)).toEqual([1, 2, 3]);
  });

  it('stops on acknowledgement', () => {
    const site = ladderSite();
    const { h, alerts } = setup(site);
    const a = last(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0))) as AlertPayload;
    h.tick(T0 + 30 * S);
    h.op({ op: 'ack', id: a.id, by: 'U03-duty', unit: 'U03' }, T0 + 40 * S);
    expect(alerts.nextWakeAt()).toBeNull();
    expect(h.tick(T0 + 200 * S)).toEqual([]);
    expect(alerts.get(a.id)).toMatchObject({ state: 'acknowledged', level: 2 });
  });
});

describe('presence', () => {
  it('a level-1 unit whose last roll call found nobody is skipped; the next level starts at once', () => {
    const site = ladderSite();
    const { h, alerts } = setup(site);
    h.input(emptyRollcall('U03', T0 - 600 * S), T0 - 600 * S);
    const a = last(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0))) as AlertPayload;
    expect(a.levels?.[0]?.skipped).toEqual([{ unit: 'U03', reason: 'nobody_present' }]);
    expect(a.levels?.[0]?.targets).not.toContain('U03');
    expect(a.targets).toContain('U03'); // its console still gets the card, should someone come back
    expect(alerts.nextWakeAt()).toBe(T0);
    expect(last(h.tick(T0))).toMatchObject({ level: 2 });
    // and level 3 follows its own delay from there
    expect(h.tick(T0 + 59 * S)).toEqual([]);
    expect(topicsOf(h.tick(T0 + 60 * S))).toContain('gp/v1/operator/police-east/alert');
  });

  it('a unit whose onDuty roster is empty is skipped too; a later roll call with someone present counts', () => {
    const site = ladderSite((raw) => {
      raw.guards = (raw.guards ?? []).map((g) => (g.unit === 'U01' ? { ...g, onDuty: false } : g));
    });
    const { h } = setup(site);
    const a = last(h.event(panic(site, 'U02-PANIC-1', 'pressed', T0))) as AlertPayload;
    expect(a.levels?.[0]?.skipped).toEqual([{ unit: 'U01', reason: 'nobody_present' }]);
    const site2 = ladderSite();
    const b = setup(site2);
    b.h.input(emptyRollcall('U03', T0 - 900 * S), T0 - 900 * S);
    const present: JournalBody = {
      type: 'rollcall-result',
      result: {
        call: 'RC-2',
        zone: 'east',
        unit: 'U03',
        at: T0 - 1,
        present: ['G005'],
        late: [],
        absent: [],
        foreign: [],
      },
    };
    b.h.input(present, T0 - 1);
    const c = last(b.h.event(panic(site2, 'U02-PANIC-1', 'pressed', T0))) as AlertPayload;
    expect(c.levels?.[0]?.skipped).toEqual([]);
  });

  it('the v1 form (escalation: [accounts]) keeps its timing whatever the roll call said', () => {
    const site = smallSite();
    const { h, alerts } = setup(site);
    h.input(emptyRollcall('U03', T0 - 600 * S), T0 - 600 * S);
    h.event(panic(site, 'U02-PANIC-1', 'pressed', T0));
    expect(alerts.nextWakeAt()).toBe(T0 + 2 * S); // small site: east ackTimeout 2s
  });
});

describe('restart mid-ladder (real journal, replay)', () => {
  const log = pino({ level: 'silent' });
  const runnerFor = (site: Site) =>
    new EngineRunner(() => {
      const alerts = new AlertEngine(site);
      return { engines: [alerts], raiser: alerts };
    }, log);

  function step(journal: Journal, runner: EngineRunner, now: number, body?: JournalBody): void {
    journal.transaction(() => {
      const append = (b: JournalBody, at: number): JournalEntry => journal.append(b, at, now);
      if (body) runner.handle(append(body, now), now, append);
      else runner.tick(now, append);
    });
  }
  const levels = (journal: Journal) =>
    journal
      .readAfter(0, 10_000)
      .flatMap((e) =>
        e.body.type === 'alert' && e.body.action?.action === 'escalate' ? [e.body.alert.level] : [],
      );

  for (const withSnapshot of [false, true]) {
    it(`the next level fires once after a restart${withSnapshot ? ' from a snapshot' : ''}`, () => {
      const site = ladderSite();
      const journal = new Journal({ path: ':memory:' });
      const live = runnerFor(site);
      step(journal, live, T0, { type: 'event', event: panic(site, 'U02-PANIC-1', 'pressed', T0) });
      step(journal, live, T0 + 30 * S); // level 2
      if (withSnapshot) live.saveSnapshots(journal);
      // killed; the gateway is down past level 3's deadline
      const again = runnerFor(site);
      again.restore(journal);
      expect(again.nextWakeAt()).toBe(T0 + 90 * S);
      step(journal, again, T0 + 120 * S); // level 3, once
      step(journal, again, T0 + 121 * S);
      expect(levels(journal)).toEqual([2, 3]);
      // and a second restart after level 3 fires nothing more
      const third = runnerFor(site);
      third.restore(journal);
      step(journal, third, T0 + 500 * S);
      expect(levels(journal)).toEqual([2, 3]);
      const a = third.engine<AlertEngine>('alerts')?.list()[0];
      expect(a?.levels?.map((l) => l.level)).toEqual([1, 2, 3]);
      journal.close();
    });
  }
});
