import { DateTime } from 'luxon';
import type { Site } from '../../gateway/src/config/site.js';
import type {
  JournalBody,
  JournalEntry,
  RollcallUnitResult,
  TourRecord,
} from '../../gateway/src/journal/types.js';
import type { AlertKind, AlertPayload, AlertState } from '../../gateway/src/model/alert.js';
import type { TapEvent } from '../../gateway/src/model/event.js';
import { type RawSite, smallSite } from '../support/site.js';

export const TZ = 'Asia/Shanghai';

/** The small test site, optionally changed (joint routes, points rules...). */
export function testSite(change?: (raw: RawSite) => void): Site {
  return smallSite(change);
}

/** Adds the joint route `east-joint` (CP-E-01, CP-E-03) to a raw site: for testSite(). */
export function addJointRoute(raw: RawSite): void {
  (raw.routes as Record<string, unknown>[]).push({
    id: 'east-joint',
    zone: 'east',
    checkpoints: ['CP-E-01', 'CP-E-03'],
    maxDuration: '1h',
    joint: true,
  });
}

/** Local wall-clock time in Asia/Shanghai → epoch ms. */
export const local = (iso: string): number => DateTime.fromISO(iso, { zone: TZ }).toMillis();

export class Entries {
  readonly list: JournalEntry[] = [];
  private seq = 0;

  add(at: number, body: JournalBody): this {
    this.list.push({ seq: ++this.seq, at, body });
    return this;
  }

  alert(
    when: string,
    a: {
      id: string;
      kind: AlertKind;
      state?: AlertState;
      unit: string;
      zone?: string;
      device?: string;
      ackBy?: string;
      ackMs?: number;
      exception?: string;
    },
  ): this {
    const at = local(when);
    const alert: AlertPayload = {
      id: a.id,
      kind: a.kind,
      state: a.state ?? 'raised',
      severity: a.kind === 'panic' ? 'critical' : 'warning',
      zone: a.zone ?? 'east',
      unit: a.unit,
      device: a.device ?? null,
      checkpoint: null,
      guard: null,
      route: null,
      raisedAt: new Date(at).toISOString(),
      updatedAt: new Date(at).toISOString(),
      ackBy: a.ackBy ?? null,
      message: 'test',
      ackMs: a.ackMs ?? null,
      ...(a.exception ? { exception: a.exception } : {}),
    };
    return this.add(at, {
      type: 'alert',
      alert,
      key: `${a.kind}:${a.id}`,
      targets: [a.unit],
      escalateAt: null,
    });
  }

  tour(when: string, t: Partial<TourRecord> & { id: string; route: string }): this {
    const at = local(when);
    const tour: TourRecord = {
      zone: 'east',
      device: 'G001-WAND',
      guard: null,
      startedAt: at - 20 * 60_000,
      endedAt: at,
      status: 'completed',
      expected: 3,
      visited: [],
      missed: [],
      late: [],
      outOfOrder: 0,
      durationMs: 20 * 60_000,
      units: [],
      ...t,
    };
    return this.add(at, { type: 'tour', tour });
  }

  scheduleMissed(when: string, route: string, zone = 'east'): this {
    const at = local(when);
    return this.add(at, { type: 'schedule-missed', route, zone, slot: at, at });
  }

  rollcall(when: string, r: Partial<RollcallUnitResult> & { call: string; unit: string }): this {
    const at = local(when);
    const result: RollcallUnitResult = {
      zone: 'east',
      at,
      present: [],
      late: [],
      absent: [],
      foreign: [],
      ...r,
    };
    return this.add(at, { type: 'rollcall-result', result });
  }

  inspection(when: string, unit: string, violations: number, note = '', by = 'police-east'): this {
    const at = local(when);
    return this.add(at, { type: 'op', input: { op: 'inspection', by, unit, violations, note }, at });
  }

  tap(
    when: string,
    device: string,
    unit: string,
    checkpoint: string | null,
    guard: string | null = null,
    exceptions?: string[],
  ): this {
    const at = local(when);
    const event: TapEvent = {
      kind: 'tap',
      device,
      zone: 'east',
      unit,
      seq: this.seq,
      at,
      receivedAt: at,
      skewed: false,
      transport: 'mqtt',
      uid: '04D1E2F3',
      uidKind: 'tag',
      checkpoint,
      guard,
      route: null,
      tour: null,
      ...(exceptions ? { exceptions } : {}),
    };
    return this.add(at, { type: 'event', event });
  }
}
