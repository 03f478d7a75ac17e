/**
 * Alert storms (docs/alerts.md "Storms"): when `count` alerts of one kind
 * (device troubles by default; never panic, never gateway notices) arise within `window` anywhere on the
 * site, each target unit gets one grouped alert listing them instead of one
 * card each. Pure: raise times in, verdicts out; the window is bounded to the
 * last `count` raises per kind.
 */
import type { Site } from '../../config/site.js';
import type { AlertGroup, AlertKind, GroupMember } from '../../model/alert.js';
import { type Texts, textsOf } from '../../model/texts.js';
import { deviceLabel, unitLabel } from './messages.js';

export class StormWindow {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly storm: { count: number; windowMs: number; kinds: ReadonlySet<string> }) {}

  /** May this alert be grouped at all? Panics and gateway notices never are. */
  groups(kind: AlertKind, notice: unknown): boolean {
    return kind !== 'panic' && notice === undefined && this.storm.kinds.has(kind);
  }

  /** Count a raise of `kind` at `at`; true when it makes (or keeps) a storm. */
  add(kind: AlertKind, at: number): boolean {
    if (this.storm.count <= 0) return false;
    const list = this.times.get(kind) ?? [];
    list.push(at);
    if (list.length > this.storm.count) list.splice(0, list.length - this.storm.count);
    this.times.set(kind, list);
    return this.active(kind, at);
  }

  active(kind: AlertKind, now: number): boolean {
    const list = this.times.get(kind) ?? [];
    const first = list[list.length - this.storm.count];
    return this.storm.count > 0 && first !== undefined && first > now - this.storm.windowMs;
  }

  /** A clock step moves the window with engine time. */
  shift(deltaMs: number): void {
    for (const list of this.times.values())
      for (let i = 0; i < list.length; i++) list[i] = (list[i] ?? 0) + deltaMs;
  }

  snapshot(): Record<string, number[]> {
    return Object.fromEntries([...this.times].map(([k, v]) => [k, [...v]]));
  }

  restore(s: unknown): void {
    this.times.clear();
    if (typeof s !== 'object' || s === null) return;
    for (const [k, v] of Object.entries(s))
      if (Array.isArray(v) && v.every((n) => typeof n === 'number')) this.times.set(k, [...v]);
  }
}

export function groupKey(kind: AlertKind, unit: string): string {
  return `group:${kind}:${unit}`;
}

/** The group with `member` added (a known device comes back as not restored, since now). */
export function withMember(group: AlertGroup | undefined, member: GroupMember): AlertGroup {
  const members = (group?.members ?? []).filter((m) => m.device === null || m.device !== member.device);
  members.push(member);
  return summary(members);
}

/** The group with `device` restored; null when it is not an unrestored member. */
export function withRestored(group: AlertGroup, device: string): AlertGroup | null {
  let changed = false;
  const members = group.members.map((m) => {
    if (m.device !== device || m.restored) return m;
    changed = true;
    return { ...m, restored: true };
  });
  return changed ? summary(members) : null;
}

function summary(members: GroupMember[]): AlertGroup {
  return { count: members.length, members, restoredCount: members.filter((m) => m.restored).length };
}

const KIND_TEXT: Record<string, Texts> = {
  device_offline: { zh: '设备离线', en: 'devices offline' },
  tamper: { zh: '防拆报警', en: 'tamper alarms' },
  patrol_missed: { zh: '巡逻漏检', en: 'missed patrols' },
  patrol_late: { zh: '巡逻迟到', en: 'late patrols' },
  rollcall_absent: { zh: '点名缺勤', en: 'roll-call absences' },
  custom: { zh: '通知', en: 'notices' },
};

/** "新城名苑 批量告警：设备离线 30 起（已恢复 3）：门卫室东墙紧急按钮、…" and its English (names, ids in English only). */
export function groupText(site: Site, kind: AlertKind, unit: string, group: AlertGroup): Texts {
  const u = unitLabel(site, unit);
  const k = textsOf(KIND_TEXT, kind);
  const devices = group.members.flatMap((m) => (m.device ? [deviceLabel(site, m.device)] : []));
  const shown = devices.slice(0, 10);
  const list =
    shown.length > 0 ? `：${shown.map((d) => d.zh).join('、')}${devices.length > 10 ? '…' : ''}` : '';
  const listEn =
    shown.length > 0 ? `: ${shown.map((d) => d.en).join(', ')}${devices.length > 10 ? ', …' : ''}` : '';
  return {
    zh: `${u.zh} 批量告警：${k.zh} ${group.count} 起（已恢复 ${group.restoredCount}）${list}`,
    en: `Storm at ${u.en}: ${group.count} ${k.en} (${group.restoredCount} restored)${listEn}`,
  };
}
