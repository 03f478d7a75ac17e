/**
 * A validated site config with the look-ups every part of the gateway needs:
 * by id, by tag / card UID, neighbours resolved, durations in milliseconds.
 * Built once at start; immutable afterwards.
 */
import {
  type CheckpointConfig,
  type ConsoleConfig,
  type DeviceConfig,
  type GuardConfig,
  normaliseUidOrNull,
  type OperatorConfig,
  parseDuration,
  type RouteConfig,
  type SiteConfig,
  type UnitConfig,
  type ZoneConfig,
} from './schema.js';

export type Account =
  | { kind: 'device'; id: string; passwordHash: string | undefined; device: DeviceConfig }
  | {
      kind: 'console';
      id: string;
      passwordHash: string | undefined;
      console: ConsoleConfig;
      unit: UnitConfig;
    }
  | { kind: 'operator'; id: string; passwordHash: string | undefined; operator: OperatorConfig };

export class Site {
  readonly zones = new Map<string, ZoneConfig>();
  readonly units = new Map<string, UnitConfig>();
  readonly guards = new Map<string, GuardConfig>();
  readonly checkpoints = new Map<string, CheckpointConfig>();
  readonly routes = new Map<string, RouteConfig>();
  readonly devices = new Map<string, DeviceConfig>();
  readonly accounts = new Map<string, Account>();
  /** normalised tag UID → checkpoint */
  readonly checkpointByTag = new Map<string, CheckpointConfig>();
  /** normalised card UID → guard */
  readonly guardByCard = new Map<string, GuardConfig>();
  /** checkpoint id → routes that include it */
  readonly routesByCheckpoint = new Map<string, RouteConfig[]>();
  /** unit id → neighbour unit ids (explicit, else every other unit of its zone) */
  readonly neighbours = new Map<string, string[]>();
  /** device id → serial port path, for devices bound to a serial line */
  readonly serialPortOfDevice = new Map<string, string>();
  /** device id → heartbeat interval in ms, for devices that have one (supervision asks often). */
  private readonly heartbeatOfDevice = new Map<string, number>();

  constructor(readonly config: SiteConfig) {
    for (const z of config.zones) this.zones.set(z.id, z);
    for (const u of config.units) this.units.set(u.id, u);
    for (const g of config.guards) {
      this.guards.set(g.id, g);
      const uid = normaliseUidOrNull(g.card);
      if (uid) this.guardByCard.set(uid, g);
    }
    for (const c of config.checkpoints) {
      this.checkpoints.set(c.id, c);
      const uid = normaliseUidOrNull(c.tag);
      if (uid) this.checkpointByTag.set(uid, c);
    }
    for (const r of config.routes) {
      this.routes.set(r.id, r);
      for (const cp of r.checkpoints) {
        const list = this.routesByCheckpoint.get(cp) ?? [];
        list.push(r);
        this.routesByCheckpoint.set(cp, list);
      }
    }
    for (const d of config.devices) {
      this.devices.set(d.id, d);
      this.accounts.set(d.id, { kind: 'device', id: d.id, passwordHash: d.password_hash, device: d });
    }
    for (const c of config.consoles) {
      const unit = this.units.get(c.unit);
      if (unit)
        this.accounts.set(c.id, {
          kind: 'console',
          id: c.id,
          passwordHash: c.password_hash,
          console: c,
          unit,
        });
    }
    for (const o of config.operators) {
      this.accounts.set(o.id, { kind: 'operator', id: o.id, passwordHash: o.password_hash, operator: o });
    }
    for (const u of config.units) {
      const explicit = u.neighbours;
      this.neighbours.set(
        u.id,
        explicit ?? config.units.filter((o) => o.zone === u.zone && o.id !== u.id).map((o) => o.id),
      );
    }
    for (const p of config.serial) for (const d of p.devices) this.serialPortOfDevice.set(d, p.path);
    for (const d of config.devices)
      if (d.heartbeat) this.heartbeatOfDevice.set(d.id, parseDuration(d.heartbeat));
  }

  get id(): string {
    return this.config.site.id;
  }
  get timezone(): string {
    return this.config.site.timezone;
  }

  zoneOfUnit(unitId: string): ZoneConfig | undefined {
    const u = this.units.get(unitId);
    return u ? this.zones.get(u.zone) : undefined;
  }

  unitsOfZone(zoneId: string): UnitConfig[] {
    return this.config.units.filter((u) => u.zone === zoneId);
  }

  guardsOfUnit(unitId: string): GuardConfig[] {
    return this.config.guards.filter((g) => g.unit === unitId);
  }

  devicesOfUnit(unitId: string, kind?: DeviceConfig['kind']): DeviceConfig[] {
    return this.config.devices.filter((d) => d.unit === unitId && (kind === undefined || d.kind === kind));
  }

  ackTimeoutMs(zoneId: string): number {
    const z = this.zones.get(zoneId);
    return parseDuration(z?.ackTimeout ?? '30s');
  }

  heartbeatMs(deviceId: string): number | null {
    return this.heartbeatOfDevice.get(deviceId) ?? null;
  }
}
