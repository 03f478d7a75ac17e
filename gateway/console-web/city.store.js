// The city wall's state, pure (no DOM, no MQTT): what the districts' uplinks
// put on the city broker (docs/city.md), checked and bounded. A message is
// taken only when its topic is `city/v1/site/{district}/alert/{zone}/{unit}`
// (or a district's retained `…/{district}/site` directory of names, or the
// retained state of an open alert `…/{district}/open/{zone}/{unit}/{id}`,
// whose empty payload means it was resolved), its payload small, JSON and of
// the right shape; the district, zone and unit
// come from the topic (the broker's ACL lets a district write only under
// its own prefix), never from the payload. Repeats and older states of an
// alert (by `jseq`) are dropped; resolved alerts leave, remembered a while
// so a late repeat cannot bring them back. Everything is capped: the open
// alerts kept, the strings, the directory entries, the cards shown.

/**
 * @typedef {object} CityAlert
 * @property {string} key district + id
 * @property {string} district
 * @property {string} zone
 * @property {string} unit
 * @property {string} id
 * @property {string} kind
 * @property {'raised' | 'escalated' | 'acknowledged'} state
 * @property {'critical' | 'warning' | 'info'} severity
 * @property {number} raisedAt epoch ms
 * @property {number} updatedAt epoch ms
 * @property {number} jseq
 * @property {string | null} ackBy account id
 * @property {number | null} ackAt epoch ms
 * @property {string} messageZh
 * @property {string} messageEn
 * @property {string | null} ownerName
 * @property {boolean} escalated
 * @property {boolean} restored
 * @property {'drill' | 'test' | null} mode
 */

/**
 * A district's names, from its retained `{prefix}/site` message.
 * @typedef {object} Directory
 * @property {string | null} name
 * @property {Map<string, string>} zones id → name
 * @property {Map<string, string>} units id → name
 * @property {Map<string, { name: string | null, unit: string | null }>} accounts id → its name, or its duty room's unit
 */

/**
 * @typedef {object} ZoneView
 * @property {string} zone
 * @property {CityAlert[]} alerts
 */

/**
 * @typedef {object} DistrictView
 * @property {string} district
 * @property {ZoneView[]} zones
 * @property {number} count
 * @property {number} waiting
 */

export const LIMITS = {
  /** Bytes of one message's payload; the uplink's are a few KiB. */
  payload: 32 * 1024,
  /** Open alerts kept over all districts. */
  open: 2000,
  /** Resolved alerts remembered (a late repeat must not reopen them). */
  closed: 5000,
  /** Cards on the screen; the rest is counted. */
  cards: 200,
  /** Characters of a shown text. */
  text: 300,
  /** Characters of an id or a topic level. */
  id: 64,
  districts: 500,
  /** Zones, units and accounts of one directory, each. */
  directory: 2000,
};

const ALERT_TOPIC = /^city\/v1\/site\/([^/]+)\/alert\/([^/]+)\/([^/]+)$/;
const SITE_TOPIC = /^city\/v1\/site\/([^/]+)\/site$/;
const OPEN_TOPIC = /^city\/v1\/site\/([^/]+)\/open\/([^/]+)\/([^/]+)\/([^/]+)$/;
const STATES = new Set(['raised', 'escalated', 'acknowledged', 'resolved']);
const SEVERITIES = new Set(['critical', 'warning', 'info']);
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const decoder = new TextDecoder('utf-8', { fatal: true });

/** @param {unknown} v @param {number} max @returns {string | null} */
function str(v, max) {
  if (typeof v !== 'string' || v.length === 0) return null;
  return v.length > max ? `${v.slice(0, max)}…` : v;
}

/** An id or topic level: short, printable, no wildcards. @param {unknown} v @returns {string | null} */
function ident(v) {
  if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.id) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return /[\u0000-\u001f\u007f+#/]/.test(v) ? null : v;
}

