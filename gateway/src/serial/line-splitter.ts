/**
 * A bounded line splitter for serial bytes. Unlike ReadlineParser it never
 * buffers more than `maxLineBytes` (+1 for a trailing \r): a line that grows
 * past the bound is reported once and skipped up to the next \n, and
 * `reset()` drops a half line (on unplug) so it is never glued to the first
 * line after a reopen. Lines are decoded as latin1: one char per byte, so
 * drivers can count bytes and spot non-ASCII.
 */
export interface LineSink {
  line(text: string): void;
  /** A line exceeded the bound; its bytes are being dropped up to the next newline. */
  overflow(): void;
}

export class BoundedLineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping && end > start) {
        // +1: room for the \r of a \r\n terminator
        if (this.size + (end - start) > this.maxLineBytes + 1) {
          this.skipping = true;
          this.parts = [];
          this.size = 0;
          this.sink.overflow();
        } else {
          this.parts.push(chunk.subarray(start, end));
          this.size += end - start;
        }
      }
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  /** Drop any half line; returns how many buffered bytes were dropped. */
  reset(): number {
    const dropped = this.size;
    this.parts = [];
    this.size = 0;
    this.skipping = false;
    return dropped;
  }

  /** Bytes of the current, unterminated line. */
  get pending(): number {
    return this.size;
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    let text = Buffer.concat(this.parts, this.size).toString('latin1');
    this.parts = [];
    this.size = 0;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.length > this.maxLineBytes) {
      this.sink.overflow();
      return;
    }
    this.sink.line(text);
  }
}
