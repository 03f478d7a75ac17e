/**
 * A journal follower's waiting (follower.ts): for a journal commit
 * notification (then a short linger to gather more entries), for the poll
 * interval, or for a backoff that only stop() interrupts.
 */
export class Waker {
  private committed = false;
  private resolveWait: (() => void) | null = null;

  /** `stopping` is read on every wait: once true, sleeps end. */
  constructor(private readonly stopping: () => boolean) {}

  /** A commit notification (`committed`) or stop() (`false`). */
  wake(committed: boolean): void {
    if (committed) this.committed = true;
    const resolve = this.resolveWait;
    this.resolveWait = null;
    resolve?.();
  }

  /** Wait for a commit notification or `pollMs`; after a commit, linger `lingerMs` to batch more. */
  async idle(pollMs: number, lingerMs: number): Promise<void> {
    if (!this.committed) await this.waitForWake(pollMs);
    if (this.committed && !this.stopping() && lingerMs > 0) await this.sleep(lingerMs);
    this.committed = false;
  }

  /** Sleep that only stop() interrupts. */
  async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping() && Date.now() < until) {
      const saved = this.committed;
      await this.waitForWake(until - Date.now());
      this.committed = saved || this.committed;
    }
  }

  private waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolveWait = null;
        resolve();
      }, ms);
      this.resolveWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
