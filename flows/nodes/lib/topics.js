'use strict';
/**
 * The public guardpost topics these nodes use (protocol.md §1.3–1.4 and the
 * documented extensions). This package runs inside Node-RED, not inside the
 * gateway, so it keeps its own copy: the one place in the package that
 * spells "gp/v1/...".
 */
const ROOT = 'gp/v1';
const EVENT_KINDS = ['tap', 'panic', 'rollcall', 'heartbeat', 'status'];
const ALERT_KINDS = [
  'panic',
  'patrol_missed',
  'patrol_late',
  'device_offline',
  'tamper',
  'rollcall_absent',
  'custom',
];
const ALERT_STATES = ['raised', 'escalated', 'acknowledged', 'resolved'];

/**
 * An empty filter value or "+" is the single-level wildcard.
 * @param {unknown} v
 */
function level(v) {
  const s = v === undefined || v === null ? '' : String(v).trim();
  return s === '' || s === '*' ? '+' : s;
}

const topics = {
  ROOT,
  /** @type {(kind: unknown, zone: unknown, unit: unknown) => string} */
  event: (kind, zone, unit) => `${ROOT}/events/${level(kind)}/${level(zone)}/${level(unit)}`,
  /** @type {(unit: unknown) => string} */
  unitAlert: (unit) => `${ROOT}/unit/${level(unit)}/alert`,
  /** @type {(zone: unknown) => string} */
  zoneAlert: (zone) => `${ROOT}/zone/${level(zone)}/alert`,
  opsAlert: `${ROOT}/ops/alert`,
  opsRollcall: `${ROOT}/ops/rollcall`,
  /** @type {(call: unknown) => string} */
  rollcallResult: (call) => `${ROOT}/rollcall/${level(call)}/result`,
};

/**
 * MQTT filter matching with + and #.
 * @param {string} filter
 * @param {string} topic
 */
function matches(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * "a, b ,c" → ['a','b','c']; empty → null (= any).
 * @param {unknown} value
 * @returns {string[] | null}
 */
function list(value) {
  if (value === undefined || value === null) return null;
  const items = (Array.isArray(value) ? value : String(value).split(','))
    .map((s) => String(s).trim())
    .filter((s) => s !== '' && s !== '*' && s !== '+');
  return items.length ? items : null;
}

/**
 * JSON payloads parsed, anything else as text.
 * @param {Buffer | string} buf
 * @returns {unknown}
 */
function parsePayload(buf) {
  const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : String(buf);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A parsed payload that is a JSON object, else null.
 * @param {unknown} v
 * @returns {Record<string, unknown> | null}
 */
function asRecord(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? /** @type {Record<string, unknown>} */ (v)
    : null;
}

module.exports = { topics, matches, list, parsePayload, asRecord, EVENT_KINDS, ALERT_KINDS, ALERT_STATES };
