/**
 * GPL/1, protocol.md §2: `$GP,<device>,<TYPE>,<field>,…*<CS>` where CS is
 * the XOR of every byte between `$` and `*`, as two hex digits (either case).
 */
import type { Decoded, DeviceCommand, DeviceMessage } from '../../gateway/src/model/event.js';
import {
  isId,
  parseIntText,
  parseUint32Text,
  RSSI_MAX,
  RSSI_MIN,
  SEQ_REASON,
  UID_REASON,
  uidOrNull,
} from './fields.js';
import {
  checkLineText,
  fail,
  type LineContext,
  type LineDriver,
  MAX_LINE_BYTES,
  stripTerminator,
} from './line.js';

/** XOR of the char codes of `body` (the text between `$` and `*`). */
export function gplChecksum(body: string): string {
  let cs = 0;
  for (let i = 0; i < body.length; i++) cs ^= body.charCodeAt(i) & 0xff;
  return cs.toString(16).toUpperCase().padStart(2, '0');
}

/** `$<body>*<CS>\r\n` */
export function gplLine(body: string): string {
  return `$${body}*${gplChecksum(body)}\r\n`;
}

const FIELD_NAMES: Record<string, string> = {
  TAP: 'uid,seq',
  PANIC: 'PRESSED|RELEASED,seq',
  RC: 'call,uid,seq',
  HB: 'battery,rssi,tamper',
  RCSTART: 'call,deadline',
};

/** Frame checks and split: `[device, TYPE, ...fields]`, or a reason (also used by the dock driver). */
export function unframe(raw: string): Decoded<{ device: string; type: string; fields: string[] }> {
  const line = stripTerminator(raw);
  const textProblem = checkLineText(line, MAX_LINE_BYTES);
  if (textProblem) return fail(textProblem);
  if (line[0] !== '$') return fail('missing "$" at start of line');
  const star = line.lastIndexOf('*');
  if (star < 0) return fail('missing "*" before checksum');
  const cs = line.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(cs)) return fail(`checksum must be two hex digits after "*" (got "${cs}")`);
  const body = line.slice(1, star);
  const computed = gplChecksum(body);
  if (cs.toUpperCase() !== computed)
    return fail(`bad checksum: line says ${cs.toUpperCase()}, computed ${computed}`);
  if (body.includes('*')) return fail('"*" inside fields');
  if (body.includes('$')) return fail('"$" inside fields');
  const parts = body.split(',');
  if (parts[0] !== 'GP') return fail(`not a GPL/1 line (starts "$${parts[0] ?? ''}", expected "$GP")`);
  const device = parts[1] ?? '';
  if (parts.length < 3) return fail('missing TYPE');
  const shown = device.slice(0, 64);
  if (!isId(device)) return fail(`device: "${shown}" is not a valid id`);
  const type = parts[2] ?? '';
  return { ok: true, value: { device, type, fields: parts.slice(3) } };
}

function arity(type: string, fields: string[], n: number): string | null {
  return fields.length === n
    ? null
    : `${type}: expected ${n} fields (${FIELD_NAMES[type]}), got ${fields.length}`;
}

