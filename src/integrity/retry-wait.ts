/**
 * The trade backfill's wait between fetch attempts: a timer (injectable, for fake-timer tests)
 * that ends early when there is news (the next live trade arrived, a reconnect, close()).
 */
import type { IntegrityTimers } from './timers.js';

export class RetryWait {
  private timer: unknown = null;
  private done: (() => void) | null = null;

  constructor(private readonly timers: IntegrityTimers) {}

  /** Resolves after ms, or at the next wake(). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.timer !== null) this.timers.clearTimeout(this.timer);
        this.timer = null;
        this.done = null;
        resolve();
      };
      this.done = done;
      this.timer = this.timers.setTimeout(done, ms);
    });
  }

  /** Ends the current wait now (nothing when none runs). */
  wake(): void {
    this.done?.();
  }
}
