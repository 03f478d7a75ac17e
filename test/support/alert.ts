/** A sample alert payload for pure tests of what consumes alerts (exports, receivers). */
import type { AlertPayload } from '../../gateway/src/model/alert.js';

/** The U02 panic raised at `at` as the alert engine publishes it; `over` changes fields of it. */
export function panicAlert(at: number, over: Partial<AlertPayload> = {}): AlertPayload {
  const iso = new Date(at).toISOString();
  return {
    id: 'A-1',
    kind: 'panic',
    state: 'raised',
    severity: 'critical',
    zone: 'east',
    unit: 'U02',
    device: 'U02-PANIC-1',
    checkpoint: null,
    guard: null,
    route: null,
    raisedAt: iso,
    updatedAt: iso,
    ackBy: null,
    message: '紧急按钮 / panic',
    ...over,
  };
}
