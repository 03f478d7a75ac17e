/**
 * Broken site configs: each one must be refused (or warned about) with the
 * exact `path: message` lines a technician will read.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem, type LoadResult, parseSite } from '../../gateway/src/config/load.js';
import { BASE, HASH, mutate } from './base-site.js';

const lines = (r: LoadResult) => ({
  ok: r.ok,
  problems: r.ok ? [] : r.problems.map((p) => formatProblem(p)),
  warnings: r.warnings.map((p) => formatProblem(p)),
});

interface Case {
  name: string;
  yaml: string;
  problems: string[];
  warnings?: string[];
}

const cases: Case[] = [
  {
    name: 'misspelt zone, with did-you-mean',
    yaml: mutate(['zone: east, kind: residential', 'zone: eats, kind: residential']),
    problems: ['units[1].zone: no zone "eats" (did you mean "east"?)'],
  },
  {
    name: 'duplicate card UID',
    yaml: mutate(['card: "04A1B2C3D4E5F7"', 'card: "04A1B2C3D4E5F6"']),
    problems: ['guards[1].card: UID 04A1B2C3D4E5F6 is already the card of guard "G1" (guards[0])'],
  },
  {
    name: 'duplicate card UID written with separators and lower case',
    yaml: mutate(['card: "04A1B2C3D4E5F7"', 'card: "04:a1:b2:c3:d4:e5:f6"']),
    problems: ['guards[1].card: UID 04A1B2C3D4E5F6 is already the card of guard "G1" (guards[0])'],
  },
  {
    name: 'duplicate tag UID',
    yaml: mutate(['tag: "04D1E2F4"', 'tag: "04-D1-E2-F3"']),
    problems: ['checkpoints[1].tag: UID 04D1E2F3 is already the tag of checkpoint "CP1" (checkpoints[0])'],
  },
  {
    name: 'a UID used both as a guard card and a checkpoint tag',
    yaml: mutate(['card: "04A1B2C3D4E5F6"', 'card: "04d1e2f4"']),
    problems: ['checkpoints[1].tag: UID 04D1E2F4 is already the card of guard "G1" (guards[0])'],
  },
  {
    name: 'a device on two serial ports',
    yaml: mutate([
      '  - { path: /dev/ttyUSB0, driver: gpl, devices: [U03-PANIC-1] }\n',
      '  - { path: /dev/ttyUSB0, driver: gpl, devices: [U03-PANIC-1] }\n  - { path: /dev/ttyUSB1, driver: gpl, devices: [U03-PANIC-1] }\n',
    ]),
    problems: [
      'serial[1].devices[0]: device "U03-PANIC-1" is already on serial[0] (/dev/ttyUSB0); a device has one serial port',
    ],
  },
  {
    name: 'two serial entries for the same port',
    yaml: mutate([
      '  - { path: /dev/ttyUSB0, driver: gpl, devices: [U03-PANIC-1] }\n',
      '  - { path: /dev/ttyUSB0, driver: gpl, devices: [U03-PANIC-1] }\n  - { path: /dev/ttyUSB0, driver: uid-line, devices: [U02-READER-1] }\n',
    ]),
    problems: ['serial[1].path: port "/dev/ttyUSB0" is already configured at serial[0]'],
  },
  {
    name: 'a uid-line port with two devices, one of them a panic button',
    yaml: mutate([
      'driver: gpl, devices: [U03-PANIC-1]',
      'driver: uid-line, devices: [U02-READER-1, U03-PANIC-1]',
    ]),
    problems: [
      'serial[0].devices: a uid-line port carries exactly one reader; this one lists 2 devices',
      'serial[0].devices[1]: "U03-PANIC-1" is a panic device; a uid-line port carries only a reader',
    ],
  },
  {
    name: 'unknown checkpoint in a route',
    yaml: mutate(['checkpoints: [CP1, CP2]', 'checkpoints: [CP1, CP22]']),
    problems: ['routes[0].checkpoints[1]: no checkpoint "CP22" (did you mean "CP2"?)'],
  },
  {
    name: 'a checkpoint listed twice in a route',
    yaml: mutate(['checkpoints: [CP1, CP2]', 'checkpoints: [CP1, CP2, CP1]']),
    problems: ['routes[0].checkpoints[2]: checkpoint "CP1" is listed twice (also routes[0].checkpoints[0])'],
  },
  {
    name: 'bad duration text',
    yaml: mutate(['maxDuration: 40m', 'maxDuration: 40 min']),
    problems: ['routes[0].maxDuration: must be a duration like "90s", "30m", "2h" (got "40 min")'],
  },
  {
    name: 'a duration written as a bare number',
    yaml: mutate(['heartbeat: 60s', 'heartbeat: 60']),
    problems: [
      'devices[0].heartbeat: must be a duration like "90s", "30m" or "2h" (ms, s, m, h or d), not the number 60',
    ],
  },
  {
    name: 'bad card UID (12 hex digits)',
    yaml: mutate(['card: "04A1B2C3D4E5F6"', 'card: "04A1B2C3D4E5"']),
    problems: ['guards[0].card: must be an NFC UID of 8, 14 or 20 hex digits (got "04A1B2C3D4E5")'],
  },
  {
    name: 'an all-digit UID left unquoted (YAML reads a number)',
    yaml: mutate(['tag: "04D1E2F3"', 'tag: 04123456']),
    problems: [
      'checkpoints[0].tag: must be text: YAML reads 04123456 as a number; write it in quotes: "04123456"',
    ],
  },
  {
    name: 'unknown key, with did-you-mean, and the key it replaced is missing',
    yaml: mutate(['zone: west, kind: school', 'zoen: west, kind: school']),
    problems: ['units[2].zone: is missing (required)', 'units[2].zoen: unknown key (did you mean "zone"?)'],
    warnings: ['zones[1]: zone "west" has no units'],
  },
  {
    name: 'unknown key with nothing close: the allowed keys are listed',
    yaml: mutate(['{ id: t, name: 测试,', '{ id: t, name: 测试, colour: red,']),
    problems: ['site.colour: unknown key (allowed here: id, name, timezone)'],
  },
  {
    name: 'YAML syntax error, with its line and column',
    yaml: mutate(['  - { id: U02, name: 乙小区', ' - { id: U02, name: 乙小区']),
    problems: [
      'bad.yaml:7:1: A block sequence may not be used as an implicit map key',
      'bad.yaml:8:3: All sequence items must start at the same column',
    ],
  },
  {
    name: 'duplicate YAML key',
    yaml: mutate(['{ id: U03, name: 丙学校,', '{ id: U03, name: 丙学校, name: 丙中学,']),
    problems: ['bad.yaml:8:27: duplicate key "name"'],
  },
  {
    name: 'a neighbour in another zone is only a warning',
    yaml: mutate([
      'zone: east, kind: government }',
      'zone: east, kind: government, neighbours: [U02, U03] }',
    ]),
    problems: [],
    warnings: [
      'units[0].neighbours[1]: unit "U03" is in zone "west", not "east" (allowed: its alerts cross zones)',
    ],
  },
  {
    name: 'a unit listing itself as its neighbour',
    yaml: mutate(['zone: east, kind: government }', 'zone: east, kind: government, neighbours: [U01] }']),
    problems: ['units[0].neighbours[0]: a unit cannot be its own neighbour'],
  },
  {
    name: 'unknown time zone',
    yaml: mutate(['timezone: Asia/Shanghai', 'timezone: Asia/Shanghia']),
    problems: ['site.timezone: unknown time zone "Asia/Shanghia" (did you mean "Asia/Shanghai"?)'],
  },
  {
    name: 'password_hash that is not a hash',
    yaml: mutate([
      `{ id: police, role: admin, password_hash: "${HASH}" }`,
      '{ id: police, role: admin, password_hash: secret }',
    ]),
    problems: [
      'operators[0].password_hash: not a password hash (scrypt$N$r$p$salt$hash); make one with "guardpost passwd"',
    ],
  },
  {
    name: 'an MQTT device without password_hash is a warning (it can never connect)',
    yaml: mutate([`checkpoint: CP2, password_hash: "${HASH}" }`, 'checkpoint: CP2 }']),
    problems: [],
    warnings: [
      'devices[1]: device "U02-READER-1" has no password_hash and is on no serial port: it can never connect',
    ],
  },
  {
    name: 'consoles and operators without password_hash are warnings',
    yaml: mutate(
      [`{ id: U01-duty, unit: U01, password_hash: "${HASH}" }`, '{ id: U01-duty, unit: U01 }'],
      [`{ id: police, role: admin, password_hash: "${HASH}" }`, '{ id: police, role: admin }'],
    ),
    problems: [],
    warnings: [
      'consoles[0]: console "U01-duty" has no password_hash: nobody can log in',
      'operators[0]: operator "police" has no password_hash: nobody can log in',
    ],
  },
  {
    name: 'escalation to an unknown operator and to a console',
    yaml: mutate(['escalation: [police], lead: U01', 'escalation: [polise, U01-duty], lead: U01']),
    problems: [
      'zones[0].escalation[0]: no operator "polise" (did you mean "police"?)',
      'zones[0].escalation[1]: "U01-duty" is a console, not an operator',
    ],
  },
  {
    name: 'a zone without escalation is a warning',
    yaml: mutate(['{ id: west, name: 西片区, escalation: [police] }', '{ id: west, name: 西片区 }']),
    problems: [],
    warnings: ['zones[1].escalation: no operators listed: an alert nobody acknowledges escalates to nobody'],
  },
  {
    name: 'a zone lead from another zone, and an unknown one',
    yaml: mutate(
      ['lead: U01 }', 'lead: U03 }'],
      ['escalation: [police] }', 'escalation: [police], lead: U4 }'],
    ),
    problems: [
      'zones[0].lead: unit "U03" is in zone "west", not "east"; the lead must be a unit of its zone',
      'zones[1].lead: no unit "U4"',
    ],
  },
  {
    name: 'duplicate unit id',
    yaml: mutate(['{ id: U03, name: 丙学校', '{ id: U02, name: 丙学校']),
    problems: ['units[2].id: duplicate unit id "U02" (first at units[1])', 'devices[2].unit: no unit "U03"'],
  },
  {
    name: 'the same account id for a device and a console',
    yaml: mutate(['{ id: U01-duty, unit: U01', '{ id: U01-PANIC-1, unit: U01']),
    problems: [
      'consoles[0].id: "U01-PANIC-1" is already the account of devices[0]; device, console and operator ids are MQTT usernames and must differ',
    ],
  },
  {
    name: "a fixed reader at another unit's checkpoint is a warning",
    yaml: mutate(['checkpoint: CP2', 'checkpoint: CP1']),
    problems: [],
    warnings: ['devices[1].checkpoint: checkpoint "CP1" belongs to unit "U01", not the device\'s unit "U02"'],
  },
  {
    name: 'a handheld wand carried by an unknown guard',
    yaml: mutate([
      '{ id: U02-READER-1, kind: reader, unit: U02, checkpoint: CP2,',
      '{ id: U02-READER-1, kind: reader, unit: U02, guard: G3,',
    ]),
    problems: ['devices[1].guard: no guard "G3"'],
  },
  {
    name: 'a panic button "carried" by a guard is a warning',
    yaml: mutate([
      'kind: panic, unit: U01, heartbeat: 60s,',
      'kind: panic, unit: U01, guard: G1, heartbeat: 60s,',
    ]),
    problems: [],
    warnings: ['devices[0].guard: only a handheld reader is carried by a guard; this is a panic device'],
  },
  {
    name: 'YAML 1.1 habits: yes for true, a single id for a list, an empty route',
    yaml: mutate(
      ['card: "04A1B2C3D4E5F6" }', 'card: "04A1B2C3D4E5F6", licensed: yes }'],
      ['escalation: [police] }', 'escalation: police }'],
      ['checkpoints: [CP1, CP2]', 'checkpoints: []'],
    ),
    problems: [
      'zones[1].escalation: must be a list ([a, b] or lines starting with "- "), not the text "police"',
      'guards[0].licensed: must be true or false, not the text "yes"',
      'routes[0].checkpoints: must list at least 1 entry',
    ],
  },
  {
    name: 'an escalation ladder level with a misspelt key: the ladder form is reported, not "Invalid input"',
    yaml: mutate(['escalation: [police] }', 'escalation: [{ after: 60s, targetz: [police] }] }']),
    problems: [
      'zones[1].escalation[0].targets: is missing (required)',
      'zones[1].escalation[0].targetz: unknown key (did you mean "targets"?)',
    ],
  },
  {
    name: 'misspelt unit kind, with did-you-mean',
    yaml: mutate(['kind: school', 'kind: shcool']),
    problems: [
      'units[2].kind: "shcool" is not one of government, residential, school, enterprise, commercial, police (did you mean "school"?)',
    ],
  },
  {
    name: 'a missing top-level section',
    yaml: BASE.replace(/^zones:\n(?: {2}- .*\n)+/m, ''),
    problems: [
      'zones: is missing (required)',
      'units[0].zone: no zone "east"',
      'units[1].zone: no zone "east"',
      'units[2].zone: no zone "west"',
      'routes[0].zone: no zone "east"',
    ],
  },
  {
    name: 'YAML anchors and merge keys are fine (the demo uses an anchor for its shared hash)',
    yaml: mutate([
      '  - { id: U02, name: 乙小区, zone: east, kind: residential }\n',
      '  - &res { id: U02, name: 乙小区, zone: east, kind: residential }\n  - { <<: *res, id: U04, name: 丁小区 }\n',
    ]),
    problems: [],
  },
  {
    name: 'a file that is not a mapping',
    yaml: 'just some words\n',
    problems: ['bad.yaml: must be a mapping (key: value), not the text "just some words"'],
  },
  {
    name: 'an empty file',
    yaml: '# nothing yet\n',
    problems: ['bad.yaml: the file is empty'],
  },
  {
    name: 'unknown zone in the roll-call schedule and a bad time',
    yaml: `${BASE}rollcall: { at: ["22:00", "25:00"], zone: wets }\n`,
    problems: [
      'rollcall.at[1]: must be "HH:MM" (got "25:00")',
      'rollcall.zone: no zone "wets" (did you mean "west"?)',
    ],
  },
  {
    name: 'a port out of range and two listeners on one port',
    yaml: `${BASE}gateway: { mqtt: { port: 70000 }, ws: { port: 8080 }, http: { port: 8080 } }\n`,
    problems: [
      'gateway.mqtt.port: must be at most 65535, not the number 70000',
      'gateway.http.port: port 8080 is also used by gateway.ws',
    ],
  },
  {
    name: 'several unrelated problems are all reported, in file order',
    yaml: mutate(
      ['timezone: Asia/Shanghai', 'timezone: Mars/Olympus'],
      ['unit: U02, card', 'unit: U09, card'],
      ['maxDuration: 40m', 'maxDuration: soon'],
      ['devices: [U03-PANIC-1]', 'devices: [U03-PANIC]'],
    ),
    problems: [
      'site.timezone: unknown time zone "Mars/Olympus"',
      'guards[1].unit: no unit "U09"',
      'routes[0].maxDuration: must be a duration like "90s", "30m", "2h" (got "soon")',
      'serial[0].devices[0]: no device "U03-PANIC" (did you mean "U03-PANIC-1"?)',
    ],
    warnings: [
      'devices[2]: device "U03-PANIC-1" has no password_hash and is on no serial port: it can never connect',
    ],
  },
];

describe('broken site configs', () => {
  it('the base config is clean', () => {
    expect(lines(parseSite(BASE, 'base.yaml'))).toEqual({ ok: true, problems: [], warnings: [] });
  });

  it('has at least 20 broken cases', () => {
    expect(cases.filter((c) => c.problems.length > 0).length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases)
    it(c.name, () => {
      const r = lines(parseSite(c.yaml, 'bad.yaml'));
      expect(r).toEqual({ ok: c.problems.length === 0, problems: c.problems, warnings: c.warnings ?? [] });
    });
});

describe('problem lines', () => {
  it('point at the line of the offending key', () => {
    const r = parseSite(
      mutate(['zone: east, kind: residential', 'zone: eats, kind: residential']),
      'bad.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => formatProblem(p, { withLine: true }))).toEqual([
      'units[1].zone: no zone "eats" (did you mean "east"?) [line 7]',
    ]);
  });

  it('YAML errors carry their position in the path, not twice', () => {
    const r = parseSite('site: { id: a\nzones: []\n', 'x.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const first = r.problems[0];
    expect(first?.path).toMatch(/^x\.yaml:\d+:\d+$/);
    expect(formatProblem(first ?? { path: '', message: '' }, { withLine: true })).not.toContain('[line');
  });
});
