/** The JSON form of a normalised event on gp/v1/events/{kind}/{zone}/{unit}. */
import type { DeviceEvent } from './event.js';

export function eventToWire(e: DeviceEvent): Record<string, unknown> {
  const { at, receivedAt, ...rest } = e;
  return { ...rest, ts: new Date(at).toISOString(), receivedAt: new Date(receivedAt).toISOString() };
}
