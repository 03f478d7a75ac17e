/**
 * Offline wand records (docs/protocol-extensions.md "Offline wands"): the
 * JSON payload of gp/v1/dev/{wand}/records and the GPL `REC` line of the dock
 * driver. A record is one stored read: uid, device time, seq. Pure, never
 * throws; a batch keeps its good records and names each bad one by index, so
 * nothing a device sent in good form is lost for a neighbour's fault.
 */
import type { Decoded, DeviceMessage, OfflineRecord } from '../../gateway/src/model/event.js';
import { isRfc3339, isUint32, SEQ_REASON, UID_REASON, uidOrNull } from './fields.js';

/** At most this many records per message. */
export const MAX_RECORDS = 1000;
/**
 * Largest records payload. 1,000 records with `ts` in unix seconds take about
 * 52 KB, inside the default 64 KiB MQTT packet limit (gateway.limits.maxPacketKB).
 */
export const MAX_RECORDS_BYTES = 128 * 1024;
/** Device times before 2000-01-01 are a wand whose clock was never set. */
export const MIN_RECORD_TS = Date.UTC(2000, 0, 1);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `ts`: unix seconds (number, may have a fraction) or an RFC 3339 string → epoch ms, or a reason. */
export function recordTime(v: unknown): number | string {
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return 'ts: must be unix seconds or an RFC 3339 string';
    ms = Math.round(v * 1000);
  } else if (typeof v === 'string') {
    if (!isRfc3339(v)) return 'ts: must be unix seconds or an RFC 3339 string';
    ms = Date.parse(v.toUpperCase());
  } else return 'ts: required (unix seconds or an RFC 3339 string)';
  if (!Number.isFinite(ms) || ms < MIN_RECORD_TS) return 'ts: before 2000-01-01 (wand clock not set)';
  return ms;
}

function decodeRecord(v: unknown): OfflineRecord | string {
  if (!isObject(v)) return 'must be an object {uid, ts, seq}';
  for (const key of Object.keys(v)) {
    if (key !== 'uid' && key !== 'ts' && key !== 'seq') return `unknown field "${key.slice(0, 32)}"`;
  }
  if (typeof v.uid !== 'string') return 'uid: required string';
  const uid = uidOrNull(v.uid);
  if (uid === null) return `uid: ${UID_REASON}`;
  if (!isUint32(v.seq)) return SEQ_REASON;
  const ts = recordTime(v.ts);
  if (typeof ts === 'string') return ts;
  return { uid, ts, seq: v.seq + 0 };
}

/** The records payload: `{"records": [{"uid", "ts", "seq"}, …]}`, 1 to 1,000 of them. */
export function decodeRecordsPayload(device: string, payload: Buffer): Decoded<DeviceMessage> {
  if (payload.length > MAX_RECORDS_BYTES) {
    return fail(`payload too large (${payload.length} > ${MAX_RECORDS_BYTES} bytes)`);
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return fail('invalid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('invalid JSON');
  }
  if (!isObject(parsed)) return fail('payload must be a JSON object');
  for (const key of Object.keys(parsed)) {
    if (key !== 'records') return fail(`unknown field "${key.slice(0, 32)}" (expected only "records")`);
  }
  const list = parsed.records;
  if (!Array.isArray(list)) return fail('records: required array');
  if (list.length === 0) return fail('records: empty');
  if (list.length > MAX_RECORDS) return fail(`records: ${list.length} > ${MAX_RECORDS} per message`);
  const records: OfflineRecord[] = [];
  const invalid: { index: number; reason: string }[] = [];
  list.forEach((item: unknown, index) => {
    const r = decodeRecord(item);
    if (typeof r === 'string') invalid.push({ index, reason: `records[${index}]: ${r}` });
    else records.push({ ...r, index });
  });
  if (records.length === 0) return fail(invalid[0]?.reason ?? 'records: none valid');
  return { ok: true, value: { kind: 'records', device, records, invalid } };
}

/** Device side (simulators): the payload of records, `ts` in unix seconds. */
export function encodeRecordsPayload(records: readonly OfflineRecord[]): string {
  return JSON.stringify({
    records: records.map((r) => ({ uid: r.uid, ts: r.ts / 1000, seq: r.seq })),
  });
}
