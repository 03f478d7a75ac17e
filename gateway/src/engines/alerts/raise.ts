/**
 * Raising alerts (docs/alerts.md): the payload of a new alert with its first
 * ladder level, drill / test marking, storm grouping (storm.ts), each later
 * ladder level (ladder.ts), drills, button-test reminders, and the patrol
 * engine's revisions. Works on the engine's shared state (EngineCore).
 */
import type { JournalBody, OpInput } from '../../journal/types.js';
import type { AlertPayload, AlertRequest, Severity } from '../../model/alert.js';
import type { DeviceEvent } from '../../model/event.js';
import type { Effect } from '../engine.js';
import type { DrillWindow } from './drills.js';
import type { EngineCore } from './engine.js';
import { joinGroup, startStorm } from './group.js';
import { planLevel, resolveTargets, stepOf } from './ladder.js';
import {
  buttonTestText,
  customText,
  joinTexts,
  modeText,
  offlineWillText,
  panicText,
  tamperText,
} from './messages.js';
import { escalates, targetsOf } from './rules.js';
import type { StoredAlert } from './store.js';
import { groupKey } from './storm.js';
import { audit, SYSTEM } from './workflow.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const TROUBLE = new Set(['device_offline', 'tamper']);

export class Raiser {
  constructor(private readonly core: EngineCore) {}

  raise(request: AlertRequest, now: number): Effect[] {
    const { store, storm } = this.core;
    if (request.revise) return this.revise(request, request.revise.outcome, now);
    const open = store.openWithKey(request.key);
    if (open) return this.again(open, now);
    const window = this.core.drills.windowFor(request.unit, request.kind, now);
    if (window === null && storm.groups(request.kind, request.notice)) {
      const storming = storm.add(request.kind, now);
      const g = store.openWithKey(groupKey(request.kind, request.unit));
      if (g) return joinGroup(this.core, g, request, now);
      if (storming) return startStorm(this.core, request, now, (r, n, w, e) => this.build(r, n, w, e));
    }
    const a = this.build(request, now, window);
    return this.core.commit(
      a,
      audit(SYSTEM, 'raise', now, request.device ? { device: request.device } : undefined),
    );
  }

  /** The same trouble again while its alert is open: a restored one is not restored any more. */
  private again(a: StoredAlert, now: number): Effect[] {
    if (a.payload.restored !== true) return [];
    return this.core.transition(
      a,
      now,
      null,
      { restored: false, restoredAt: null },
      audit(SYSTEM, 'raise', now, { again: true }),
    );
  }

  /** A new alert: its targets, first ladder level, checklist, and next level's deadline. */
  private build(
    request: AlertRequest,
    now: number,
    window: DrillWindow | null,
    extra: Partial<AlertPayload> = {},
  ): StoredAlert {
    const { site, policy, store, presence } = this.core;
    const zoneId = (site.zones.get(request.zone) ?? site.zoneOfUnit(request.unit))?.id ?? request.zone;
    const ladder = policy.ladder(zoneId);
    const own = targetsOf(site, request);
    const plan = planLevel(
      site,
      ladder,
      0,
      { unit: request.unit, zone: zoneId, targets: own },
      presence,
      window?.notify ?? null,
    );
    if (request.accounts) plan.accounts = [...new Set([...plan.accounts, ...request.accounts])];
    const targets = [...new Set([...own, ...plan.units])];
    const first = stepOf(site, 1, iso(now), plan, []);
    const base = modeText(window?.mode, { zh: request.messageZh, en: request.messageEn });
    const checklist = policy.checklist(request.kind);
    const skippedNobody = plan.skipped.some((s) => 'unit' in s);
    const second = ladder.levels[1];
    const escalateAt =
      escalates(request.kind, request.severity) && second
        ? skippedNobody
          ? now
          : now + second.afterMs
        : null;
    const payload: AlertPayload = {
      id: store.nextId(),
      kind: request.kind,
      state: 'raised',
      severity: request.severity,
      zone: zoneId,
      unit: request.unit,
      device: request.device ?? null,
      checkpoint: request.checkpoint ?? null,
      guard: request.guard ?? null,
      route: request.route ?? null,
      raisedAt: iso(now),
      updatedAt: iso(now),
      ackBy: null,
      message: joinTexts(base),
      messageZh: base.zh,
      messageEn: base.en,
      ackAt: null,
      ackMs: null,
      resolvedBy: null,
      escalated: false,
      targets,
      ...(request.details ? { details: [...request.details] } : {}),
      ...(request.call !== undefined ? { call: request.call } : {}),
      ...(request.exception !== undefined ? { exception: request.exception } : {}),
      ...(request.notice ? { notice: request.notice } : {}),
      ...(TROUBLE.has(request.kind) ? { restored: false, restoredAt: null } : {}),
      level: 1,
      levels: [first.step],
      notified: first.notified,
      owner: null,
      ...(checklist.length > 0 ? { checklist } : {}),
      classification: null,
      note: null,
      ...(window
        ? { mode: window.mode, ...(window.notify.length > 0 ? { drillNotify: [...window.notify] } : {}) }
        : {}),
      viewedAt: null,
      viewMs: null,
      resolveMs: null,
      ...extra,
    };
    return { payload, key: request.key, targets, escalateAt, base, audit: [] };
  }

