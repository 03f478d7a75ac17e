/**
 * Line driver registry. A new reader = one new file exporting a LineDriver,
 * one line here, and its name in the site schema's `serial[].driver` enum.
 */
import { dockDriver } from './dock.js';
import { gplDriver } from './gpl.js';
import type { LineDriver } from './line.js';
import { uidLineDriver } from './uid-line.js';

export type LineDriverName = 'gpl' | 'uid-line' | 'dock';

export const lineDrivers: Record<LineDriverName, LineDriver> = {
  gpl: gplDriver,
  'uid-line': uidLineDriver,
  dock: dockDriver,
};

export { gplChecksum, gplLine } from './gpl.js';
export type { LineContext, LineDriver } from './line.js';
export { decodeMqttPayload, encodeMqttPayload, MAX_PAYLOAD_BYTES } from './mqtt-json.js';
