/**
 * Sequence numbers for readers that send none (uid-line). The gateway
 * dedupes (device, seq) for 10 minutes, so a counter restarting at 0 after a
 * gateway restart would swallow real taps as duplicates. Instead each seq is
 * at least the wall clock in milliseconds (mod 2^32) and strictly increasing
 * per device: fresh after a restart, unique unless a reader sends more than
 * a line per millisecond for a long stretch.
 */
const MOD = 2 ** 32;

export class SeqAllocator {
  private readonly last = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  next(device: string): number {
    const clock = Math.floor(this.now()) % MOD;
    const prev = this.last.get(device);
    let seq = clock;
    if (prev !== undefined) {
      const following = (prev + 1) % MOD;
      // modular "clock is not ahead of following": keep counting up from prev
      if ((clock - following + MOD) % MOD >= MOD / 2) seq = following;
    }
    this.last.set(device, seq);
    return seq;
  }
}