  /** The next ladder level of an unacknowledged alert (tick). */
  nextLevel(a: StoredAlert, now: number): Effect[] {
    const { site, policy, presence } = this.core;
    const p = a.payload;
    const ladder = policy.ladder(p.zone);
    const index = p.level ?? 1;
    if (index >= ladder.levels.length) {
      a.escalateAt = null; // nothing left to fire (a changed config): no record needed
      return [];
    }
    const plan = planLevel(
      site,
      ladder,
      index,
      { unit: p.unit, zone: p.zone, targets: a.targets },
      presence,
      p.mode ? (p.drillNotify ?? []) : null,
    );
    const { step, notified } = stepOf(site, index + 1, iso(now), plan, p.notified ?? []);
    const following = ladder.levels[index + 1];
    const targets = [...new Set([...a.targets, ...plan.units])];
    return this.core.transition(
      { ...a, targets, escalateAt: following ? now + following.afterMs : null },
      now,
      ladder.v1
        ? { state: 'escalated', timeoutMs: site.ackTimeoutMs(p.zone), accounts: plan.accounts }
        : { state: 'escalated', level: index + 1, names: step.names },
      { escalated: true, level: index + 1, levels: [...(p.levels ?? []), step], notified, targets },
      audit(SYSTEM, 'escalate', now, { level: index + 1, targets: step.targets }),
    );
  }

  // ---- inputs that raise ----

  panic(ev: Extract<DeviceEvent, { kind: 'panic' }>, now: number): Effect[] {
    const t = panicText(this.core.site, ev.unit);
    return this.raise(
      {
        kind: 'panic',
        severity: 'critical',
        zone: ev.zone,
        unit: ev.unit,
        device: ev.device,
        key: `panic:${ev.device}`,
        messageZh: t.zh,
        messageEn: t.en,
      },
      now,
    );
  }

  tamper(ev: DeviceEvent, now: number): Effect[] {
    const t = tamperText(this.core.site, ev.unit, ev.device);
    return this.raise(
      {
        kind: 'tamper',
        severity: 'warning',
        zone: ev.zone,
        unit: ev.unit,
        device: ev.device,
        key: `tamper:${ev.device}`,
        messageZh: t.zh,
        messageEn: t.en,
      },
      now,
    );
  }

  custom(input: Extract<OpInput, { op: 'alert' }>, seq: number, now: number): Effect[] {
    const unit = this.core.site.units.get(input.unit);
    if (!unit)
      return [
        {
          type: 'log',
          level: 'warn',
          msg: `alert by ${input.by} refused: unknown unit ${input.unit}`,
          data: { by: input.by },
        },
      ];
    const t = customText(this.core.site, unit.id, input.message, input.by);
    const accounts = input.escalation ? this.escalationAccounts(unit.id, unit.zone) : [];
    return this.raise(
      {
        kind: 'custom',
        severity: input.severity,
        zone: unit.zone,
        unit: unit.id,
        key: `custom:${seq}`,
        messageZh: t.zh,
        messageEn: t.en,
        ...(accounts.length > 0 ? { accounts } : {}),
      },
      now,
    );
  }

