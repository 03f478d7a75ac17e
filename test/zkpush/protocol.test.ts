/**
 * The pure parts of the push protocol: terminal local time ↔ instants in the
 * site's time zone (DST gaps refused), ATTLOG lines judged one by one,
 * the handshake's TimeZone, which roll call a punch answers, the command
 * queue and devicecmd results, and the site config checks of zk-push terminals.
 */
import { describe, expect, it } from 'vitest';
import { validateSite } from '../../gateway/src/config/validate.js';
import { normalisePin } from '../../gateway/src/config/validate-zkpush.js';
import {
  epochToLocal,
  localToEpoch,
  parseAttlog,
  parseAttlogSliced,
  punchSeq,
} from '../../gateway/src/zkpush/attlog.js';
import { CLOCK_TOLERANCE_MS, OpenCalls } from '../../gateway/src/zkpush/calls.js';
import { CommandQueue, rollcallMessage } from '../../gateway/src/zkpush/commands.js';
import { handshakeText, utcOffsetHours } from '../../gateway/src/zkpush/options.js';

const SH = 'Asia/Shanghai';

describe('terminal time', () => {
  it('is local time of the site zone', () => {
    expect(localToEpoch('2026-12-02 08:00:01', SH)).toBe(Date.parse('2026-12-02T00:00:01Z'));
    // crossing midnight in UTC: local 03:30 on the 2nd is 19:30 UTC on the 1st
    expect(localToEpoch('2026-12-02 03:30:00', SH)).toBe(Date.parse('2026-12-01T19:30:00Z'));
    expect(epochToLocal(Date.parse('2026-12-01T19:30:00Z'), SH)).toBe('2026-12-02 03:30:00');
    expect(localToEpoch('2026-12-02 05:30:00', 'Asia/Kolkata')).toBe(Date.parse('2026-12-02T00:00:00Z'));
  });

  it('refuses impossible and DST-skipped times, and reads a repeated hour as its first instant', () => {
    expect(localToEpoch('2026-02-30 08:00:00', SH)).toBeNull();
    expect(localToEpoch('2026-12-02 24:00:00', SH)).toBeNull();
    expect(localToEpoch('2026-12-02T08:00:00', SH)).toBeNull();
    expect(localToEpoch('2026-03-08 02:30:00', 'America/New_York')).toBeNull(); // spring forward
    expect(localToEpoch('2026-11-01 01:30:00', 'America/New_York')).toBe(Date.parse('2026-11-01T05:30:00Z'));
  });

  it('the handshake hands out the zone offset in hours', () => {
    const now = Date.parse('2026-12-02T00:00:00Z');
    expect(utcOffsetHours(SH, now)).toBe(8);
    expect(utcOffsetHours('Asia/Kolkata', now)).toBe(5.5);
    const text = handshakeText({ sn: 'ZK1', attlogStamp: null, zone: SH, now, delayS: 10 });
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        'GET OPTION FROM: ZK1',
        'ATTLOGStamp=None',
        'TimeZone=8',
        'Realtime=1',
        'Encrypt=0',
        'Delay=10',
        'TransFlag=TransData AttLog',
      ]),
    );
  });
});