function decode(raw: string, ctx: LineContext): Decoded<DeviceMessage> {
  const framed = unframe(raw);
  if (!framed.ok) return framed;
  const { device, type, fields } = framed.value;
  if (!ctx.allowedDevices.has(device)) return fail(`device ${device} is not bound to this port`);
  switch (type) {
    case 'TAP': {
      const bad = arity(type, fields, 2);
      if (bad) return fail(bad);
      const [uidText = '', seqText = ''] = fields;
      const uid = uidOrNull(uidText);
      if (uid === null) return fail(`uid: ${UID_REASON}`);
      const seq = parseUint32Text(seqText);
      if (seq === null) return fail(SEQ_REASON);
      return { ok: true, value: { kind: 'tap', device, uid, seq, ts: null } };
    }
    case 'PANIC': {
      const bad = arity(type, fields, 2);
      if (bad) return fail(bad);
      const [stateText = '', seqText = ''] = fields;
      if (stateText !== 'PRESSED' && stateText !== 'RELEASED')
        return fail('state: must be PRESSED or RELEASED');
      const seq = parseUint32Text(seqText);
      if (seq === null) return fail(SEQ_REASON);
      const state = stateText === 'PRESSED' ? 'pressed' : 'released';
      return { ok: true, value: { kind: 'panic', device, state, seq, ts: null } };
    }
    case 'RC': {
      const bad = arity(type, fields, 3);
      if (bad) return fail(bad);
      const [call = '', uidText = '', seqText = ''] = fields;
      if (!isId(call)) return fail('call: must be an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
      const uid = uidOrNull(uidText);
      if (uid === null) return fail(`uid: ${UID_REASON}`);
      const seq = parseUint32Text(seqText);
      if (seq === null) return fail(SEQ_REASON);
      return { ok: true, value: { kind: 'rollcall', device, call, uid, seq, ts: null } };
    }
    case 'HB': {
      const bad = arity(type, fields, 3);
      if (bad) return fail(bad);
      const [batteryText = '', rssiText = '', tamperText = ''] = fields;
      const battery = parseIntText(batteryText, 0, 100);
      if (battery === undefined || batteryText.startsWith('-'))
        return fail('battery: must be an integer 0..100 or empty');
      const rssi = parseIntText(rssiText, RSSI_MIN, RSSI_MAX);
      if (rssi === undefined) return fail(`rssi: must be an integer ${RSSI_MIN}..${RSSI_MAX} or empty`);
      if (tamperText !== '' && tamperText !== '0' && tamperText !== '1')
        return fail('tamper: must be 0, 1 or empty');
      const tamper = tamperText === '' ? null : tamperText === '1';
      return { ok: true, value: { kind: 'heartbeat', device, battery, rssi, tamper, seq: null, ts: null } };
    }
    case 'RCSTART':
      return fail('RCSTART is a gateway command, not a device line');
    default:
      return fail(`unknown TYPE "${type.slice(0, 16)}" (expected TAP, PANIC, RC or HB)`);
  }
}

function encode(msg: DeviceMessage): string | null {
  switch (msg.kind) {
    case 'tap':
      return msg.seq === null ? null : gplLine(`GP,${msg.device},TAP,${msg.uid},${msg.seq}`);
    case 'panic':
      return gplLine(`GP,${msg.device},PANIC,${msg.state === 'pressed' ? 'PRESSED' : 'RELEASED'},${msg.seq}`);
    case 'rollcall':
      return gplLine(`GP,${msg.device},RC,${msg.call},${msg.uid},${msg.seq}`);
    case 'heartbeat': {
      const tamper = msg.tamper === null ? '' : msg.tamper ? '1' : '0';
      return gplLine(`GP,${msg.device},HB,${msg.battery ?? ''},${msg.rssi ?? ''},${tamper}`);
    }
    case 'status':
      return null; // a serial line has no status message: the port state says it
    case 'records':
      return null; // the dock driver's REC lines (dock.ts)
  }
}

function encodeCommand(device: string, command: DeviceCommand): string | null {
  if (command.kind !== 'rollcall') return null;
  if (!isId(device) || !isId(command.call)) return null;
  const deadlineS = Math.floor(command.deadline / 1000);
  if (!Number.isFinite(deadlineS) || deadlineS < 0) return null;
  return gplLine(`GP,${device},RCSTART,${command.call},${deadlineS}`);
}

function decodeCommand(raw: string): Decoded<{ device: string; command: DeviceCommand }> {
  const framed = unframe(raw);
  if (!framed.ok) return framed;
  const { device, type, fields } = framed.value;
  if (type !== 'RCSTART') return fail(`not a command: TYPE "${type.slice(0, 16)}" (expected RCSTART)`);
  const bad = arity(type, fields, 2);
  if (bad) return fail(bad);
  const [call = '', deadlineText = ''] = fields;
  if (!isId(call)) return fail('call: must be an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
  if (!/^\d{1,12}$/.test(deadlineText)) return fail('deadline: must be unix seconds');
  // RCSTART carries no unit: the terminal knows its own.
  return {
    ok: true,
    value: { device, command: { kind: 'rollcall', call, deadline: Number(deadlineText) * 1000, unit: '' } },
  };
}

function deviceHint(raw: string, ctx: LineContext): string | null {
  const m = /^\$GP,([^,*]{1,64})[,*]/.exec(raw);
  const device = m?.[1];
  return device !== undefined && isId(device) && ctx.allowedDevices.has(device) ? device : null;
}

export const gplDriver: LineDriver = {
  name: 'gpl',
  maxLineBytes: MAX_LINE_BYTES,
  decode,
  encode,
  encodeCommand,
  decodeCommand,
  deviceHint,
};
