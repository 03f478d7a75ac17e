/**
 * uid-line, protocol.md §2: a plain card/tag reader that prints one UID per
 * line (hex, optional `:`/`-` separators, surrounding spaces tolerated). The
 * port binds exactly one reader; it sends no seq, so the gateway assigns one.
 */
import type { Decoded, DeviceMessage } from '../../gateway/src/model/event.js';
import { UID_REASON, uidOrNull } from './fields.js';
import {
  checkLineText,
  fail,
  type LineContext,
  type LineDriver,
  MAX_LINE_BYTES,
  stripTerminator,
} from './line.js';

function onlyDevice(ctx: LineContext): Decoded<string> {
  if (ctx.allowedDevices.size !== 1) {
    return fail(`uid-line port must bind exactly one device (has ${ctx.allowedDevices.size})`);
  }
  const [device] = ctx.allowedDevices;
  return device === undefined ? fail('uid-line port binds no device') : { ok: true, value: device };
}

function decode(raw: string, ctx: LineContext): Decoded<DeviceMessage> {
  const line = stripTerminator(raw);
  const textProblem = checkLineText(line, MAX_LINE_BYTES);
  if (textProblem) return fail(textProblem);
  const device = onlyDevice(ctx);
  if (!device.ok) return device;
  const trimmed = line.trim();
  if (trimmed === '') return fail('empty line');
  const uid = uidOrNull(trimmed);
  if (uid === null) return fail(`uid: ${UID_REASON}`);
  // Only a valid line consumes a seq.
  return {
    ok: true,
    value: { kind: 'tap', device: device.value, uid, seq: ctx.nextSeq(device.value), ts: null },
  };
}

export const uidLineDriver: LineDriver = {
  name: 'uid-line',
  maxLineBytes: MAX_LINE_BYTES,
  decode,
  encode: (msg) => (msg.kind === 'tap' ? `${msg.uid}\r\n` : null),
  encodeCommand: () => null, // a bare reader takes no commands
  decodeCommand: () => fail('uid-line has no commands'),
  deviceHint: (_line, ctx) => {
    const device = onlyDevice(ctx);
    return device.ok ? device.value : null;
  },
};
