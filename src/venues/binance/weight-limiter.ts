/**
 * Binance REST weight budget. Binance counts request weight per IP in fixed one-minute windows
 * and reports the running total in X-MBX-USED-WEIGHT-1M; we add each request's weight before
 * sending, trust the header after, and wait for the next window instead of crossing the budget.
 * A 429/418 sets a hard pause until its Retry-After has passed.
 */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const WINDOW_MS = 60_000;

export class WeightLimiter {
  private windowStart = 0;
  private used = 0;
  private pausedUntil = 0;
  waitedMs = 0;
  waits = 0;

  constructor(
    private readonly budgetPerMinute: number,
    private readonly clock: LimiterClock = realClock,
  ) {}

  /**
   * Resolves when `weight` fits the current window (and no rate-limit pause is active).
   * `share` < 1 caps this caller at that part of the budget (bulk backfill pages), so the rest
   * stays free for requests that cannot wait a minute (depth snapshots).
   */
  async acquire(weight: number, share = 1): Promise<void> {
    const cap = Math.max(1, Math.floor(this.budgetPerMinute * Math.min(1, Math.max(0, share))));
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.wait(this.pausedUntil - now);
        continue;
      }
      this.roll(now);
      if (this.used + weight <= cap || this.used === 0) {
        this.used += weight;
        return;
      }
      await this.wait(this.windowStart + WINDOW_MS - now);
    }
  }

  /** The venue's own count for the current window (header X-MBX-USED-WEIGHT-1M). */
  observeUsed(used: number): void {
    this.roll(this.clock.now());
    if (Number.isFinite(used) && used >= 0) this.used = used;
  }

  /** Stop every request until `ms` from now (429/418 Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  usedWeight(): number {
    this.roll(this.clock.now());
    return this.used;
  }

  private roll(now: number): void {
    const start = now - (now % WINDOW_MS);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }

  private async wait(ms: number): Promise<void> {
    const d = Math.max(1, ms);
    this.waits++;
    this.waitedMs += d;
    await this.clock.sleep(d);
  }
}