describe('ATTLOG lines', () => {
  it('keeps the good lines of a body and gives a reason for each bad one', () => {
    const body = [
      '1005\t2026-12-02 08:00:01\t0\t1\t0\t0\t0\t0\t0\t0',
      '', // empty: skipped, not counted
      '1006 2026-12-02 08:00:02 0 1', // spaces, not tabs
      '10\u00007\t2026-12-02 08:00:03\t0\t1',
      'abc def\t2026-12-02 08:00:04',
      '1008\t2026-13-02 08:00:05\t0\t1',
      '1009\t2026-12-02 08:00:06\tx\t1',
      `1010\t2026-12-02 08:00:07\t${'9'.repeat(600)}`,
      '0001011\t2026-12-02 08:00:08\r',
    ].join('\n');
    const r = parseAttlog(body, SH);
    expect(r.lines).toBe(8);
    expect(r.punches.map((p) => [p.line, p.pin, p.status, p.verify])).toEqual([
      [1, '1005', 0, 1],
      [9, '1011', null, null],
    ]);
    expect(r.punches[0]?.at).toBe(Date.parse('2026-12-02T00:00:01Z'));
    expect(r.rejects.map((x) => x.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.rejects.map((x) => x.reason)).toEqual([
      'ATTLOG line 3: no tab-separated time after the PIN',
      'ATTLOG line 4: control characters in the line',
      'ATTLOG line 5: PIN "abc def" is not 1-24 letters or digits',
      'ATTLOG line 6: time "2026-13-02 08:00:05" is not a valid local YYYY-MM-DD HH:MM:SS',
      'ATTLOG line 7: status "x" is not a small number',
      'ATTLOG line 8: longer than 512 characters',
    ]);
  });

  it('binary garbage is refused line by line, never thrown', () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)).toString('utf8');
    const r = parseAttlog(junk, SH);
    expect(r.punches).toEqual([]);
    expect(r.rejects.length).toBeGreaterThan(0);
  });

  it('a large body is parsed in slices between which the event loop runs, with the same result', async () => {
    const lines = Array.from({ length: 6000 }, (_, i) =>
      i % 97 === 0
        ? `bad line ${i}`
        : `${1000 + (i % 50)}\t2026-12-02 08:${String(i % 60).padStart(2, '0')}:00\t0\t1`,
    );
    const body = `${lines.join('\r\n')}\r\n`;
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await parseAttlogSliced(body, SH);
    expect(turns).toBeGreaterThan(3); // others got the thread in between
    expect(sliced).toEqual(parseAttlog(body, SH));
    expect(sliced.rejects[1]?.line).toBe(98);
    turns = 1000;
  });

  it('PINs compare without leading zeros; a punch has a stable seq', () => {
    expect(normalisePin('0012')).toBe('12');
    expect(normalisePin(12)).toBe('12');
    expect(normalisePin('0')).toBe('0');
    expect(normalisePin('A01')).toBe('A01');
    expect(punchSeq('1005', '2026-12-02 08:00:01')).toBe(punchSeq('1005', '2026-12-02 08:00:01'));
    expect(punchSeq('1005', '2026-12-02 08:00:01')).not.toBe(punchSeq('1005', '2026-12-02 08:00:02'));
  });
});

describe('which roll call a punch answers', () => {
  const T = Date.parse('2026-12-02T00:00:00Z');
  const start = (call: string, startedAt: number, units: string[], windowMs = 120_000) => ({
    seq: 1,
    at: startedAt,
    body: {
      type: 'rollcall-start' as const,
      call: { call, startedAt, deadline: startedAt + windowMs, units, by: 'tech1' },
    },
  });

  it('the open call of the unit whose window holds the terminal time', () => {
    const calls = new OpenCalls();
    calls.observe([start('RC-1', T, ['U03', 'U02'])]);
    expect(calls.answerFor('U03', T + 10_000, T + 11_000)?.call).toBe('RC-1');
    expect(calls.answerFor('U01', T + 10_000, T + 11_000)).toBeNull(); // not in the call
    // an old punch uploaded now (the terminal was offline) answers nothing
    expect(calls.answerFor('U03', T - 3_600_000, T + 11_000)).toBeNull();
    // a terminal clock slightly off still counts, far off does not
    expect(calls.answerFor('U03', T - CLOCK_TOLERANCE_MS + 1, T + 1000)?.call).toBe('RC-1');
    expect(calls.answerFor('U03', T + 120_000 + CLOCK_TOLERANCE_MS + 1, T + 1000)).toBeNull();
    // a punch received before the call started cannot answer it
    expect(calls.answerFor('U03', T, T - CLOCK_TOLERANCE_MS - 1)).toBeNull();
  });

  it('a unit closed by its result answers no more; a clock step moves open deadlines', () => {
    const calls = new OpenCalls();
    calls.observe([start('RC-1', T, ['U03', 'U02'])]);
    calls.observe([
      {
        seq: 2,
        at: T + 120_000,
        body: {
          type: 'rollcall-result',
          result: {
            call: 'RC-1',
            zone: 'east',
            unit: 'U03',
            at: T + 120_000,
            present: [],
            late: [],
            absent: [],
            foreign: [],
          },
        },
      },
    ]);
    expect(calls.answerFor('U03', T + 10_000, T + 11_000)).toBeNull();
    expect(calls.answerFor('U02', T + 10_000, T + 11_000)?.call).toBe('RC-1');
    calls.observe([
      {
        seq: 3,
        at: T,
        body: {
          type: 'op',
          at: T,
          input: { op: 'clock', by: '@gateway', action: 'step', from: T, to: T + 600_000, deltaMs: 600_000 },
        },
      },
    ]);
    expect(calls.answerFor('U02', T + 600_000, T + 600_000)?.deadline).toBe(T + 720_000);
  });
});

