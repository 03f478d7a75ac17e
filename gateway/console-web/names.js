// Names instead of ids: units, accounts (duty rooms, police), guards,
// devices (their location), checkpoints, routes and zones from config.json.
// An id is only shown when the config has no name for it.
import { t } from './i18n.js';

/** @typedef {import('./types.js').ConsoleConfig} ConsoleConfig */

export class Names {
  /** @param {ConsoleConfig} cfg */
  constructor(cfg) {
    this.units = new Map(cfg.site.units.map((u) => [u.id, u]));
    this.zones = new Map(cfg.site.zones.map((z) => [z.id, z]));
    this.devices = new Map(cfg.site.devices.map((d) => [d.id, d]));
    this.guards = new Map(cfg.site.guards.map((g) => [g.id, g.name]));
    this.checkpoints = new Map(cfg.site.checkpoints.map((c) => [c.id, c.name]));
    this.routes = new Map(cfg.site.routes.map((r) => [r.id, r.name]));
    this.operatorIds = new Set(cfg.operators.map((o) => o.id));
    /** Configured account names. @type {Map<string, string>} */
    this.accounts = new Map();
    /** Console account → its unit. @type {Map<string, string>} */
    this.consoleUnit = new Map(cfg.consoles.map((c) => [c.id, c.unit]));
    for (const c of [...cfg.consoles, ...cfg.operators, cfg.account])
      if (c.name) this.accounts.set(c.id, c.name);
    if (cfg.account.unit) this.consoleUnit.set(cfg.account.id, cfg.account.unit);
  }

  /** Whether an id is a human account this page knows. @param {string} id */
  isAccount(id) {
    return this.accounts.has(id) || this.consoleUnit.has(id) || this.operatorIds.has(id);
  }

  /** @param {string | null | undefined} id */
  unit(id) {
    return id ? (this.units.get(id)?.name ?? id) : '';
  }

  /** @param {string | null | undefined} id */
  zone(id) {
    return id ? (this.zones.get(id)?.name ?? id) : '';
  }

  /**
   * An account (who acknowledged, owns, was told): its name; a console
   * without one is its unit's duty room; "system" is the gateway itself.
   * @param {string | null | undefined} id
   */
  account(id) {
    if (!id) return '';
    const name = this.accounts.get(id);
    if (name) return name;
    const unit = this.units.get(this.consoleUnit.get(id) ?? id);
    return unit ? t('dutyRoom', { name: unit.name }) : id;
  }

  /** @param {string} id */
  guard(id) {
    return this.guards.get(id) ?? id;
  }

  /** @param {string} id */
  checkpoint(id) {
    return this.checkpoints.get(id) ?? id;
  }

  /** @param {string | null | undefined} id */
  route(id) {
    return id ? (this.routes.get(id) ?? id) : '';
  }

  /** A device as people know it: its location when configured, else its kind and id. @param {string} id */
  device(id) {
    const d = this.devices.get(id);
    if (!d) return id;
    const kind = t(`dev.kind.${d.kind}`);
    return d.location ? t('dev.at', { loc: d.location, kind }) : t('dev.named', { kind, id });
  }

  /** Who was told: an entry of `notified` or a unit/account id. @param {{ account?: string, unit?: string, name?: string }} n */
  told(n) {
    if (n.unit) return this.unit(n.unit);
    if (n.account && this.isAccount(n.account)) return this.account(n.account);
    return n.name ?? this.account(n.account);
  }
}
