/**
 * "Did you mean ...?" for misspelt ids and keys. Edit distance is
 * case-insensitive and bounded so that unrelated short ids are not offered
 * ("U1" is not a typo of "east").
 */
import { distance } from 'fastest-levenshtein';

/** The closest candidate within a sensible edit distance, or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const c of candidates) {
    if (c === word) continue;
    const d = distance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance && c !== best) tie = true;
  }
  // "U09" is as close to U01 as to U02: a guess would mislead, so offer nothing.
  if (best === undefined || tie) return undefined;
  // Two edits (a transposition) always count for short ids; longer ones get a third of their length.
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  return bestDistance <= limit && bestDistance < Math.min(word.length, best.length) ? best : undefined;
}

/** ` (did you mean "east"?)`, or '' when nothing is close enough. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}
