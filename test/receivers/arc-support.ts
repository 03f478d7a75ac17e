/** Shared pieces of the ARC end-to-end tests: a site with receivers, reading what a simulator ACKed. */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Dc09Frame } from '../../devices/codecs/dc09/index.js';
import type { ArcSimulator } from '../../simulators/arc.js';
import { SMALL_SITE } from '../support/gateway.js';
import { publish } from '../support/mqtt.js';

/**
 * The small test site plus a `receivers:` list (YAML flow entries). Alert
 * storms are off: the tests raise dozens of notices in a burst, which the
 * alert engine would otherwise fold into grouped alerts.
 */
export function siteWithReceivers(entries: string[]): string {
  return (
    `${readFileSync(SMALL_SITE, 'utf8')}\ngateway: { alerts: { storm: { count: 0 } } }\n` +
    `receivers:\n${entries.map((e) => `  - ${e}`).join('\n')}\n`
  );
}

/** Report frames (not NULL) the simulator ACKed, as `zone/code` strings in arrival order. */
export function ackedReports(sim: ArcSimulator): string[] {
  return sim.acked().map(describeFrame);
}

export function describeFrame(f: Dc09Frame): string {
  return f.data.replace(/^#[0-9A-F]+\|/, '');
}

/** An operator notice (custom warning) on a unit: one alert change. */
export function opsAlert(admin: MqttClient, unit: string, message: string): Promise<void> {
  return publish(admin, 'gp/v1/ops/alert', { unit, message, severity: 'info' });
}

/** The 1-based index of the small site's units (their default zone numbers). */
export const UNIT_ZONE: Record<string, number> = { U01: 1, U02: 2, U03: 3, U04: 4, U11: 5, U12: 6 };
