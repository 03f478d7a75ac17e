/**
 * CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final xor): the
 * checksum SIA DC-09 puts in front of every frame, over the bytes from the
 * opening quote of the token to the end of the message (the `\r` excluded).
 */

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/ARC of an ASCII string (each char taken as one byte, latin1). */
export function crc16arc(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    crc = (crc >>> 8) ^ (TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0);
  }
  return crc;
}

/** Four upper-case hex digits. */
export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
