/**
 * One trade backfill episode (from the first missing id until the stream is whole again): what it
 * fetched, its rate, and when a progress report is due (at most every intervalMs, and once at
 * the end when the episode was long enough to have reported at all).
 */
export class BackfillEpisode {
  fetched = 0;
  pages = 0;
  private lastReportAt: number;

  constructor(
    readonly fromId: number,
    readonly startedAt: number,
    private readonly intervalMs: number,
  ) {
    this.lastReportAt = startedAt;
  }

  page(rows: number): void {
    this.pages++;
    this.fetched += rows;
  }

  /** Trades fetched per second since the start. */
  rate(now: number): number {
    return this.fetched / Math.max(0.001, (now - this.startedAt) / 1000);
  }

  /** True when a report is due now (and counts it as made). */
  reportDue(now: number, done: boolean): boolean {
    if (done ? now - this.startedAt < this.intervalMs : now - this.lastReportAt < this.intervalMs) return false;
    this.lastReportAt = now;
    return true;
  }
}
