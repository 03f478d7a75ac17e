/**
 * GET /console/config.json: what the duty-room page needs after login — the
 * MQTT-over-WebSocket port, the account (and for a console its unit and
 * zone), the topics it may use (built here with topics.ts, so the browser
 * never spells a topic itself) and the site's zones, units and devices.
 */
import type { Site } from '../config/site.js';
import { topics } from '../topics.js';
import type { HumanAccount } from './auth.js';

export interface ConsoleAccountInfo {
  id: string;
  kind: 'console' | 'operator';
  role: 'console' | 'admin' | 'technician';
  unit: string | null;
  zone: string | null;
  /** May acknowledge and resolve alerts. */
  canAck: boolean;
}

export interface ConsoleConfig {
  wsPort: number;
  wsPath: string;
  account: ConsoleAccountInfo;
  topics: {
    subscribe: string[];
    /** unit → ack / resolve topic this account may publish to. */
    ack: Record<string, string>;
    resolve: Record<string, string>;
  };
  site: {
    id: string;
    name: string;
    timezone: string;
    zones: { id: string; name: string; lead: string | null; ackTimeout: string }[];
    units: { id: string; name: string; zone: string; kind: string; neighbours: string[] }[];
    devices: {
      id: string;
      kind: string;
      unit: string;
      checkpoint: string | null;
      heartbeat: string | null;
    }[];
    checkpoints: { id: string; unit: string; name: string }[];
    routes: { id: string; zone: string; name: string; checkpoints: string[]; joint: boolean }[];
  };
  /** Console account → unit (which duty room is which). */
  consoles: { id: string; unit: string }[];
}

export function buildConsoleConfig(site: Site, account: HumanAccount, wsPort: number): ConsoleConfig {
  const c = site.config;
  let info: ConsoleAccountInfo;
  let subscribe: string[];
  const ack: Record<string, string> = {};
  const resolve: Record<string, string> = {};
  if (account.kind === 'console') {
    const unit = account.unit.id;
    info = { id: account.id, kind: 'console', role: 'console', unit, zone: account.unit.zone, canAck: true };
    subscribe = [topics.unitFilter(unit), topics.zoneFilter(account.unit.zone)];
    ack[unit] = topics.unitAck(unit);
    resolve[unit] = topics.unitResolve(unit);
  } else {
    const admin = account.operator.role === 'admin';
    info = {
      id: account.id,
      kind: 'operator',
      role: account.operator.role,
      unit: null,
      zone: null,
      canAck: admin,
    };
    // Operators may read gp/v1/#; the page needs only alerts and roll-call results, not every heartbeat.
    subscribe = [
      topics.unitAlert('+'),
      topics.zoneAlert('+'),
      topics.operatorAlert(account.id),
      topics.rollcallResult('+'),
    ];
    if (admin) {
      for (const u of c.units) {
        ack[u.id] = topics.unitAck(u.id);
        resolve[u.id] = topics.unitResolve(u.id);
      }
    }
  }
  return {
    wsPort,
    wsPath: '/',
    account: info,
    topics: { subscribe, ack, resolve },
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
      })),
      devices: c.devices.map((d) => ({
        id: d.id,
        kind: d.kind,
        unit: d.unit,
        checkpoint: d.checkpoint ?? null,
        heartbeat: d.heartbeat ?? null,
      })),
      checkpoints: c.checkpoints.map((p) => ({ id: p.id, unit: p.unit, name: p.name })),
      routes: c.routes.map((r) => ({
        id: r.id,
        zone: r.zone,
        name: r.name ?? r.id,
        checkpoints: r.checkpoints,
        joint: r.joint === true,
      })),
    },
    consoles: c.consoles.map((k) => ({ id: k.id, unit: k.unit })),
  };
}
