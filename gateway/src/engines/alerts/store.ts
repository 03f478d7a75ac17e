/**
 * The alert engine's state: every open alert, and resolved ones for a
 * bounded time. Changed only through set() (live transitions) and
 * applyRecord() (the engine's own `alert` journal records, live and at
 * replay), so the live state and the rebuilt state are the same thing.
 */
import type { JournalBody } from '../../journal/types.js';
import type { AlertPayload, AlertState, AuditEntry } from '../../model/alert.js';
import { baseOf, type Texts } from './messages.js';

export type AlertRecordBody = Extract<JournalBody, { type: 'alert' }>;

export interface StoredAlert {
  payload: AlertPayload;
  key: string;
  targets: string[];
  /** When it escalates unless acknowledged first; null when it never will (any more). */
  escalateAt: number | null;
  /** The raise text, decorated again on each state change. */
  base: Texts;
  /** Sum of clock steps since the raise (clock-step.ts): raisedAt + shiftMs is the raise in engine time now. */
  shiftMs?: number;
  /** Every action on the alert (GET /api/alerts/{id}); appended from the records' `action`. */
  audit?: AuditEntry[];
}

/** The audit trail keeps the raise and the latest actions (a flood of toggles stays bounded). */
export const MAX_AUDIT = 200;

interface SnapshotV1 {
  v: 1;
  counter: number;
  lastSeq: number;
  alerts: StoredAlert[];
}

const RANK: Record<AlertState, number> = { raised: 0, escalated: 1, acknowledged: 2, resolved: 3 };

/** States only move forward; a record older than what we hold is ignored (idempotent replays). */
export function stateRank(state: AlertState): number {
  return RANK[state];
}

export function idNumber(id: string): number {
  const m = /^A-(\d+)$/.exec(id);
  return m?.[1] ? Number(m[1]) : 0;
}

export class AlertStore {
  /** id → alert, in raise order. */
  private readonly alerts = new Map<string, StoredAlert>();
  /** dedupe key → id of the open alert holding it. */
  private readonly openByKey = new Map<string, string>();
  /** id → resolution time (epoch ms), in resolution order, for pruning. */
  private readonly resolvedAt = new Map<string, number>();
  private counter = 0;
  /** Highest journal seq seen: ids are allocated above it, so they stay unique across restarts. */
  private lastSeq = 0;
  /** `${kind}:${device}` of an unrestored member → id of the open grouped alert holding it. */
  private readonly memberOf = new Map<string, string>();

  constructor(
    private readonly retentionMs: number,
    private readonly maxResolved: number,
  ) {}

  seen(seq: number): void {
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  nextId(): string {
    this.counter = Math.max(this.counter, this.lastSeq) + 1;
    return `A-${this.counter}`;
  }

  get(id: string): StoredAlert | undefined {
    return this.alerts.get(id);
  }

  openWithKey(key: string): StoredAlert | undefined {
    const id = this.openByKey.get(key);
    return id === undefined ? undefined : this.alerts.get(id);
  }

  *open(): IterableIterator<StoredAlert> {
    for (const id of this.openByKey.values()) {
      const a = this.alerts.get(id);
      if (a) yield a;
    }
  }

  all(): IterableIterator<StoredAlert> {
    return this.alerts.values();
  }

  /** The open grouped alert holding `device` as an unrestored member of `kind`. */
  groupWithMember(kind: string, device: string): StoredAlert | undefined {
    const id = this.memberOf.get(`${kind}:${device}`);
    return id === undefined ? undefined : this.alerts.get(id);
  }

  private indexMembers(a: StoredAlert): void {
    const g = a.payload.group;
    if (!g) return;
    const open = a.payload.state !== 'resolved';
    for (const m of g.members) {
      if (m.device === null) continue;
      const k = `${a.payload.kind}:${m.device}`;
      if (open && !m.restored) this.memberOf.set(k, a.payload.id);
      else if (this.memberOf.get(k) === a.payload.id) this.memberOf.delete(k);
    }
  }

  set(a: StoredAlert): void {
    const id = a.payload.id;
    this.alerts.set(id, a);
    this.indexMembers(a);
    this.counter = Math.max(this.counter, idNumber(id));
    if (a.payload.state === 'resolved') {
      if (this.openByKey.get(a.key) === id) this.openByKey.delete(a.key);
      if (!this.resolvedAt.has(id)) this.resolvedAt.set(id, Date.parse(a.payload.updatedAt));
      for (const oldest of this.resolvedAt.keys()) {
        if (this.resolvedAt.size <= this.maxResolved) break;
        this.resolvedAt.delete(oldest);
        this.alerts.delete(oldest);
      }
    } else {
      this.openByKey.set(a.key, id);
    }
  }

  /** Apply an `alert` record; a no-op when we already hold that state or a later one. */
  applyRecord(body: AlertRecordBody): void {
    const existing = this.alerts.get(body.alert.id);
    if (existing && stateRank(body.alert.state) < stateRank(existing.payload.state)) return;
    const texts = { zh: body.alert.messageZh ?? body.alert.message, en: body.alert.messageEn ?? '' };
    const audit = [...(existing?.audit ?? [])];
    const last = audit[audit.length - 1];
    // a live change was set before its record came back: append its action once
    if (body.action && !(last && JSON.stringify(last) === JSON.stringify(body.action))) {
      audit.push(body.action);
      if (audit.length > MAX_AUDIT) audit.splice(1, audit.length - MAX_AUDIT);
    }
    this.set({
      payload: { ...body.alert },
      key: body.key,
      targets: [...body.targets],
      escalateAt: body.escalateAt,
      // a grouped alert's text changes with its members: always from the record
      base: (!body.alert.group && existing?.base) || baseOf(texts, body.alert.state),
      ...(existing?.shiftMs ? { shiftMs: existing.shiftMs } : {}),
      audit,
    });
  }

  /** A clock step (clock-step.ts): pending escalations move with engine time. */
  shiftDeadlines(deltaMs: number): void {
    for (const a of this.open()) {
      if (a.escalateAt !== null) a.escalateAt += deltaMs;
      a.shiftMs = (a.shiftMs ?? 0) + deltaMs;
    }
  }

  /** Forget resolved alerts past the retention (the count is capped in set()). */
  prune(now: number): void {
    for (const [id, at] of this.resolvedAt) {
      if (at + this.retentionMs > now) break;
      this.resolvedAt.delete(id);
      this.alerts.delete(id);
    }
  }

  snapshot(): SnapshotV1 {
    return { v: 1, counter: this.counter, lastSeq: this.lastSeq, alerts: [...this.alerts.values()] };
  }

  restore(snapshot: unknown): void {
    if (!isSnapshotV1(snapshot)) throw new Error('alerts: unreadable snapshot');
    this.alerts.clear();
    this.openByKey.clear();
    this.resolvedAt.clear();
    this.memberOf.clear();
    this.counter = snapshot.counter;
    this.lastSeq = snapshot.lastSeq;
    for (const a of snapshot.alerts) this.set(a);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSnapshotV1(s: unknown): s is SnapshotV1 {
  if (!isObject(s) || s.v !== 1 || typeof s.counter !== 'number' || typeof s.lastSeq !== 'number')
    return false;
  if (!Array.isArray(s.alerts)) return false;
  return s.alerts.every(
    (a: unknown) =>
      isObject(a) &&
      isObject(a.payload) &&
      typeof a.payload.id === 'string' &&
      typeof a.payload.state === 'string' &&
      typeof a.key === 'string' &&
      Array.isArray(a.targets) &&
      (a.escalateAt === null || typeof a.escalateAt === 'number') &&
      isObject(a.base),
  );
}
