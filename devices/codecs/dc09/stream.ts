/**
 * Splits a TCP byte stream into DC-09 frames (`\n` … `\r`) with a bounded
 * buffer: bytes outside a frame are counted as garbage and dropped, a frame
 * longer than the limit is dropped whole (counted as oversize) and the
 * splitter waits for the next `\n`. Memory never exceeds `maxFrame` chars,
 * whatever a hostile peer sends (huge answers, trickled bytes, binary noise).
 */
import { MAX_FRAME_CHARS } from './frame.js';

export class FrameSplitter {
  private buf = '';
  private inFrame = false;
  /** Bytes dropped between frames. */
  garbage = 0;
  /** Frames dropped for exceeding the limit. */
  oversize = 0;

  constructor(private readonly maxFrame: number = MAX_FRAME_CHARS) {}

  /** Feed a chunk; returns the complete frames it finished (without `\n`/`\r`). */
  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: string[] = [];
    let i = 0;
    while (i < text.length) {
      if (!this.inFrame) {
        const start = text.indexOf('\n', i);
        if (start < 0) {
          this.garbage += text.length - i;
          break;
        }
        this.garbage += start - i;
        this.inFrame = true;
        this.buf = '';
        i = start + 1;
        continue;
      }
      const end = text.indexOf('\r', i);
      const stop = end < 0 ? text.length : end;
      // a new `\n` before the `\r` restarts the frame (a truncated frame followed by a good one)
      const restart = text.lastIndexOf('\n', stop - 1);
      if (restart >= i) {
        this.garbage += this.buf.length + (restart - i);
        this.buf = '';
        i = restart + 1;
        continue;
      }
      if (this.buf.length + (stop - i) > this.maxFrame) {
        this.oversize++;
        this.buf = '';
        this.inFrame = false;
        i = stop + (end < 0 ? 0 : 1);
        if (end < 0) {
          // keep discarding until the next `\n`: the rest of this chunk is garbage
          this.garbage += text.length - i;
          break;
        }
        continue;
      }
      this.buf += text.slice(i, stop);
      if (end < 0) break;
      out.push(this.buf);
      this.buf = '';
      this.inFrame = false;
      i = end + 1;
    }
    return out;
  }

  /** Characters held for an unfinished frame. */
  get buffered(): number {
    return this.buf.length;
  }
}
