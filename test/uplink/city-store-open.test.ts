/**
 * The city wall's store (gateway/console-web/city.store.js) on the retained
 * open alerts `city/v1/site/{d}/open/{zone}/{unit}/{id}`: a state is taken
 * like an alert message (its id must be the topic's), a clear (empty
 * payload) removes the card only when the store holds no newer state than
 * the retained one it took, and a repeat of an older state cannot reopen it.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain browser JavaScript without declarations
import { CityStore } from '../../gateway/console-web/city.store.js';

interface Store {
  apply(topic: string, payload: Uint8Array): boolean;
  open: Map<string, { id: string; jseq: number; state: string }>;
  refused: number;
}

const OPEN = 'city/v1/site/yanghe/open/east/U01/A-1';
const ALERT = 'city/v1/site/yanghe/alert/east/U01';

function state(jseq: number, s = 'raised', id = 'A-1'): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      id,
      kind: 'panic',
      state: s,
      severity: 'critical',
      raisedAt: '2026-12-02T06:00:00Z',
      jseq,
    }),
  );
}

const clear = new Uint8Array(0);

describe('city wall store: retained open alerts', () => {
  it('a retained state shows the card; its clear removes it; an older repeat does not bring it back', () => {
    const s = new CityStore() as Store;
    expect(s.apply(OPEN, state(10))).toBe(true);
    expect([...s.open.values()]).toEqual([expect.objectContaining({ id: 'A-1', jseq: 10, state: 'raised' })]);
    expect(s.apply(OPEN, clear)).toBe(true);
    expect(s.open.size).toBe(0);
    expect(s.apply(ALERT, state(10))).toBe(false);
    expect(s.open.size).toBe(0);
  });

  it('a clear leaves a card the store holds a newer state of, or knows only from alert messages', () => {
    const s = new CityStore() as Store;
    s.apply(OPEN, state(10));
    s.apply(ALERT, state(12, 'acknowledged'));
    expect(s.apply(OPEN, clear)).toBe(false);
    expect(s.open.get('yanghe\u0000A-1')?.state).toBe('acknowledged');
    const t = new CityStore() as Store;
    t.apply(ALERT, state(7));
    expect(t.apply(OPEN, clear)).toBe(false);
    expect(t.open.size).toBe(1);
  });

  it('refuses a state whose id is not the topic’s, a non-object and wildcard levels', () => {
    const s = new CityStore() as Store;
    expect(s.apply(OPEN, state(3, 'raised', 'A-2'))).toBe(false);
    expect(s.apply(OPEN, Buffer.from('[1]'))).toBe(false);
    expect(s.apply('city/v1/site/yanghe/open/east/U01/+', state(3, 'raised', '+'))).toBe(false);
    expect(s.open.size).toBe(0);
    expect(s.refused).toBe(3);
  });
});