/** @param {unknown} v @returns {number | null} */
function ms(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length <= 40) {
    const n = Date.parse(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/** @param {unknown} v @returns {Record<string, unknown> | null} */
function object(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? /** @type {Record<string, unknown>} */ (v)
    : null;
}

/**
 * Priority on the city wall: waiting panics, other waiting alerts by
 * severity, then acknowledged ones, restored troubles last.
 * @param {CityAlert} a
 */
export function rank(a) {
  if (a.restored) return 9;
  const sev = SEVERITY_RANK[a.severity];
  if (a.state !== 'acknowledged') return a.kind === 'panic' ? 0 : 1 + sev;
  return a.kind === 'panic' ? 4 : 5 + sev;
}

/** Highest priority first, then the newest. @param {CityAlert} a @param {CityAlert} b */
export function byPriority(a, b) {
  return rank(a) - rank(b) || b.raisedAt - a.raisedAt || (a.key < b.key ? -1 : 1);
}

/**
 * One alert from a payload (or a saved record) and its topic's levels; null when it is not one.
 * @param {Record<string, unknown>} o
 * @param {string} district
 * @param {string} zone
 * @param {string} unit
 * @returns {CityAlert | 'resolved' | null}
 */
export function normalise(o, district, zone, unit) {
  const id = ident(o.id);
  const jseq = o.jseq;
  if (!id || typeof jseq !== 'number' || !Number.isSafeInteger(jseq) || jseq < 0) return null;
  const state = typeof o.state === 'string' && STATES.has(o.state) ? o.state : null;
  if (!state) return null;
  const kind = ident(o.kind);
  const raisedAt = ms(o.raisedAt);
  if (!kind || raisedAt === null) return null;
  if (state === 'resolved') return 'resolved';
  const severity = typeof o.severity === 'string' && SEVERITIES.has(o.severity) ? o.severity : 'info';
  const owner = object(o.owner);
  const message = str(o.message, LIMITS.text) ?? '';
  return {
    key: `${district}\u0000${id}`,
    district,
    zone,
    unit,
    id,
    kind,
    state: /** @type {CityAlert['state']} */ (state),
    severity: /** @type {CityAlert['severity']} */ (severity),
    raisedAt,
    updatedAt: ms(o.updatedAt) ?? raisedAt,
    jseq,
    ackBy: ident(o.ackBy),
    ackAt: ms(o.ackAt),
    messageZh: str(o.messageZh, LIMITS.text) ?? message,
    messageEn: str(o.messageEn, LIMITS.text) ?? message,
    ownerName: str(owner?.name, LIMITS.id) ?? str(o.ownerName, LIMITS.id),
    escalated: o.escalated === true || state === 'escalated',
    restored: o.restored === true,
    mode: o.mode === 'drill' || o.mode === 'test' ? o.mode : null,
  };
}

/**
 * id → value from a directory list (entries `{id, …}`), capped; entries without a value are left out.
 * @template T
 * @param {unknown} list
 * @param {(o: Record<string, unknown>) => T | null} value
 * @returns {Map<string, T>}
 */
function byId(list, value) {
  /** @type {Map<string, T>} */
  const out = new Map();
  if (!Array.isArray(list)) return out;
  for (const item of list.slice(0, LIMITS.directory)) {
    const o = object(item);
    const id = ident(o?.id);
    const v = o ? value(o) : null;
    if (id && v !== null) out.set(id, v);
  }
  return out;
}

/** @param {unknown} list */
const names = (list) => byId(list, (o) => str(o.name, LIMITS.id));

/** Accounts: a name, or the unit of a duty room without one. @param {unknown} list */
const accounts = (list) =>
  byId(list, (o) => {
    const name = str(o.name, LIMITS.id);
    const unit = ident(o.unit);
    return name || unit ? { name, unit } : null;
  });

export class CityStore {
  constructor() {
    /** @type {Map<string, CityAlert>} */
    this.open = new Map();
    /** @type {Map<string, number>} key → jseq of its resolution */
    this.closed = new Map();
    /** @type {Map<string, Directory>} */
    this.directories = new Map();
    /** @type {Map<string, number>} key → jseq of the last retained open state taken (capped like the open alerts) */
    this.retained = new Map();
    /** Messages refused (wrong topic, too big, not JSON, wrong shape). */
    this.refused = 0;
  }

  /**
   * Take one MQTT message. Returns whether the wall changed.
   * @param {string} topic
   * @param {Uint8Array} payload
   */
  apply(topic, payload) {
    if (topic.length > 512 || payload.length > LIMITS.payload) return this.refuse();
    const site = SITE_TOPIC.exec(topic);
    const alert = site ? null : ALERT_TOPIC.exec(topic);
    const open = site || alert ? null : OPEN_TOPIC.exec(topic);
    if (open) return this.openState(open, payload);
    if (!site && !alert) return this.refuse();
    /** @type {unknown} */
    let doc;
    try {
      doc = JSON.parse(decoder.decode(payload));
    } catch {
      return this.refuse();
    }
    const o = object(doc);
    if (!o) return this.refuse();
    if (site) return this.directory(site[1] ?? '', o);
    const [district, zone, unit] = [ident(alert?.[1]), ident(alert?.[2]), ident(alert?.[3])];
    if (!district || !zone || !unit) return this.refuse();
    return this.upsert(o, district, zone, unit);
  }

  /**
   * The retained state of an open alert (as an alert message, its id the
   * topic's), or its clearing: an empty payload removes the card only when
   * the wall holds no newer state of it than the retained one it took.
   * @param {RegExpExecArray} m the OPEN_TOPIC match
   * @param {Uint8Array} payload
   */
  openState(m, payload) {
    const [district, zone, unit, id] = [ident(m[1]), ident(m[2]), ident(m[3]), ident(m[4])];
    if (!district || !zone || !unit || !id) return this.refuse();
    const key = `${district}\u0000${id}`;
    if (payload.length === 0) {
      const known = this.open.get(key);
      const taken = this.retained.get(key);
      this.retained.delete(key);
      if (!known || taken === undefined || known.jseq > taken) return false;
      this.open.delete(key);
      this.closed.set(key, known.jseq);
      if (this.closed.size > LIMITS.closed)
        this.closed.delete(/** @type {string} */ (this.closed.keys().next().value));
      return true;
    }
    /** @type {unknown} */
    let doc;
    try {
      doc = JSON.parse(decoder.decode(payload));
    } catch {
      return this.refuse();
    }
    const o = object(doc);
    if (!o || o.id !== id) return this.refuse();
    const changed = this.upsert(o, district, zone, unit);
    const a = this.open.get(key);
    if (a && a.jseq === o.jseq) {
      this.retained.delete(key);
      this.retained.set(key, a.jseq);
      if (this.retained.size > LIMITS.open)
        this.retained.delete(/** @type {string} */ (this.retained.keys().next().value));
    }
    return changed;
  }

  /** @returns {false} */
  refuse() {
    this.refused += 1;
    return false;
  }

  /**
   * @param {Record<string, unknown>} o
   * @param {string} district
   * @param {string} zone
   * @param {string} unit
   */
  upsert(o, district, zone, unit) {
    const a = normalise(o, district, zone, unit);
    if (a === null) return this.refuse();
    const id = /** @type {string} */ (o.id);
    const key = `${district}\u0000${id}`;
    const jseq = /** @type {number} */ (o.jseq);
    const known = this.open.get(key);
    // a repeat (same jseq) or an older state arriving late changes nothing
    if ((known && known.jseq >= jseq) || (this.closed.get(key) ?? -1) >= jseq) return false;
    if (!known && !this.districtKnown(district)) return this.refuse();
    if (a === 'resolved') {
      this.open.delete(key);
      this.closed.set(key, jseq);
      if (this.closed.size > LIMITS.closed)
        this.closed.delete(/** @type {string} */ (this.closed.keys().next().value));
      return known !== undefined;
    }
    this.open.set(key, a);
    if (this.open.size > LIMITS.open) this.evict();
    return true;
  }

  /** A new district only while under the cap of districts. @param {string} district */
  districtKnown(district) {
    if (this.directories.has(district)) return true;
    for (const a of this.open.values()) if (a.district === district) return true;
    return this.districts().length < LIMITS.districts;
  }

  /** Over the cap: the lowest-priority, oldest alert goes. */
  evict() {
    /** @type {CityAlert | null} */
    let worst = null;
    for (const a of this.open.values()) {
      if (!worst || rank(a) > rank(worst) || (rank(a) === rank(worst) && a.raisedAt < worst.raisedAt))
        worst = a;
    }
    if (worst) this.open.delete(worst.key);
  }

  /** @param {string} raw @param {Record<string, unknown>} o */
  directory(raw, o) {
    const district = ident(raw);
    if (!district) return this.refuse();
    if (!this.directories.has(district) && this.directories.size >= LIMITS.districts) return this.refuse();
    this.directories.set(district, {
      name: str(o.name, LIMITS.id),
      zones: names(o.zones),
      units: names(o.units),
      accounts: accounts(o.accounts),
    });
    return true;
  }

  /** @returns {string[]} districts with open alerts */
  districts() {
    return [...new Set([...this.open.values()].map((a) => a.district))];
  }

  /** @param {string} district */
  districtName(district) {
    return this.directories.get(district)?.name ?? district;
  }

  /** @param {string} district @param {string} zone */
  zoneName(district, zone) {
    return this.directories.get(district)?.zones.get(zone) ?? zone;
  }

  /** @param {string} district @param {string} unit */
  unitName(district, unit) {
    return this.directories.get(district)?.units.get(unit) ?? unit;
  }

  /**
   * Who an account is: its name, else the name of its duty room's unit, else the id.
   * @param {string} district
   * @param {string} account
   * @returns {{ name: string } | { dutyRoomOf: string }}
   */
  account(district, account) {
    const a = this.directories.get(district)?.accounts.get(account);
    if (a?.name) return { name: a.name };
    if (a?.unit) return { dutyRoomOf: this.unitName(district, a.unit) };
    return { name: account };
  }

  /**
   * The wall: the first LIMITS.cards alerts by priority, grouped by district
   * then zone (each group in the order of its first card), and how many more.
   * @returns {{ districts: DistrictView[], shown: number, hidden: number, waiting: number }}
   */
  view() {
    const all = [...this.open.values()].sort(byPriority);
    const shown = all.slice(0, LIMITS.cards);
    /** @type {Map<string, DistrictView>} */
    const districts = new Map();
    for (const a of shown) {
      let d = districts.get(a.district);
      if (!d) {
        d = { district: a.district, zones: [], count: 0, waiting: 0 };
        districts.set(a.district, d);
      }
      let z = d.zones.find((x) => x.zone === a.zone);
      if (!z) {
        z = { zone: a.zone, alerts: [] };
        d.zones.push(z);
      }
      z.alerts.push(a);
    }
    // counts over every open alert of the district, not only the shown ones
    for (const a of all) {
      const d = districts.get(a.district);
      if (!d) continue;
      d.count += 1;
      if (a.state !== 'acknowledged') d.waiting += 1;
    }
    return {
      districts: [...districts.values()],
      shown: shown.length,
      hidden: all.length - shown.length,
      waiting: all.filter((a) => a.state !== 'acknowledged').length,
    };
  }

  /** What a reload restores (localStorage): the open alerts, the resolved keys, the names. */
  snapshot() {
    return {
      v: 1,
      open: [...this.open.values()],
      closed: [...this.closed.entries()].slice(-1000),
      directories: [...this.directories.entries()].map(([d, x]) => ({
        district: d,
        name: x.name,
        zones: [...x.zones].map(([id, name]) => ({ id, name })),
        units: [...x.units].map(([id, name]) => ({ id, name })),
        accounts: [...x.accounts].map(([id, a]) => ({ id, ...a })),
      })),
    };
  }

  /** Restore a snapshot, checked like messages (it is only as trusted as the browser's storage). @param {unknown} doc */
  restore(doc) {
    const o = object(doc);
    if (o?.v !== 1) return;
    for (const item of Array.isArray(o.directories) ? o.directories.slice(0, LIMITS.districts) : []) {
      const d = object(item);
      if (d) this.directory(typeof d.district === 'string' ? d.district : '', d);
    }
    for (const item of Array.isArray(o.closed) ? o.closed.slice(0, LIMITS.closed) : []) {
      if (Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'number')
        this.closed.set(item[0], item[1]);
    }
    for (const item of Array.isArray(o.open) ? o.open.slice(0, LIMITS.open) : []) {
      const a = object(item);
      const [district, zone, unit] = [ident(a?.district), ident(a?.zone), ident(a?.unit)];
      if (a && district && zone && unit) this.upsert(a, district, zone, unit);
    }
  }
}
