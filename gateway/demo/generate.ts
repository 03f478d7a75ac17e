/**
 * Generates the demo site, gateway/demo/site.yaml, from the 2018 Yanghe
 * report (shared/seed): 5 zones, 37 units (14 organisations + 23
 * residential compounds), 207 guards. Deterministic: the same output on
 * every run, so the committed file can be regenerated and diffed.
 *
 *   npx tsx gateway/demo/generate.ts > gateway/demo/site.yaml
 *
 * Id scheme (also in docs/site-config.md):
 *   units        U01..U37, numbered zone by zone (east, west, south, north, central)
 *   guards       G001..G207, in unit order
 *   checkpoints  CP-<zone letter>-<unit no><seq>, e.g. CP-E-0301 (unit U03, first checkpoint)
 *   devices      <unit>-PANIC-1, <unit>-RC-1, <unit>-READER-1 (at the unit's first checkpoint),
 *                <lead unit>-WAND-1 (the joint patrol's handheld wand, carried by the lead unit's first guard)
 *   consoles     <unit>-duty
 *   routes       <zone>-joint (daily joint patrol), <zone>-night (night flag patrol)
 *
 * Every account's password is "guardpost-demo". The hash below was made
 * once with hashPassword() (random salt) and is reused for every account so
 * the output stays stable; `--new-hash` makes a fresh one.
 */
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { mulberry32 } from '../../simulators/prng.js';
import { hashPassword, verifyPassword } from '../src/auth/password.js';
import { CHECKPOINT_NAMES, GIVEN, type Kind, OPERATORS, SURNAMES, ZONES, type ZoneDef } from './district.js';

export const DEMO_PASSWORD = 'guardpost-demo';
const DEMO_HASH = 'scrypt$16384$8$1$kVUfNAUyoP4QvpFGw+kCcg==$puRdG0zhpYoqW/UeNoZeZYTBXz+aq8zTguCcxfGRNSM=';

/** A YAML scalar: plain when YAML reads it back as the same text, otherwise double-quoted. */
function s(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff_./-]*$/.test(v) && parse(v) === v
    ? v
    : JSON.stringify(v);
}

/** Card and tag UIDs are always quoted: an all-digit UID would otherwise read as a number. */
const QUOTED_KEYS = new Set(['card', 'tag', 'password_hash']);

/** Written into the YAML as is (an anchor or alias). */
class Raw {
  constructor(readonly text: string) {}
}
type Value = string | number | boolean | string[] | Raw | undefined;

function flow(entries: Array<[string, Value]>): string {
  const render = (k: string, v: Exclude<Value, undefined>): string => {
    if (v instanceof Raw) return v.text;
    if (Array.isArray(v)) return `[${v.map(s).join(', ')}]`;
    return QUOTED_KEYS.has(k) ? JSON.stringify(v) : s(v);
  };
  const parts: string[] = [];
  for (const [k, v] of entries) if (v !== undefined) parts.push(`${k}: ${render(k, v)}`);
  return `{ ${parts.join(', ')} }`;
}

