/**
 * The `dock` serial driver (docs/serial.md "Dock"): the cradle an offline
 * patrol wand (巡更棒) sits in to upload its memory speaks GPL/1 and adds one
 * line type, `$GP,<wand>,REC,<uid>,<unix ts>,<seq>*CS`, one stored read per
 * line. Every other GPL/1 line (TAP, HB…) is decoded as the gpl driver does.
 * A REC line decodes to a one-record `records` message; the serial transport
 * gathers consecutive ones into batches (gateway/src/serial/records-batch.ts).
 */
import type { Decoded, DeviceMessage } from '../../gateway/src/model/event.js';
import { parseUint32Text, SEQ_REASON, UID_REASON, uidOrNull } from './fields.js';
import { gplDriver, gplLine, unframe } from './gpl.js';
import { fail, type LineContext, type LineDriver } from './line.js';
import { MIN_RECORD_TS } from './records.js';

function decode(raw: string, ctx: LineContext): Decoded<DeviceMessage> {
  const framed = unframe(raw);
  if (!framed.ok) return framed;
  const { device, type, fields } = framed.value;
  if (type !== 'REC') return gplDriver.decode(raw, ctx);
  if (!ctx.allowedDevices.has(device)) return fail(`device ${device} is not bound to this port`);
  if (fields.length !== 3) return fail(`REC: expected 3 fields (uid,ts,seq), got ${fields.length}`);
  const [uidText = '', tsText = '', seqText = ''] = fields;
  const uid = uidOrNull(uidText);
  if (uid === null) return fail(`uid: ${UID_REASON}`);
  if (!/^\d{1,11}$/.test(tsText)) return fail('ts: must be unix seconds');
  const ts = Number(tsText) * 1000;
  if (ts < MIN_RECORD_TS) return fail('ts: before 2000-01-01 (wand clock not set)');
  const seq = parseUint32Text(seqText);
  if (seq === null) return fail(SEQ_REASON);
  return { ok: true, value: { kind: 'records', device, records: [{ uid, ts, seq }], invalid: [] } };
}

function encode(msg: DeviceMessage): string | null {
  if (msg.kind !== 'records') return gplDriver.encode(msg);
  return msg.records
    .map((r) => gplLine(`GP,${msg.device},REC,${r.uid},${Math.floor(r.ts / 1000)},${r.seq}`))
    .join('');
}

export const dockDriver: LineDriver = {
  name: 'dock',
  maxLineBytes: gplDriver.maxLineBytes,
  decode,
  encode,
  encodeCommand: gplDriver.encodeCommand,
  decodeCommand: gplDriver.decodeCommand,
  deviceHint: gplDriver.deviceHint,
};
