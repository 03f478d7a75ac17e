/**
 * Batching of a dock's REC lines (docs/serial.md "Dock"): the dock driver
 * decodes each REC line to a one-record `records` message; consecutive ones
 * of a wand are gathered into one message of up to 1,000 records, handed on
 * when full, when a line of another kind or wand comes, or `lingerMs` after
 * the last REC line. So an upload is a few inputs through the bulk lane, not
 * one per line, and the memory it holds is bounded by one batch per port.
 */
import { MAX_RECORDS } from '../../../devices/codecs/records.js';
import type { DeviceMessage } from '../model/event.js';

type Records = Extract<DeviceMessage, { kind: 'records' }>;

export class RecordBatcher {
  private batch: Records | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: (msg: DeviceMessage) => void,
    private readonly lingerMs = 50,
  ) {}

  /** Take one decoded line: records are gathered, anything else flushes the batch and goes on. */
  push(msg: DeviceMessage): void {
    if (msg.kind !== 'records') {
      this.flush();
      this.send(msg);
      return;
    }
    if (this.batch && this.batch.device !== msg.device) this.flush();
    if (!this.batch) this.batch = { kind: 'records', device: msg.device, records: [], invalid: [] };
    this.batch.records.push(...msg.records);
    if (this.batch.records.length >= MAX_RECORDS) {
      this.flush();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.lingerMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.batch;
    this.batch = null;
    if (batch && batch.records.length > 0) this.send(batch);
  }
}
