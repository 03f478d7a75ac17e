/**
 * Cross-reference checks: everything about a site config that needs the
 * whole document (unknown ids, duplicates, UIDs used twice, serial wiring).
 *
 * Works on the raw parsed YAML, not on the schema's output, so it can run
 * even when the schema refused some entries: a technician sees a bad
 * duration AND a misspelt zone in one go. Values of the wrong type are
 * skipped here (the schema reports them).
 */
import { isPasswordHash } from '../auth/password.js';
import { checkReceivers } from '../receivers/validate.js';
import { validateUplink } from '../uplink/validate.js';
import type { Problem } from './problem.js';
import { normaliseUidOrNull } from './schema.js';
import { didYouMean } from './suggest.js';
import { validatePatrol } from './validate-patrol.js';
import { validateZkPush } from './validate-zkpush.js';

export interface Findings {
  problems: Problem[];
  warnings: Problem[];
}

type Rec = Record<string, unknown>;
interface Item {
  e: Rec;
  p: string;
}

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function items(root: Rec, key: string): Item[] {
  const v = root[key];
  if (!Array.isArray(v)) return [];
  return v.map((e, i) => ({ e: isRec(e) ? e : {}, p: `${key}[${i}]` }));
}

/** The string entries of a list field, with their paths. */
function strings(it: Item, key: string): Array<{ v: string; p: string }> {
  const v = it.e[key];
  if (!Array.isArray(v)) return [];
  const out: Array<{ v: string; p: string }> = [];
  v.forEach((x, i) => {
    if (typeof x === 'string') out.push({ v: x, p: `${it.p}.${key}[${i}]` });
  });
  return out;
}

/** id → first item with that id, reporting later duplicates. */
function index(list: Item[], noun: string, problems: Problem[]): Map<string, Item> {
  const byId = new Map<string, Item>();
  for (const it of list) {
    const id = str(it.e.id);
    if (id === undefined) continue;
    const first = byId.get(id);
    if (first)
      problems.push({ path: `${it.p}.id`, message: `duplicate ${noun} id "${id}" (first at ${first.p})` });
    else byId.set(id, it);
  }
  return byId;
}

const DEFAULT_PORTS: Record<string, number> = {
  mqtt: 1883,
  ws: 8083,
  http: 8080,
  nodered: 1880,
  mqtts: 8883,
};

