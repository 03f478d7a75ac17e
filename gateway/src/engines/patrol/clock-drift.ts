/**
 * Device clock drift (docs/patrol-and-rollcall.md "Anti-fake patrol"): a
 * device whose `ts` is further from the gateway clock than
 * gateway.patrol.clockDrift raises one `clock_drift` trouble (kind `custom`,
 * `exception: "clock_drift"`) for its unit while that alert is open. Every
 * device kind that sends `ts` is checked (wands, panic buttons, roll-call
 * terminals), which is why it is an engine of its own. Offline records carry
 * no drift: their time is old by design. The alert engine's key keeps it to
 * one open alert per device.
 *
 * A clock ahead is reported at once: no delay makes a `ts` later than its
 * arrival. A `ts` behind is also what a message looks like that the device
 * queued while its link was down (QoS 1 resent after a reconnect, a terminal's
 * buffered punches), so behind counts only when reads received at least
 * `clockDrift` apart are all behind; one read within the limit clears it.
 */
import type { Site } from '../../config/site.js';
import type { JournalEntry } from '../../journal/types.js';
import type { Effect, Engine } from '../engine.js';
import { clockDrifted } from './antifake.js';
import { clockDriftAlert } from './exception-alerts.js';
import { PatrolRules } from './rules.js';

export class ClockDriftEngine implements Engine {
  readonly name = 'clock-drift';
  private readonly rules: PatrolRules;
  /** Device → receive time of the first of its reads behind the limit since its last read within it. */
  private behindSince = new Map<string, number>();

  constructor(private readonly site: Site) {
    this.rules = new PatrolRules(site);
  }

  handle(entry: JournalEntry, _now: number, replay: boolean): Effect[] {
    if (entry.body.type !== 'event') return [];
    const e = entry.body.event;
    if (e.kind === 'status' || (e.kind === 'tap' && e.offline) || e.drift === undefined) return [];
    if (!clockDrifted(this.rules, e.drift)) {
      this.behindSince.delete(e.device);
      return [];
    }
    if (e.drift < 0) {
      const since = this.behindSince.get(e.device);
      if (since === undefined) this.behindSince.set(e.device, e.receivedAt);
      if (since === undefined || e.receivedAt - since < this.rules.clockDriftMs) return [];
    }
    const severity = this.rules.severityOf('clock_drift');
    if (replay || severity === 'off') return [];
    return [{ type: 'raise', request: clockDriftAlert(e, e.drift, severity) }];
  }

  tick(): Effect[] {
    return [];
  }

  nextWakeAt(): number | null {
    return null;
  }

  snapshot(): unknown {
    return { v: 2, behindSince: [...this.behindSince] };
  }

  restore(snapshot: unknown): void {
    // v1 snapshots kept nothing; entries of devices no longer in the site are dropped
    const list = (snapshot as { behindSince?: unknown } | null)?.behindSince;
    this.behindSince = new Map(
      Array.isArray(list)
        ? list.filter(
            (x): x is [string, number] =>
              Array.isArray(x) &&
              typeof x[0] === 'string' &&
              typeof x[1] === 'number' &&
              this.site.devices.has(x[0]),
          )
        : [],
    );
  }
}
