/**
 * Which alert records become ARC reports and with which codes (pure:
 * gateway/src/receivers/mapping.ts, docs/receivers.md "Mapping"), and the
 * receivers config rules (schema and cross-references).
 */
import { describe, expect, it } from 'vitest';
import { validateSite } from '../../gateway/src/config/validate.js';
import type { JournalBody } from '../../gateway/src/journal/types.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import { DEFAULT_KINDS, reportCodes, reportOf, zoneNumber } from '../../gateway/src/receivers/mapping.js';
import { receiverSchema } from '../../gateway/src/receivers/schema.js';
import { panicAlert } from '../support/alert.js';
import { smallSite } from '../support/site.js';

const site = smallSite((raw) => {
  const units = raw.units as Array<Record<string, unknown>>;
  (units[4] as Record<string, unknown>).arcZone = 41;
});
const filter = { receiverId: 'arc-1', kinds: DEFAULT_KINDS };

function record(a: Partial<AlertPayload> & Record<string, unknown>, action?: string): JournalBody {
  const alert = panicAlert(Date.parse('2026-12-02T00:00:00.000Z'), {
    message: 'x',
    ...a,
  } as Partial<AlertPayload>);
  const body = { type: 'alert', alert, key: 'k', targets: ['U02'], escalateAt: null } as JournalBody;
  return action
    ? ({ ...body, action: { action, by: 'x', at: alert.updatedAt, from: 'mqtt' } } as JournalBody)
    : body;
}

