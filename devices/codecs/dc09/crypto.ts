/**
 * DC-09 encryption (`*SIA-DCS`, `*ADM-CID`, `*NULL`, `*ACK`): AES-CBC with a
 * zero IV over everything after the `[` of the data block, hex encoded. The
 * plaintext is padded at the FRONT with 1..16 random printable characters
 * (never `[`, `]` or `|`) to a multiple of 16 bytes; a message with data puts
 * a `|` between the pad and the data, so a receiver strips the pad up to the
 * first `|` (or, for an empty data block such as NULL, up to the `]`).
 * Keys are 16, 24 or 32 ASCII characters (AES-128/192/256).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV = Buffer.alloc(16);

/** Random bytes source (injectable for deterministic tests). */
export type RandomBytes = (n: number) => Uint8Array;

export function keyProblem(key: string): string | null {
  if (![16, 24, 32].includes(key.length)) return 'key: must be 16, 24 or 32 characters';
  if (!/^[\x21-\x7e]+$/.test(key)) return 'key: printable ASCII characters only';
  return null;
}

function algorithm(key: string): string {
  return `aes-${key.length * 8}-cbc`;
}

/** Printable ASCII 0x21..0x7E without `[` `]` `|`: 91 characters. */
const PAD_CHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
  .filter((c) => c !== '[' && c !== ']' && c !== '|')
  .join('');

export function padChars(n: number, random: RandomBytes = randomBytes): string {
  const bytes = random(n);
  let s = '';
  for (let i = 0; i < n; i++) s += PAD_CHARS[(bytes[i] ?? 0) % PAD_CHARS.length];
  return s;
}

/**
 * Encrypt the tail of a frame: `content` is what follows `[` in plain form
 * (`data]` + extended data + timestamp). Returns upper-case hex.
 */
export function encryptContent(content: string, key: string, random: RandomBytes = randomBytes): string {
  const body = content.startsWith(']') ? content : `|${content}`;
  const pad = 16 - (body.length % 16);
  const plain = padChars(pad, random) + body;
  const cipher = createCipheriv(algorithm(key), Buffer.from(key, 'latin1'), IV);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain, 'latin1'), cipher.final()])
    .toString('hex')
    .toUpperCase();
}

/** Decrypt and strip the pad; the result has the plain form (`data]…`). */
export function decryptContent(
  hex: string,
  key: string,
): { ok: true; value: string } | { ok: false; reason: string } {
  if (hex.length === 0 || hex.length % 32 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) {
    return { ok: false, reason: 'encrypted: not a hex multiple of 16 bytes' };
  }
  let plain: string;
  try {
    const decipher = createDecipheriv(algorithm(key), Buffer.from(key, 'latin1'), IV);
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]).toString('latin1');
  } catch {
    return { ok: false, reason: 'encrypted: cannot decrypt' };
  }
  // a wrong key yields bytes, not text: everything must be printable ASCII
  if (!/^[\x20-\x7e]+$/.test(plain)) return { ok: false, reason: 'encrypted: wrong key (not text)' };
  const bar = plain.indexOf('|');
  const close = plain.indexOf(']');
  const sep = bar >= 0 && (close < 0 || bar < close) ? bar : close;
  if (sep >= 0 && sep <= 16 && !plain.slice(0, sep).includes('[')) {
    return { ok: true, value: sep === bar ? plain.slice(sep + 1) : plain.slice(sep) };
  }
  return { ok: false, reason: 'encrypted: wrong key (no pad separator)' };
}
