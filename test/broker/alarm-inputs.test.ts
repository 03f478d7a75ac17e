/**
 * Alarm-handling inputs at the edge (issue 13): who may publish view, take,
 * checklist, drill and test (acl.ts, topics.ts), and how their payloads are
 * decoded and refused (ingest/ops.ts). Pure.
 */
import { describe, expect, it } from 'vitest';
import { canPublish, isDeliverable } from '../../gateway/src/broker/acl.js';
import type { Account } from '../../gateway/src/config/site.js';
import { decodeOp } from '../../gateway/src/ingest/ops.js';
import { parseTopic } from '../../gateway/src/topics.js';
import { smallSite } from '../support/site.js';

const site = smallSite();
const acct = (id: string): Account => {
  const a = site.accounts.get(id);
  if (!a) throw new Error(`no account ${id}`);
  return a;
};
const decode = (topic: string, body: unknown, who: string) =>
  decodeOp(parseTopic(topic), Buffer.from(JSON.stringify(body)), acct(who), site, '127.0.0.1');

describe('ACL', () => {
  it.each(['view', 'take', 'checklist', 'ack', 'resolve'])(
    'a console publishes %s on its own unit only, never retained',
    (what) => {
      expect(canPublish(acct('U02-duty'), `gp/v1/unit/U02/${what}`).ok).toBe(true);
      expect(canPublish(acct('U02-duty'), `gp/v1/unit/U03/${what}`).ok).toBe(false);
      expect(canPublish(acct('U02-duty'), `gp/v1/unit/U02/${what}`, true).ok).toBe(false);
      expect(canPublish(acct('police-east'), `gp/v1/unit/U03/${what}`).ok).toBe(true);
      expect(canPublish(acct('tech1'), `gp/v1/unit/U03/${what}`).ok).toBe(false);
      expect(canPublish(acct('U02-PANIC-1'), `gp/v1/unit/U02/${what}`).ok).toBe(false);
      expect(isDeliverable(parseTopic(`gp/v1/unit/U02/${what}`), Buffer.from('{}'))).toBe(false);
    },
  );

  it('drills and tests are operator topics; consoles may not start them', () => {
    for (const t of ['gp/v1/ops/drill', 'gp/v1/ops/test']) {
      expect(parseTopic(t)).toEqual({ type: 'ops', what: t.split('/')[3] });
      expect(canPublish(acct('tech1'), t).ok).toBe(true);
      expect(canPublish(acct('police-east'), t).ok).toBe(true);
      expect(canPublish(acct('U02-duty'), t).ok).toBe(false);
    }
    expect(parseTopic('gp/v1/unit/U02/take/x')).toEqual({ type: 'other' });
  });
});

describe('decoding', () => {
  it('view, take and checklist carry who, which unit and where from', () => {
    expect(decode('gp/v1/unit/U02/take', { id: 'A-1' }, 'U02-duty')).toEqual({
      ok: true,
      value: { op: 'take', id: 'A-1', by: 'U02-duty', unit: 'U02', from: '127.0.0.1' },
    });
    expect(
      decode('gp/v1/unit/U02/checklist', { id: 'A-1', step: 'call_unit', done: true }, 'U02-duty'),
    ).toMatchObject({
      ok: true,
      value: { op: 'checklist', step: 'call_unit', done: true },
    });
    expect(
      decode('gp/v1/unit/U02/checklist', { id: 'A-1', step: 'call_unit', done: 'yes' }, 'U02-duty'),
    ).toMatchObject({ ok: false });
    expect(decode('gp/v1/unit/U02/view', { id: 'x'.repeat(65) }, 'U02-duty')).toMatchObject({ ok: false });
  });

  it('resolve: v1 {id} unchanged; classification must be one of four; note bounded', () => {
    expect(decode('gp/v1/unit/U02/resolve', { id: 'A-1' }, 'U02-duty')).toEqual({
      ok: true,
      value: { op: 'resolve', id: 'A-1', by: 'U02-duty', unit: 'U02', admin: false, from: '127.0.0.1' },
    });
    expect(
      decode('gp/v1/unit/U02/resolve', { id: 'A-1', classification: 'false', note: '误按' }, 'U02-duty'),
    ).toMatchObject({
      ok: true,
      value: { classification: 'false', note: '误按' },
    });
    expect(
      decode('gp/v1/unit/U02/resolve', { id: 'A-1', classification: 'maybe' }, 'U02-duty'),
    ).toMatchObject({ ok: false });
    expect(decode('gp/v1/unit/U02/resolve', { id: 'A-1', note: 'x'.repeat(1001) }, 'U02-duty')).toMatchObject(
      { ok: false },
    );
  });

  it('drill and test: unit, kind, notify and window checked', () => {
    expect(decode('gp/v1/ops/drill', { unit: 'U02' }, 'tech1')).toEqual({
      ok: true,
      value: {
        op: 'drill',
        by: 'tech1',
        unit: 'U02',
        kind: 'panic',
        notify: [],
        durationMs: 900_000,
        from: '127.0.0.1',
      },
    });
    expect(decode('gp/v1/ops/test', { unit: 'U02', window_s: 60 }, 'tech1')).toMatchObject({
      ok: true,
      value: { op: 'test', windowMs: 60_000 },
    });
    expect(decode('gp/v1/ops/drill', { unit: 'U99' }, 'tech1')).toMatchObject({ ok: false });
    expect(decode('gp/v1/ops/drill', { unit: 'U02', kind: 'patrol_missed' }, 'tech1')).toMatchObject({
      ok: false,
    });
    expect(decode('gp/v1/ops/drill', { unit: 'U02', notify: ['police', 7] }, 'tech1')).toMatchObject({
      ok: false,
    });
    expect(decode('gp/v1/ops/test', { unit: 'U02', window_s: 0 }, 'tech1')).toMatchObject({ ok: false });
  });
});
