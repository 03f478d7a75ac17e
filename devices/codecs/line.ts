/**
 * The contract of a serial line driver: one text line in (already split,
 * without its terminator), one DeviceMessage or a reason out. Drivers are
 * pure and never throw; the serial transport and the simulators share them.
 */
import type { Decoded, DeviceCommand, DeviceMessage } from '../../gateway/src/model/event.js';

export interface LineContext {
  /** Device ids bound to this port in the site config. */
  allowedDevices: ReadonlySet<string>;
  /** For drivers whose devices send no seq (uid-line): the gateway assigns one. */
  nextSeq(device: string): number;
}

export interface LineDriver {
  readonly name: string;
  /** Longest accepted line, terminator excluded. */
  readonly maxLineBytes: number;
  /** Device → gateway line (without \r\n; a trailing \r or \n is tolerated). */
  decode(line: string, ctx: LineContext): Decoded<DeviceMessage>;
  /** Gateway → device line with \r\n, or null when this driver has no such command. */
  encodeCommand(device: string, command: DeviceCommand): string | null;
  /** Device → gateway line with \r\n (simulators), or null when the driver cannot express the message. */
  encode(msg: DeviceMessage): string | null;
  /** Device side (simulators) reading a gateway command line. */
  decodeCommand(line: string): Decoded<{ device: string; command: DeviceCommand }>;
  /** Best guess of the device a (possibly bad) line came from, for reject reports. */
  deviceHint(line: string, ctx: LineContext): string | null;
}

export const MAX_LINE_BYTES = 256;

export function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** Strip one trailing \r\n / \n / \r. */
export function stripTerminator(line: string): string {
  if (line.endsWith('\r\n')) return line.slice(0, -2);
  if (line.endsWith('\n') || line.endsWith('\r')) return line.slice(0, -1);
  return line;
}

/**
 * Common checks of a raw line: empty, over-long, non-ASCII, control bytes.
 * Lines from the transport are latin1-decoded (one char per byte), so
 * `length` is the byte count.
 */
export function checkLineText(line: string, maxBytes: number): string | null {
  if (line.length === 0) return 'empty line';
  if (line.length > maxBytes) return `line too long (${line.length} > ${maxBytes} bytes)`;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c > 0x7e) return `non-ASCII byte 0x${hex2(c)} at column ${i + 1}`;
    if (c < 0x20) return `control byte 0x${hex2(c)} at column ${i + 1}`;
  }
  return null;
}

function hex2(c: number): string {
  return c > 0xff ? c.toString(16).toUpperCase() : c.toString(16).toUpperCase().padStart(2, '0');
}