  /** Every operator account on the zone's escalation ladder (integrations.md §1: a receiver link warning). */
  private escalationAccounts(unit: string, zone: string): string[] {
    const { site, policy } = this.core;
    const levels = policy.ladder(zone).levels;
    return [...new Set(levels.flatMap((l) => resolveTargets(site, l.targets, { unit, zone }).accounts))];
  }

  /** A drill raises its alert now, through the same path; its window (engine.ts) marks it. */
  drill(input: Extract<OpInput, { op: 'drill' }>, seq: number, now: number): Effect[] {
    const { site } = this.core;
    const zone = site.units.get(input.unit)?.zone ?? '';
    const button =
      input.kind === 'panic' || input.kind === 'tamper'
        ? site.devicesOfUnit(input.unit, 'panic')[0]
        : undefined;
    const device =
      input.kind === 'custom' ? null : ((button ?? site.devicesOfUnit(input.unit)[0])?.id ?? null);
    const t =
      input.kind === 'panic'
        ? panicText(site, input.unit)
        : input.kind === 'tamper'
          ? tamperText(site, input.unit, device ?? '-')
          : input.kind === 'device_offline'
            ? offlineWillText(site, input.unit, device ?? '-')
            : customText(site, input.unit, '演练 / drill', input.by);
    const severity: Severity = input.kind === 'panic' ? 'critical' : 'warning';
    return this.raise(
      {
        kind: input.kind,
        severity,
        zone,
        unit: input.unit,
        device,
        key: `drill:${seq}`,
        messageZh: t.zh,
        messageEn: t.en,
      },
      now,
    );
  }

  // ---- button-test reminders ----

  reminders(now: number): Effect[] {
    const { site, policy, drills, store } = this.core;
    const every = policy.buttonTestMs;
    const due = drills.nextDue(site, every);
    if (every <= 0 || due === null || due > now) return [];
    const out: Effect[] = [];
    for (const [unit, devices] of drills.overdue(site, every, now)) {
      drills.remind(unit, now);
      const key = `buttontest:${unit}`;
      if (store.openWithKey(key)) continue;
      const t = buttonTestText(site, unit, devices, Math.round(every / 86_400_000));
      const zone = site.units.get(unit)?.zone ?? '';
      out.push(
        ...this.raise(
          {
            kind: 'custom',
            severity: 'info',
            zone,
            unit,
            key,
            messageZh: t.zh,
            messageEn: t.en,
            details: devices,
            notice: 'button_test',
          },
          now,
        ),
      );
    }
    return out;
  }

  /** At replay: the storm window and the reminders from the records. */
  replayed(body: Extract<JournalBody, { type: 'alert' }>): void {
    const p = body.alert;
    const act = body.action;
    if (!act) return;
    if (act.action === 'raise' && !act.detail?.again && this.core.storm.groups(p.kind, p.notice) && !p.mode)
      this.core.storm.add(p.kind, Date.parse(act.at));
    if (act.action === 'group' && (act.detail?.join !== undefined || act.detail?.start === true))
      this.core.storm.add(p.kind, Date.parse(act.at));
    if (act.action === 'raise' && p.notice === 'button_test')
      this.core.drills.remind(p.unit, Date.parse(act.at));
  }

  // ---- patrol revisions (late offline records changed a tour's outcome) ----

  private revise(request: AlertRequest, outcome: string, now: number): Effect[] {
    const out: Effect[] = [];
    for (const a of [...this.core.store.all()]) {
      if (a.key !== request.key || (a.payload.revised && a.payload.outcome === outcome)) continue;
      const changes = { revised: true, outcome, resolvedBy: a.payload.resolvedBy ?? 'system' };
      const d = a.payload.state === 'resolved' ? null : ({ state: 'resolved', by: 'system' } as const);
      out.push(
        ...this.core.transition(a, now, d, changes, audit(SYSTEM, 'resolve', now, { revised: outcome })),
      );
    }
    return out;
  }
}
