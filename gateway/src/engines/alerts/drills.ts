/**
 * Drills and panic-button tests (docs/alerts.md "Drills and tests"): the
 * open drill / test window of each unit, and when each panic button was last
 * pressed, for the monthly button-test reminder. State comes from journal
 * entries (ops and panic events, live and at replay); pure.
 */
import type { Site } from '../../config/site.js';
import type { AlertKind, AlertMode } from '../../model/alert.js';

export interface DrillWindow {
  mode: AlertMode;
  /** The alert kind the window marks (a test window: panic). */
  kind: AlertKind;
  until: number;
  /** Outside parties the drill may reach (`police`, `arc`, accounts); a test: none. */
  notify: string[];
  by: string;
}

interface SnapshotV1 {
  windows: Record<string, DrillWindow>;
  pressed: Record<string, number>;
  reminded: Record<string, number>;
  since: number | null;
}

export class DrillBook {
  private readonly windows = new Map<string, DrillWindow>();
  /** Panic device → last press (any press proves the button). */
  private readonly pressed = new Map<string, number>();
  /** Unit → when its last button-test reminder was raised (one a period). */
  private readonly reminded = new Map<string, number>();
  /** When the engine first ran: buttons never pressed count from here. */
  since: number | null = null;
  /** Cached nextDue() (the runtime asks after every commit); undefined: recompute. */
  private due: number | null | undefined = undefined;

  /** The engine's first live input. */
  start(now: number): void {
    if (this.since === null) this.since = now;
    this.due = undefined;
  }

  open(unit: string, w: DrillWindow): void {
    this.windows.set(unit, w);
  }

  /** The window marking an alert of `kind` raised at `unit` now, if any. */
  windowFor(unit: string, kind: AlertKind, now: number): DrillWindow | null {
    const w = this.windows.get(unit);
    if (!w) return null;
    if (w.until <= now) {
      this.windows.delete(unit);
      return null;
    }
    return w.kind === kind ? w : null;
  }

  press(device: string, at: number): void {
    this.due = undefined;
    this.pressed.set(device, Math.max(at, this.pressed.get(device) ?? at));
  }

  remind(unit: string, at: number): void {
    this.due = undefined;
    this.reminded.set(unit, at);
  }

  /** Per unit, its panic buttons not pressed within `everyMs`, unless reminded within it (none while 0). */
  overdue(site: Site, everyMs: number, now: number): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (everyMs <= 0 || this.since === null) return out;
    for (const d of site.config.devices) {
      if (d.kind !== 'panic') continue;
      if ((this.pressed.get(d.id) ?? this.since) + everyMs > now) continue;
      if ((this.reminded.get(d.unit) ?? Number.NEGATIVE_INFINITY) + everyMs > now) continue;
      out.set(d.unit, [...(out.get(d.unit) ?? []), d.id]);
    }
    return out;
  }

  /** When the next button falls due (null: never). */
  nextDue(site: Site, everyMs: number): number | null {
    if (everyMs <= 0 || this.since === null) return null;
    if (this.due !== undefined) return this.due;
    let next: number | null = null;
    for (const d of site.config.devices) {
      if (d.kind !== 'panic') continue;
      const due = Math.max(
        (this.pressed.get(d.id) ?? this.since) + everyMs,
        (this.reminded.get(d.unit) ?? Number.NEGATIVE_INFINITY) + everyMs,
      );
      if (next === null || due < next) next = due;
    }
    this.due = next;
    return next;
  }

  shift(deltaMs: number): void {
    this.due = undefined;
    for (const w of this.windows.values()) w.until += deltaMs;
    for (const [d, at] of this.pressed) this.pressed.set(d, at + deltaMs);
    for (const [u, at] of this.reminded) this.reminded.set(u, at + deltaMs);
    if (this.since !== null) this.since += deltaMs;
  }

  snapshot(): SnapshotV1 {
    return {
      windows: Object.fromEntries(this.windows),
      pressed: Object.fromEntries(this.pressed),
      reminded: Object.fromEntries(this.reminded),
      since: this.since,
    };
  }

  restore(s: unknown): void {
    this.due = undefined;
    this.windows.clear();
    this.pressed.clear();
    this.reminded.clear();
    if (typeof s !== 'object' || s === null) return;
    const o = s as Partial<SnapshotV1>;
    for (const [u, w] of Object.entries(o.windows ?? {})) this.windows.set(u, { ...w });
    for (const [d, at] of Object.entries(o.pressed ?? {}))
      if (typeof at === 'number') this.pressed.set(d, at);
    for (const [u, at] of Object.entries(o.reminded ?? {}))
      if (typeof at === 'number') this.reminded.set(u, at);
    this.since = typeof o.since === 'number' ? o.since : null;
  }
}