export function validateSite(raw: unknown): Findings {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  if (!isRec(raw)) return { problems, warnings };

  const zones = items(raw, 'zones');
  const units = items(raw, 'units');
  const guards = items(raw, 'guards');
  const checkpoints = items(raw, 'checkpoints');
  const routes = items(raw, 'routes');
  const devices = items(raw, 'devices');
  const serial = items(raw, 'serial');
  const consoles = items(raw, 'consoles');
  const operators = items(raw, 'operators');

  const zoneById = index(zones, 'zone', problems);
  const unitById = index(units, 'unit', problems);
  const guardById = index(guards, 'guard', problems);
  const checkpointById = index(checkpoints, 'checkpoint', problems);
  index(routes, 'route', problems);
  const deviceById = index(devices, 'device', problems);
  const consoleById = index(consoles, 'console', problems);
  const operatorById = index(operators, 'operator', problems);

  const unknown = (path: string, noun: string, id: string, known: Iterable<string>) =>
    problems.push({ path, message: `no ${noun} "${id}"${didYouMean(id, known)}` });
  const zoneOfUnit = (unitId: string): string | undefined => {
    const u = unitById.get(unitId);
    return u ? str(u.e.zone) : undefined;
  };

  checkAccounts([devices, consoles, operators], problems);
  checkSite(raw, problems);
  checkGatewayPorts(raw, problems);
  checkReceivers(raw, problems, warnings);

  // Zones: escalation goes to operators; the lead is one of the zone's units.
  for (const z of zones) {
    const zoneId = str(z.e.id);
    for (const { v, p } of strings(z, 'escalation')) {
      if (operatorById.has(v)) continue;
      const other = deviceById.has(v) ? 'device' : consoleById.has(v) ? 'console' : undefined;
      if (other) problems.push({ path: p, message: `"${v}" is a ${other}, not an operator` });
      else unknown(p, 'operator', v, operatorById.keys());
    }
    // a ladder (docs/site-config.md "Escalation ladder"): each level's targets are units, accounts, neighbours or lead
    if (Array.isArray(z.e.escalation))
      z.e.escalation.forEach((level: unknown, li: number) => {
        if (
          typeof level !== 'object' ||
          level === null ||
          !('targets' in level) ||
          !Array.isArray(level.targets)
        )
          return;
        level.targets.forEach((t: unknown, ti: number) => {
          if (typeof t !== 'string' || t === 'neighbours' || t === 'lead') return;
          if (unitById.has(t) || consoleById.has(t) || operatorById.has(t)) return;
          unknown(`${z.p}.escalation[${li}].targets[${ti}]`, 'unit or account', t, [
            ...unitById.keys(),
            ...operatorById.keys(),
          ]);
        });
      });
    if (z.e.escalation === undefined || (Array.isArray(z.e.escalation) && z.e.escalation.length === 0))
      warnings.push({
        path: `${z.p}.escalation`,
        message: 'no operators listed: an alert nobody acknowledges escalates to nobody',
      });
    const lead = str(z.e.lead);
    if (lead !== undefined) {
      const leadZone = zoneOfUnit(lead);
      if (!unitById.has(lead)) unknown(`${z.p}.lead`, 'unit', lead, unitById.keys());
      else if (zoneId !== undefined && leadZone !== zoneId)
        problems.push({
          path: `${z.p}.lead`,
          message: `unit "${lead}" is in zone "${leadZone}", not "${zoneId}"; the lead must be a unit of its zone`,
        });
    }
    if (zoneId !== undefined && !units.some((u) => u.e.zone === zoneId))
      warnings.push({ path: `${z.p}`, message: `zone "${zoneId}" has no units` });
  }

  // Units: zone and neighbours.
  for (const u of units) {
    const unitId = str(u.e.id);
    const zone = str(u.e.zone);
    if (zone !== undefined && !zoneById.has(zone)) unknown(`${u.p}.zone`, 'zone', zone, zoneById.keys());
    const seen = new Map<string, string>();
    for (const { v, p } of strings(u, 'neighbours')) {
      const again = seen.get(v);
      if (again) {
        warnings.push({ path: p, message: `"${v}" is listed twice (also ${again})` });
        continue;
      }
      seen.set(v, p);
      if (v === unitId) problems.push({ path: p, message: 'a unit cannot be its own neighbour' });
      else if (!unitById.has(v)) unknown(p, 'unit', v, unitById.keys());
      else {
        const other = zoneOfUnit(v);
        if (zone !== undefined && zoneById.has(zone) && other !== undefined && other !== zone)
          warnings.push({
            path: p,
            message: `unit "${v}" is in zone "${other}", not "${zone}" (allowed: its alerts cross zones)`,
          });
      }
    }
  }

  // Guards and checkpoints: units, and every card / tag UID names one thing.
  const uidOwner = new Map<string, { p: string; what: string }>();
  const claimUid = (it: Item, key: 'card' | 'tag', noun: string) => {
    const rawUid = str(it.e[key]);
    const uid = rawUid === undefined ? null : normaliseUidOrNull(rawUid);
    if (uid === null) return;
    const owner = uidOwner.get(uid);
    const id = str(it.e.id) ?? '?';
    if (owner)
      problems.push({ path: `${it.p}.${key}`, message: `UID ${uid} is already ${owner.what} (${owner.p})` });
    else uidOwner.set(uid, { p: it.p, what: `the ${key} of ${noun} "${id}"` });
  };
  for (const g of guards) {
    const unit = str(g.e.unit);
    if (unit !== undefined && !unitById.has(unit)) unknown(`${g.p}.unit`, 'unit', unit, unitById.keys());
    claimUid(g, 'card', 'guard');
  }
  for (const c of checkpoints) {
    const unit = str(c.e.unit);
    if (unit !== undefined && !unitById.has(unit)) unknown(`${c.p}.unit`, 'unit', unit, unitById.keys());
    claimUid(c, 'tag', 'checkpoint');
  }

  // Routes: zone, checkpoints known, each once, in the route's zone.
  for (const r of routes) {
    const zone = str(r.e.zone);
    if (zone !== undefined && !zoneById.has(zone)) unknown(`${r.p}.zone`, 'zone', zone, zoneById.keys());
    const seen = new Map<string, string>();
    for (const { v, p } of strings(r, 'checkpoints')) {
      const again = seen.get(v);
      if (again) {
        problems.push({ path: p, message: `checkpoint "${v}" is listed twice (also ${again})` });
        continue;
      }
      seen.set(v, p);
      const cp = checkpointById.get(v);
      if (!cp) {
        unknown(p, 'checkpoint', v, checkpointById.keys());
        continue;
      }
      const cpUnit = str(cp.e.unit);
      const cpZone = cpUnit === undefined ? undefined : zoneOfUnit(cpUnit);
      if (
        zone !== undefined &&
        zoneById.has(zone) &&
        cpZone !== undefined &&
        zoneById.has(cpZone) &&
        cpZone !== zone
      )
        warnings.push({
          path: p,
          message: `checkpoint "${v}" belongs to unit "${cpUnit}" in zone "${cpZone}", not "${zone}"`,
        });
    }
  }

  // Devices: unit, checkpoint, credentials.
  const portOfDevice = new Map<string, Item>();
  for (const s of serial)
    for (const { v } of strings(s, 'devices')) if (!portOfDevice.has(v)) portOfDevice.set(v, s);
  for (const d of devices) {
    const unit = str(d.e.unit);
    if (unit !== undefined && !unitById.has(unit)) unknown(`${d.p}.unit`, 'unit', unit, unitById.keys());
    const checkpoint = str(d.e.checkpoint);
    if (checkpoint !== undefined) {
      const cp = checkpointById.get(checkpoint);
      if (!cp) unknown(`${d.p}.checkpoint`, 'checkpoint', checkpoint, checkpointById.keys());
      else {
        const cpUnit = str(cp.e.unit);
        if (d.e.kind !== undefined && d.e.kind !== 'reader')
          warnings.push({
            path: `${d.p}.checkpoint`,
            message: `only readers use a checkpoint; this is a ${String(d.e.kind)} device`,
          });
        else if (unit !== undefined && cpUnit !== undefined && cpUnit !== unit)
          warnings.push({
            path: `${d.p}.checkpoint`,
            message: `checkpoint "${checkpoint}" belongs to unit "${cpUnit}", not the device's unit "${unit}"`,
          });
      }
    }
    const guard = str(d.e.guard);
    if (guard !== undefined) {
      if (!guardById.has(guard)) unknown(`${d.p}.guard`, 'guard', guard, guardById.keys());
      else if (d.e.kind !== undefined && d.e.kind !== 'reader')
        warnings.push({
          path: `${d.p}.guard`,
          message: `only a handheld reader is carried by a guard; this is a ${String(d.e.kind)} device`,
        });
    }
    const id = str(d.e.id);
    checkHash(d, problems);
    const zk = d.e.protocol === 'zk-push'; // it calls in over HTTP (docs/zkpush.md)
    if (d.e.password_hash === undefined && id !== undefined && !portOfDevice.has(id) && !zk)
      warnings.push({
        path: d.p,
        message: `device "${id}" has no password_hash and is on no serial port: it can never connect`,
      });
  }

  checkSerial(serial, deviceById, problems);
  validateZkPush(raw, problems);
  validatePatrol(raw, problems, warnings);
  validateUplink(raw, problems, warnings);

  for (const c of consoles) {
    const unit = str(c.e.unit);
    if (unit !== undefined && !unitById.has(unit)) unknown(`${c.p}.unit`, 'unit', unit, unitById.keys());
    checkHash(c, problems);
    if (c.e.password_hash === undefined)
      warnings.push({
        path: c.p,
        message: `console "${str(c.e.id) ?? '?'}" has no password_hash: nobody can log in`,
      });
  }
  for (const o of operators) {
    checkHash(o, problems);
    if (o.e.password_hash === undefined)
      warnings.push({
        path: o.p,
        message: `operator "${str(o.e.id) ?? '?'}" has no password_hash: nobody can log in`,
      });
  }

  const rollcall = raw.rollcall;
  if (isRec(rollcall)) {
    const zone = str(rollcall.zone);
    if (zone !== undefined && !zoneById.has(zone)) unknown('rollcall.zone', 'zone', zone, zoneById.keys());
  }
  return { problems, warnings };
}