describe('commands', () => {
  it('a roll call is a public screen message for its window; results settle the queue', () => {
    let id = 40;
    const q = new CommandQueue(() => ++id);
    const T = Date.parse('2026-12-02T00:00:00Z');
    const cmd = {
      kind: 'rollcall' as const,
      call: 'RC-202612020800-U03',
      deadline: T + 150_000,
      unit: 'U03',
    };
    q.push((uid) => rollcallMessage(cmd, uid, T, SH), cmd.deadline);
    const answer = q.take(T + 1000);
    expect(answer).toBe(
      'C:41:DATA UPDATE SMS MSG=ROLL CALL RC-202612020800-U03: punch in before 08:02\tTAG=253\tUID=41\tMIN=3\tStartTime=2026-12-02 08:00:00',
    );
    expect(q.take(T + 2000)).toBe('OK'); // handed out once
    expect(q.settle('ID=41&Return=0&CMD=DATA\nID=999&Return=0&CMD=DATA\ngarbage', T + 3000)).toEqual([
      { id: 41, code: 0, cmd: 'DATA', at: T + 3000 },
    ]);
    expect(q.pending).toBe(0);
    // an expired command is never handed out
    q.push(() => 'INFO', T + 10_000);
    expect(q.take(T + 10_000)).toBe('OK');
  });
});

describe('site config of zk-push terminals', () => {
  const site = (devices: unknown[], guards: unknown[] = []) => ({
    site: { id: 's', name: 's' },
    zones: [{ id: 'z', name: 'z', escalation: [] }],
    units: [{ id: 'U1', name: 'u', zone: 'z', kind: 'school' }],
    guards,
    devices,
  });
  const messages = (raw: unknown) => validateSite(raw).problems.map((p) => `${p.path}: ${p.message}`);

  it('refuses a terminal without SN, a duplicate SN, a non-roll-call terminal, a password, duplicate PINs', () => {
    const zk = { kind: 'rollcall', unit: 'U1', protocol: 'zk-push' };
    expect(
      messages(
        site(
          [
            { id: 'A', ...zk, serial: 'SN1' },
            { id: 'B', ...zk, serial: 'SN1' },
            { id: 'C', ...zk },
            { id: 'D', ...zk, kind: 'panic', serial: 'SN2' },
            { id: 'E', ...zk, serial: 'SN3', password_hash: 'x' },
            { id: 'F', kind: 'rollcall', unit: 'U1', serial: 'SN4' },
          ],
          [
            { id: 'G1', name: 'g', unit: 'U1', card: '04A1B2C3', pin: '0012' },
            { id: 'G2', name: 'g', unit: 'U1', card: '04A1B2C4', pin: 12 },
          ],
        ),
      ).filter((m) => !m.includes('password hash')),
    ).toEqual([
      'devices[1].serial: SN "SN1" is already devices[0]',
      'devices[2].serial: a zk-push terminal needs its serial number (SN)',
      'devices[3].protocol: a zk-push terminal is a roll-call terminal; this is a panic device',
      'devices[4].password_hash: a zk-push terminal never logs in to MQTT: remove password_hash',
      'devices[5].serial: only a `protocol: zk-push` terminal has an SN',
      'guards[1].pin: PIN 12 is already the PIN of guards[0] (G1)',
    ]);
  });
});
