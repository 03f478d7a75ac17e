/**
 * Device clock drift (docs/patrol-and-rollcall.md "Anti-fake patrol"): a
 * device whose `ts` is further from the gateway clock than
 * gateway.patrol.clockDrift raises one `clock_drift` trouble (kind `custom`,
 * `exception: "clock_drift"`) for its unit while that alert is open. Every
 * device kind that sends `ts` is checked (wands, panic buttons, roll-call
 * terminals), which is why it is an engine of its own. Offline records carry
 * no drift: their time is old by design. Stateless: the alert engine's key
 * keeps it to one open alert per device.
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

  constructor(site: Site) {
    this.rules = new PatrolRules(site);
  }

  handle(entry: JournalEntry, _now: number, replay: boolean): Effect[] {
    if (replay || entry.body.type !== 'event') return [];
    const e = entry.body.event;
    if (e.kind === 'status' || (e.kind === 'tap' && e.offline) || !clockDrifted(this.rules, e.drift))
      return [];
    const severity = this.rules.severityOf('clock_drift');
    if (severity === 'off' || e.drift === undefined) return [];
    return [{ type: 'raise', request: clockDriftAlert(e, e.drift, severity) }];
  }

  tick(): Effect[] {
    return [];
  }

  nextWakeAt(): number | null {
    return null;
  }

  snapshot(): unknown {
    return { v: 1 };
  }

  restore(): void {}
}
