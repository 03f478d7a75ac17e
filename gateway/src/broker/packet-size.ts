/**
 * Packet size watch on an inbound MQTT byte stream (any version): reads only
 * each packet's fixed header (type byte + variable-length remaining length)
 * and skips the body, so a packet declaring more than the limit is caught as
 * soon as its header is complete, before its body is buffered anywhere. Not a
 * parser: aedes and the MQTT 5 bridge parse the packets themselves.
 */

/** What a chunk told the watcher. */
export type SizeVerdict =
  | { ok: true }
  /** A packet of `size` bytes (fixed header included) was declared; more than the limit. */
  | { ok: false; reason: 'too-large'; size: number }
  /** The remaining length ran past 4 bytes (MQTT allows at most 4). */
  | { ok: false; reason: 'malformed' };

const OK: SizeVerdict = { ok: true };

export class PacketSizeWatcher {
  /** 0: expecting a type byte; 1: reading the remaining length; 2: skipping a body. */
  private state: 0 | 1 | 2 = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  /** Body bytes still to skip. */
  private skip = 0;
  private failed: SizeVerdict | null = null;

  /** `limit`: the largest packet accepted, in bytes, fixed header included (MQTT 5's "Maximum Packet Size"). */
  constructor(readonly limit: number) {}

  feed(chunk: Uint8Array): SizeVerdict {
    if (this.failed) return this.failed;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.state === 2) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        if (this.skip === 0) this.state = 0;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 0) {
        this.state = 1;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // state 1: one byte of the remaining length
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return this.fail({ ok: false, reason: 'malformed' });
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.limit) return this.fail({ ok: false, reason: 'too-large', size });
      this.skip = this.length;
      this.state = this.skip > 0 ? 2 : 0;
    }
    return OK;
  }

  private fail(v: SizeVerdict): SizeVerdict {
    this.failed = v;
    return v;
  }
}
