/**
 * Engines are pure: journal entries and a clock in, effects out. They never
 * do I/O; the runtime applies their effects (journal records first, in the
 * same transaction as the input, then publishes and device commands).
 *
 * Contract:
 * - handle() sees every journal entry in order: device events, operator
 *   inputs, and the records any engine produced (its own included: apply
 *   them idempotently). During start-up replay `replay` is true and the
 *   returned effects are discarded, because their records are already in the
 *   journal — so state changes must come from entries, and timers that fired
 *   are known from the records they wrote.
 * - tick(now) fires due timers; nextWakeAt() tells the runtime when to call it.
 * - snapshot()/restore() carry the state as JSON so start-up does not replay
 *   the whole retention window.
 */
import type { JournalBody, JournalEntry } from '../journal/types.js';
import type { AlertRequest } from '../model/alert.js';
import type { DeviceCommand, DeviceEvent } from '../model/event.js';

export type Effect =
  | { type: 'record'; body: JournalBody }
  | { type: 'publish'; topic: string; payload: unknown; qos: 0 | 1; retain?: boolean }
  | { type: 'command'; device: string; command: DeviceCommand }
  | { type: 'raise'; request: AlertRequest }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; data?: Record<string, unknown> };

export interface Engine {
  readonly name: string;
  handle(entry: JournalEntry, now: number, replay: boolean): Effect[];
  tick(now: number): Effect[];
  nextWakeAt(): number | null;
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  /** Optional: fill derived fields of an event before it is journaled (e.g. a tap's route and tour). */
  annotate?(event: DeviceEvent, now: number): void;
}

/** The alert engine also takes raise requests from other engines. */
export interface AlertRaiser {
  raise(request: AlertRequest, now: number): Effect[];
}
