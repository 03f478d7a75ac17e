/**
 * MQTT device commands, protocol.md §1.2: the gateway encodes
 * `gp/v1/dev/{device}/cmd/rollcall`, a terminal (the simulators) decodes it.
 * The serial form of the same command is each line driver's `encodeCommand`.
 */
import type { DeviceCommand } from '../../gateway/src/model/event.js';
import { parseJsonObject } from './mqtt-json.js';

/** Gateway side: the `cmd/{command}` topic kind and payload of a command to an MQTT device. */
export function encodeMqttCommand(command: DeviceCommand): { command: 'rollcall'; payload: string } {
  return {
    command: 'rollcall',
    payload: JSON.stringify({
      call: command.call,
      deadline: new Date(command.deadline).toISOString(),
      unit: command.unit,
    }),
  };
}

/** Device side: a `cmd/rollcall` payload `{"call","deadline","unit"}` (deadline RFC 3339 or epoch ms), or null. */
export function decodeMqttCommand(payload: Buffer): DeviceCommand | null {
  const parsed = parseJsonObject(payload);
  if (!parsed.ok) return null;
  const o = parsed.value;
  if (typeof o.call !== 'string' || o.call === '') return null;
  const deadline =
    typeof o.deadline === 'number'
      ? o.deadline
      : typeof o.deadline === 'string'
        ? Date.parse(o.deadline)
        : Number.NaN;
  if (!Number.isFinite(deadline)) return null;
  return { kind: 'rollcall', call: o.call, deadline, unit: typeof o.unit === 'string' ? o.unit : '' };
}