/** Devices, consoles and operators all log in to MQTT with their id: one namespace. */
function checkAccounts(kinds: Item[][], problems: Problem[]): void {
  const owner = new Map<string, { p: string; kind: number }>();
  kinds.forEach((list, kind) => {
    for (const it of list) {
      const id = str(it.e.id);
      if (id === undefined) continue;
      const first = owner.get(id);
      if (!first) owner.set(id, { p: it.p, kind });
      else if (first.kind !== kind)
        problems.push({
          path: `${it.p}.id`,
          message: `"${id}" is already the account of ${first.p}; device, console and operator ids are MQTT usernames and must differ`,
        });
    }
  });
}

function checkHash(it: Item, problems: Problem[]): void {
  const h = it.e.password_hash;
  if (typeof h === 'string' && !isPasswordHash(h))
    problems.push({
      path: `${it.p}.password_hash`,
      message: 'not a password hash (scrypt$N$r$p$salt$hash); make one with "guardpost passwd"',
    });
}

function checkSite(raw: Rec, problems: Problem[]): void {
  const site = raw.site;
  if (!isRec(site)) return;
  const tz = str(site.timezone);
  if (tz === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    problems.push({
      path: 'site.timezone',
      message: `unknown time zone "${tz}"${didYouMean(tz, Intl.supportedValuesOf('timeZone'))}`,
    });
  }
}

