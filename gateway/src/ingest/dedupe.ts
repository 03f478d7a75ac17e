/**
 * (device, seq) seen within the window (10 minutes by protocol.md §1.1).
 * Insertion order is time order, so expiry walks from the front.
 */
export class SeqDedupe {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs = 10 * 60_000) {}

  static key(device: string, seq: number): string {
    return `${device}\u0000${seq}`;
  }

  has(key: string, now: number): boolean {
    const at = this.seen.get(key);
    return at !== undefined && now - at <= this.windowMs;
  }

  add(key: string, at: number): void {
    this.seen.delete(key); // keep insertion order = time order
    this.seen.set(key, at);
  }

  expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at <= this.windowMs) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