export function generateDemoSite(hashValue: string): string {
  // One hash for every account: anchored at its first use, aliased after (*demo-password).
  let anchored = false;
  const hash = (): Raw => {
    if (anchored) return new Raw('*demo-password');
    anchored = true;
    return new Raw(`&demo-password ${JSON.stringify(hashValue)}`);
  };
  const rnd = mulberry32(20181016);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const hex = (bytes: number) =>
    Array.from({ length: bytes }, () =>
      Math.floor(rnd() * 256)
        .toString(16)
        .padStart(2, '0'),
    )
      .join('')
      .toUpperCase();
  const usedUids = new Set<string>();
  const uid = (make: () => string) => {
    for (;;) {
      const u = make();
      if (!usedUids.has(u)) {
        usedUids.add(u);
        return u;
      }
    }
  };
  const usedNames = new Set<string>(['李大爷']);
  const firstGuardOf = new Map<string, string>();

  const out: string[] = [];
  const line = (t = '') => out.push(t);
  const units: Array<{
    id: string;
    name: string;
    zone: ZoneDef;
    kind: Kind;
    guards: number;
    checkpoints: string[];
  }> = [];
  let unitNo = 0;
  for (const zone of ZONES)
    for (const [name, kind, guards] of zone.units) {
      unitNo += 1;
      const no = String(unitNo).padStart(2, '0');
      const count = kind === 'residential' && unitNo % 2 === 0 ? 2 : 3;
      const checkpoints = Array.from(
        { length: count },
        (_, i) => `CP-${zone.letter}-${no}${String(i + 1).padStart(2, '0')}`,
      );
      units.push({ id: `U${no}`, name, zone, kind, guards, checkpoints });
    }
  const guardTotal = units.reduce((n, u) => n + u.guards, 0);
  const orgs = units.filter((u) => u.kind !== 'residential').length;
  if (units.length !== 37 || orgs !== 14 || guardTotal !== 207)
    throw new Error(
      `demo must have 37 units (14 organisations) and 207 guards, got ${units.length}/${orgs}/${guardTotal}`,
    );
  const leadOf = (z: ZoneDef) => units.find((u) => u.zone === z) as (typeof units)[number];

  line('# Demo site: 洋河新区 保安联勤联防 (Yanghe new district security joint patrol, Suqian).');
  line('# Mirrors the 2018 report: five zones (东/西/南/北/中片区), 37 units (14 organisations and');
  line('# 23 residential compounds), 207 guards. Names, cards and tags are invented.');
  line('#');
  line(`# Every account (devices, duty consoles, operators) logs in with the password "${DEMO_PASSWORD}".`);
  line('# FOR THE DEMO ONLY: never use these hashes on a real site. Make real ones with');
  line('#   echo -n "<password>" | npx guardpost passwd');
  line('# The one demo hash is written once (anchor &demo-password, on the first device) and reused as');
  line('# *demo-password; on a real site give each account its own password_hash.');
  line('#');
  line('# Generated by gateway/demo/generate.ts; regenerate with');
  line('#   npx tsx gateway/demo/generate.ts > gateway/demo/site.yaml');
  line(
    '# Guide to every key: docs/site-config.md. Validate with: npx guardpost check --config gateway/demo/site.yaml',
  );
  line();
  line(
    `site: ${flow([
      ['id', 'yanghe'],
      ['name', '洋河新区'],
      ['timezone', 'Asia/Shanghai'],
    ])}`,
  );
  line();
  line('gateway:');
  line(
    '  mqtt: { port: 1883, host: 127.0.0.1 }   # loopback only: the demo passwords are public (GUARDPOST_HOST=0.0.0.0 exposes it)',
  );
  line('  ws: { port: 8083 }');
  line('  http: { port: 8080 }');
  line('  nodered: { port: 1880 }');
  line('  journal: { retention: 30d }');
  line('  # influx: { url: http://127.0.0.1:8086, database: guardpost }   # uncomment to export to InfluxDB');
  line('  # mqtts: { port: 8883, cert: /etc/guardpost/tls/cert.pem, key: /etc/guardpost/tls/key.pem }');
  line();
  line('# Each zone groups neighbouring units around one kind (named in the comment); its lead unit');
  line('# heads the daily joint patrol. Unacknowledged alerts escalate to the joint duty group (联勤组).');
  line('zones:');
  for (const z of ZONES)
    line(
      `  - ${flow([
        ['id', z.id],
        ['name', z.name],
        ['ackTimeout', '30s'],
        ['escalation', ['police-yanghe', 'patrol-brigade']],
        ['lead', leadOf(z).id],
      ])}   # ${z.theme}`,
    );
  line();
  line('units:');
  for (const z of ZONES) {
    line(`  # ${z.name}`);
    for (const u of units.filter((x) => x.zone === z))
      line(
        `  - ${flow([
          ['id', u.id],
          ['name', u.name],
          ['zone', z.id],
          ['kind', u.kind],
        ])}`,
      );
  }
  line();
  line('guards:');
  let guardNo = 0;
  for (const u of units) {
    line(`  # ${u.id} ${u.name}`);
    for (let i = 0; i < u.guards; i++) {
      guardNo += 1;
      const guardId = `G${String(guardNo).padStart(3, '0')}`;
      if (i === 0) firstGuardOf.set(u.id, guardId);
      let name: string;
      if (u.id === 'U02' && i === 0)
        name = '李大爷'; // 新城名苑's guard from the report
      else
        do name = pick(SURNAMES) + pick(GIVEN);
        while (usedNames.has(name));
      usedNames.add(name);
      const card = uid(() => `04${hex(6)}`);
      line(
        `  - ${flow([
          ['id', guardId],
          ['name', name],
          ['unit', u.id],
          ['card', card],
          ['licensed', rnd() < 0.6],
        ])}`,
      );
    }
  }
  line();
  line('checkpoints:');
  for (const u of units) {
    const names = CHECKPOINT_NAMES[u.kind];
    u.checkpoints.forEach((id, i) => {
      line(
        `  - ${flow([
          ['id', id],
          ['unit', u.id],
          ['tag', uid(() => hex(4))],
          ['name', names[i] ?? `巡更点${i + 1}`],
        ])}`,
      );
    });
  }
  line();
  line("# Per zone: the daily joint patrol (one guard from every unit, through each unit's main gate)");
  line('# and the night flag patrol (举旗巡逻) every two hours.');
  line('routes:');
  for (const z of ZONES) {
    const zu = units.filter((u) => u.zone === z);
    line(`  - id: ${z.id}-joint`);
    line(`    name: ${z.name}联合巡逻`);
    line(`    zone: ${z.id}`);
    line('    joint: true');
    line(`    checkpoints: [${zu.map((u) => u.checkpoints[0]).join(', ')}]`);
    line('    ordered: false');
    line('    maxDuration: 60m');
    line('    schedule: { every: 24h, between: "09:00-10:00", grace: 15m }');
    line(`  - id: ${z.id}-night`);
    line(`    name: ${z.name}夜间举旗巡逻`);
    line(`    zone: ${z.id}`);
    line(`    checkpoints: [${zu.map((u) => u.checkpoints[1]).join(', ')}]`);
    line('    ordered: true');
    line('    maxDuration: 40m');
    line('    schedule: { every: 2h, between: "20:00-06:00", grace: 10m }');
  }
  line();
  line('# Per unit: a panic button in the duty room, a roll-call terminal and a fixed reader at the');
  line("# unit's first checkpoint; each zone's lead unit also has the joint patrol's handheld wand,");
  line("# carried by its first guard (guard:), so the wand's taps count as that guard's.");
  line('devices:');
  for (const u of units) {
    line(
      `  - ${flow([
        ['id', `${u.id}-PANIC-1`],
        ['kind', 'panic'],
        ['unit', u.id],
        ['heartbeat', '60s'],
        ['password_hash', hash()],
      ])}`,
    );
    line(
      `  - ${flow([
        ['id', `${u.id}-RC-1`],
        ['kind', 'rollcall'],
        ['unit', u.id],
        ['password_hash', hash()],
      ])}`,
    );
    line(
      `  - ${flow([
        ['id', `${u.id}-READER-1`],
        ['kind', 'reader'],
        ['unit', u.id],
        ['checkpoint', u.checkpoints[0]],
        ['password_hash', hash()],
      ])}`,
    );
    if (leadOf(u.zone) === u)
      line(
        `  - ${flow([
          ['id', `${u.id}-WAND-1`],
          ['kind', 'reader'],
          ['unit', u.id],
          ['guard', firstGuardOf.get(u.id)],
          ['password_hash', hash()],
        ])}`,
      );
  }
  line();
  line('# No serial hardware in the demo. A wired panic button and a UID reader would look like:');
  line('# serial:');
  line('#   - { path: /dev/ttyUSB0, baudRate: 9600, driver: gpl, devices: [U03-PANIC-1] }');
  line('#   - { path: /dev/ttyUSB1, baudRate: 9600, driver: uid-line, devices: [U04-READER-1] }');
  line('# (a device on a serial port needs no password_hash)');
  line();
  line('consoles:');
  for (const u of units)
    line(
      `  - ${flow([
        ['id', `${u.id}-duty`],
        ['unit', u.id],
        ['password_hash', hash()],
      ])}`,
    );
  line();
  line('operators:');
  // names: what the screens and alert texts show instead of the account ids
  for (const [id, role, name] of OPERATORS) {
    line(
      `  - ${flow([
        ['id', id],
        ['name', name],
        ['role', role],
        ['password_hash', hash()],
      ])}`,
    );
  }
  line();
  line('# The nightly system roll call (系统点名) of every unit.');
  line('rollcall: { at: ["22:00"], window: 2m }');
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const hash = process.argv.includes('--new-hash') ? await hashPassword(DEMO_PASSWORD) : DEMO_HASH;
  if (!(await verifyPassword(DEMO_PASSWORD, hash)))
    throw new Error('the demo hash does not match the demo password');
  process.stdout.write(generateDemoSite(hash));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
