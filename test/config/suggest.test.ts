import { describe, expect, it } from 'vitest';
import { didYouMean, suggest } from '../../gateway/src/config/suggest.js';

describe('did-you-mean', () => {
  it('offers the closest id for a transposition or a small typo', () => {
    expect(suggest('eats', ['east', 'west', 'south', 'north', 'central'])).toBe('east');
    expect(suggest('centrl', ['east', 'west', 'central'])).toBe('central');
    expect(suggest('CP-E-031', ['CP-E-0301', 'CP-W-0901', 'CP-E-0402'])).toBe('CP-E-0301');
  });

  it('ignores case when measuring, but returns the id as written', () => {
    expect(suggest('EAST', ['east', 'west'])).toBe('east');
  });

  it('offers nothing when no candidate is close, or when two are equally close', () => {
    expect(suggest('police', ['east', 'west'])).toBeUndefined();
    expect(suggest('U03', ['U01', 'U02'])).toBeUndefined();
    expect(suggest('x', [])).toBeUndefined();
  });

  it('formats the hint', () => {
    expect(didYouMean('zoen', ['id', 'zone', 'name'])).toBe(' (did you mean "zone"?)');
    expect(didYouMean('colour', ['id', 'name'])).toBe('');
  });
});
