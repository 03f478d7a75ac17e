import { describe, expect, it } from 'vitest';
import { SessionOwners } from '../../gateway/src/broker/sessions.js';

const accounts = new Set(['U02-duty', 'U02-duty-SIREN', 'U02-PANIC-1', 'tech1']);
const owners = (max?: number): SessionOwners => new SessionOwners((id) => accounts.has(id), max);

describe('SessionOwners', () => {
  it('reserves an account id and `<account>-…` ids for that account (longest account wins)', () => {
    const s = owners();
    expect(s.reservedFor('U02-duty')).toBe('U02-duty');
    expect(s.reservedFor('U02-duty-wall')).toBe('U02-duty');
    expect(s.reservedFor('U02-duty-SIREN-sim-1')).toBe('U02-duty-SIREN');
    expect(s.reservedFor('U02-dutyX')).toBeNull();
    expect(s.reservedFor('kiosk')).toBeNull();
    expect(s.claim('U02-duty-wall', 'U02-PANIC-1', false, {})).toBe('reserved');
    expect(s.claim('U02-duty-SIREN-1', 'U02-duty', false, {})).toBe('reserved');
    expect(s.claim('U02-duty-wall', 'U02-duty', false, {})).toBe('ok');
  });

  it('binds other ids to the first account; persistent ones outlive their connection, clean ones do not', () => {
    const s = owners();
    const c1 = {};
    expect(s.claim('kiosk', 'U02-duty', false, c1)).toBe('ok');
    s.release('kiosk', c1);
    expect(s.claim('kiosk', 'tech1', true, {})).toBe('taken');
    // the owner connects clean: the session goes with that connection
    const c2 = {};
    expect(s.claim('kiosk', 'U02-duty', true, c2)).toBe('ok');
    s.release('kiosk', c1); // an older connection closing late changes nothing
    expect(s.owner('kiosk')).toBe('U02-duty');
    s.release('kiosk', c2);
    expect(s.owner('kiosk')).toBeNull();
    expect(s.claim('kiosk', 'tech1', true, {})).toBe('ok');
  });

  it('keeps at most maxPerAccount persistent ids per account, forgetting its oldest idle one', () => {
    const s = owners(2);
    const live = {};
    expect(s.claim('a', 'tech1', false, live)).toBe('ok');
    for (const id of ['b', 'c', 'd']) {
      const conn = {};
      s.claim(id, 'tech1', false, conn);
      s.release(id, conn);
    }
    expect(s.owner('a')).toBe('tech1'); // live: kept
    expect(s.owner('b')).toBeNull();
    expect(s.owner('c')).toBeNull();
    expect(s.owner('d')).toBe('tech1');
    expect(s.size).toBe(2);
  });
});
