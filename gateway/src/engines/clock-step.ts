/**
 * The `clock` step op (docs/operators.md "Clock faults"): engine time jumped
 * by deltaMs at this entry, so every engine shifts its duration-based
 * deadlines by the same delta. Live and at replay alike: pure, so a rebuild
 * reproduces the shifted state.
 */
import type { JournalEntry } from '../journal/types.js';

/** The step's delta (ms) when the entry is a clock step, else null. */
export function clockStepOf(entry: JournalEntry): number | null {
  const b = entry.body;
  if (b.type !== 'op' || b.input.op !== 'clock' || b.input.action !== 'step') return null;
  return Number.isFinite(b.input.deltaMs) ? b.input.deltaMs : null;
}
