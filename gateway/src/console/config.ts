/**
 * GET /console/config.json: what the duty-room page needs after login — the
 * MQTT-over-WebSocket port, the account (and for a console its unit and
 * zone), the topics it may use (built here with topics.ts, so the browser
 * never spells a topic itself) and the site's zones, units, devices and the
 * names of guards and accounts (screens show names, never ids).
 */
import type { Site } from '../config/site.js';
import { topics } from '../topics.js';
import type { HumanAccount } from './auth.js';
import type { ConsoleAccountInfo, ConsoleConfig } from './wire.js';

export type { ConsoleAccountInfo, ConsoleConfig } from './wire.js';

/** Console inputs of issue 13 (docs/protocol-extensions.md): take, view, checklist. */
type UnitInput = 'take' | 'view' | 'checklist';
const UNIT_INPUTS: readonly UnitInput[] = ['take', 'view', 'checklist'];

/** The configured `name` of a human account, or null. */
export function accountName(site: Site, id: string): string | null {
  const a = site.accounts.get(id);
  if (a?.kind === 'console') return a.console.name ?? null;
  if (a?.kind === 'operator') return a.operator.name ?? null;
  return null;
}

export function buildConsoleConfig(site: Site, account: HumanAccount, wsPort: number): ConsoleConfig {
  const c = site.config;
  let info: ConsoleAccountInfo;
  let subscribe: string[];
  const ack: Record<string, string> = {};
  const resolve: Record<string, string> = {};
  const inputs: Record<UnitInput, Record<string, string>> = { take: {}, view: {}, checklist: {} };
  const allow = (unit: string): void => {
    ack[unit] = topics.unitAck(unit);
    resolve[unit] = topics.unitResolve(unit);
    for (const what of UNIT_INPUTS) inputs[what][unit] = topics.unitInput(unit, what);
  };
  const name = accountName(site, account.id);
  if (account.kind === 'console') {
    const unit = account.unit.id;
    info = {
      id: account.id,
      kind: 'console',
      role: 'console',
      unit,
      zone: account.unit.zone,
      name,
      canAck: true,
    };
    subscribe = [topics.unitFilter(unit), topics.zoneFilter(account.unit.zone)];
    allow(unit);
  } else {
    const admin = account.operator.role === 'admin';
    info = {
      id: account.id,
      kind: 'operator',
      role: account.operator.role,
      unit: null,
      zone: null,
      name,
      canAck: admin,
    };
    // Operators may read gp/v1/#; the page needs only alerts and roll-call results, not every heartbeat.
    subscribe = [
      topics.unitAlert('+'),
      topics.zoneAlert('+'),
      topics.operatorAlert(account.id),
      topics.rollcallResult('+'),
    ];
    if (admin) for (const u of c.units) allow(u.id);
  }
  return {
    wsPort,
    wsPath: '/',
    account: info,
    topics: { subscribe, ack, resolve, ...inputs },
    site: {
      id: site.id,
      name: c.site.name,
      timezone: site.timezone,
      zones: c.zones.map((z) => ({ id: z.id, name: z.name, lead: z.lead ?? null, ackTimeout: z.ackTimeout })),
      units: c.units.map((u) => ({
        id: u.id,
        name: u.name,
        zone: u.zone,
        kind: u.kind,
        neighbours: site.neighbours.get(u.id) ?? [],
        phone: u.phone ?? null,
        address: u.address ?? null,
      })),
      devices: c.devices.map((d) => ({
        id: d.id,
        kind: d.kind,
        unit: d.unit,
        checkpoint: d.checkpoint ?? null,
        heartbeat: d.heartbeat ?? null,
        location: d.location ?? null,
      })),
      guards: c.guards.map((g) => ({ id: g.id, name: g.name, unit: g.unit })),
      checkpoints: c.checkpoints.map((p) => ({ id: p.id, unit: p.unit, name: p.name })),
      routes: c.routes.map((r) => ({
        id: r.id,
        zone: r.zone,
        name: r.name ?? r.id,
        checkpoints: r.checkpoints,
        joint: r.joint === true,
      })),
    },
    consoles: c.consoles.map((k) => ({ id: k.id, unit: k.unit, name: accountName(site, k.id) })),
    operators: c.operators.map((o) => ({ id: o.id, name: accountName(site, o.id) })),
  };
}