describe('alert records → reports', () => {
  it('raise → new, resolve → restore; acknowledged / escalated / later raised updates are not reports', () => {
    expect(reportOf(record({}), site, filter)).toMatchObject({ event: 'new', kind: 'panic', zone: 2 });
    expect(
      reportOf(record({ state: 'resolved', updatedAt: '2026-12-02T00:01:00.000Z' }), site, filter),
    ).toMatchObject({
      event: 'restore',
    });
    for (const state of ['acknowledged', 'escalated'] as const)
      expect(reportOf(record({ state, updatedAt: '2026-12-02T00:01:00.000Z' }), site, filter)).toBeNull();
    expect(reportOf(record({ updatedAt: '2026-12-02T00:01:00.000Z' }), site, filter)).toBeNull();
  });

  it('audit actions: raise and restore report; view/take/checklist do not; a resolve after a restore is not a second restore', () => {
    expect(reportOf(record({ kind: 'device_offline' }, 'raise'), site, filter)?.event).toBe('new');
    expect(reportOf(record({ kind: 'device_offline', restored: true }, 'restore'), site, filter)?.event).toBe(
      'restore',
    );
    expect(
      reportOf(
        record({ kind: 'device_offline', state: 'resolved', restored: true }, 'resolve'),
        site,
        filter,
      ),
    ).toBeNull();
    expect(reportOf(record({ state: 'resolved' }, 'resolve'), site, filter)?.event).toBe('restore');
    for (const a of ['view', 'take', 'checklist', 'ack', 'escalate'])
      expect(reportOf(record({}, a), site, filter)).toBeNull();
    // a member folded into a grouped alert is closed, but its trouble is not over
    expect(
      reportOf(record({ kind: 'tamper', state: 'resolved', groupedInto: 'A-9' }, 'resolve'), site, filter),
    ).toBeNull();
  });

  it('button tests and drills that may reach the ARC are test reports at raise only', () => {
    expect(reportOf(record({ mode: 'test' }, 'raise'), site, filter)?.event).toBe('test');
    expect(reportOf(record({ mode: 'test', state: 'resolved' }, 'resolve'), site, filter)).toBeNull();
    expect(reportOf(record({ mode: 'drill' }, 'raise'), site, filter)).toBeNull();
    expect(reportOf(record({ mode: 'drill', drillNotify: ['police'] }, 'raise'), site, filter)).toBeNull();
    expect(reportOf(record({ mode: 'drill', drillNotify: ['arc'] }, 'raise'), site, filter)?.event).toBe(
      'test',
    );
    expect(reportOf(record({ mode: 'drill', drillNotify: ['arc-1'] }, 'raise'), site, filter)?.event).toBe(
      'test',
    );
  });

  it('only the configured kinds', () => {
    expect(reportOf(record({ kind: 'custom' }), site, filter)).toBeNull();
    expect(reportOf(record({ kind: 'custom' }), site, { ...filter, kinds: ['custom'] })?.event).toBe('new');
    expect(reportOf({ type: 'tour' } as JournalBody, site, filter)).toBeNull();
  });

  it('codes: the mapping table of docs/receivers.md', () => {
    const r = (kind: AlertPayload['kind'], event: 'new' | 'restore' | 'test') => ({
      alertId: 'A',
      kind,
      event,
      zone: 1,
      unit: 'U01',
    });
    expect(reportCodes(r('panic', 'new'), 'SIA-DCS')).toEqual({ sia: 'PA' });
    expect(reportCodes(r('panic', 'restore'), 'SIA-DCS')).toEqual({ sia: 'PR' });
    expect(reportCodes(r('tamper', 'new'), 'SIA-DCS')).toEqual({ sia: 'TA' });
    expect(reportCodes(r('tamper', 'restore'), 'SIA-DCS')).toEqual({ sia: 'TR' });
    expect(reportCodes(r('device_offline', 'new'), 'SIA-DCS')).toEqual({ sia: 'YC' });
    expect(reportCodes(r('device_offline', 'restore'), 'SIA-DCS')).toEqual({ sia: 'YK' });
    expect(reportCodes(r('panic', 'test'), 'SIA-DCS')).toEqual({ sia: 'RX' });
    expect(reportCodes(r('panic', 'new'), 'ADM-CID')).toEqual({ qualifier: 1, event: 120 });
    expect(reportCodes(r('tamper', 'restore'), 'ADM-CID')).toEqual({ qualifier: 3, event: 383 });
    expect(reportCodes(r('device_offline', 'new'), 'ADM-CID')).toEqual({ qualifier: 1, event: 381 });
    expect(reportCodes(r('panic', 'test'), 'ADM-CID')).toEqual({ qualifier: 1, event: 601 });
  });

  it('zone numbers: arcZone, else the 1-based unit index', () => {
    expect(zoneNumber(site, 'U01')).toBe(1);
    expect(zoneNumber(site, 'U11')).toBe(41);
    expect(zoneNumber(site, 'U12')).toBe(6);
  });
});

describe('receivers config', () => {
  const ok = { id: 'arc', host: '10.0.0.5', port: 7777, account: 'AAA' };
  it('defaults of integrations.md §1', () => {
    expect(receiverSchema.parse(ok)).toEqual({
      ...ok,
      format: 'SIA-DCS',
      prefix: 'L0',
      receiver: null,
      key: null,
      supervision: '60s',
      ackTimeout: '10s',
      kinds: ['panic', 'tamper', 'device_offline'],
    });
    expect(receiverSchema.parse({ ...ok, supervision: 0 }).supervision).toBe(0);
  });
  it('refuses a bad account, key, prefix or kind', () => {
    for (const bad of [
      { account: 'ZZZ' },
      { account: 'AB' },
      { key: 'short' },
      { key: 'x'.repeat(20) },
      { prefix: '0' },
      { kinds: ['fire'] },
      { format: 'CID' },
    ])
      expect(receiverSchema.safeParse({ ...ok, ...bad }).success).toBe(false);
    expect(receiverSchema.safeParse({ ...ok, key: 'a'.repeat(24) }).success).toBe(true);
  });
  it('duplicate receiver ids and zone numbers are problems', () => {
    const f = validateSite({
      units: [
        { id: 'U1', arcZone: 7 },
        { id: 'U2', arcZone: 7 },
      ],
      receivers: [ok, ok],
    });
    expect(f.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['receivers[1].id', 'units[1].arcZone']),
    );
  });
});