/** Two listeners configured on the same port would fail at start; say so now. */
function checkGatewayPorts(raw: Rec, problems: Problem[]): void {
  const gw = raw.gateway;
  if (!isRec(gw)) return;
  const used = new Map<string, string>();
  for (const name of ['mqtt', 'mqtts', 'ws', 'http', 'nodered']) {
    const l = gw[name];
    if (l === undefined && name === 'mqtts') continue;
    const cfg = isRec(l) ? l : {};
    if (name === 'nodered' && cfg.enabled === false) continue;
    const port = typeof cfg.port === 'number' ? cfg.port : DEFAULT_PORTS[name];
    if (port === undefined || port === 0) continue;
    // Every listener binds the one address (gateway.mqtt.host / GUARDPOST_HOST): the port alone must differ.
    const key = String(port);
    const first = used.get(key);
    if (first && isRec(l))
      problems.push({
        path: `gateway.${name}.port`,
        message: `port ${port} is also used by gateway.${first}`,
      });
    else if (!first) used.set(key, name);
  }
}

function checkSerial(serial: Item[], deviceById: Map<string, Item>, problems: Problem[]): void {
  const portByPath = new Map<string, string>();
  const portOfDevice = new Map<string, string>();
  for (const s of serial) {
    const path = str(s.e.path);
    if (path !== undefined) {
      const first = portByPath.get(path);
      if (first)
        problems.push({ path: `${s.p}.path`, message: `port "${path}" is already configured at ${first}` });
      else portByPath.set(path, s.p);
    }
    const list = strings(s, 'devices');
    const uidLine = s.e.driver === 'uid-line';
    if (uidLine && list.length > 1)
      problems.push({
        path: `${s.p}.devices`,
        message: `a uid-line port carries exactly one reader; this one lists ${list.length} devices`,
      });
    for (const { v, p } of list) {
      const d = deviceById.get(v);
      if (!d) {
        problems.push({ path: p, message: `no device "${v}"${didYouMean(v, deviceById.keys())}` });
        continue;
      }
      const first = portOfDevice.get(v);
      if (first) {
        problems.push({
          path: p,
          message: `device "${v}" is already on ${first}; a device has one serial port`,
        });
        continue;
      }
      portOfDevice.set(v, `${s.p}${path === undefined ? '' : ` (${path})`}`);
      if (uidLine && d.e.kind !== 'reader')
        problems.push({
          path: p,
          message: `"${v}" is a ${String(d.e.kind)} device; a uid-line port carries only a reader`,
        });
    }
  }
}
