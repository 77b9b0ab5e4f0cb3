/**
 * Processor side: each trade reaches the pipeline once, whatever the stream holds. The stream's
 * duplicate window makes doubles rare, not impossible (a re-send later than the window, two
 * streams of history after a failover); and after a restart the processor re-reads from a
 * position at or before what storage holds. Per (venue, symbol, kind):
 * - a floor: trades at or below it are already in storage (the resume point of the aggregator
 *   seeded from storage), dropped;
 * - a bounded window of recent trade ids (not a high-water mark, so a trade that reached the
 *   stream late, after a higher id, is still delivered once instead of lost).
 * Events other than trades with a numeric id pass.
 */
import { DedupWindow } from '../integrity/dedup.js';
import type { MarketEvent } from '../model/events.js';
import { eventKind } from './event-identity.js';

export interface BusDedupStats {
  /** Trades at or below the storage floor (re-read after a restart). */
  belowFloor: number;
  /** Trades seen twice in the stream. */
  doubles: number;
}

export class BusDedup {
  private readonly floors = new Map<string, number>();
  private readonly window: DedupWindow;
  readonly stats: BusDedupStats = { belowFloor: 0, doubles: 0 };

  constructor(maxIdsPerStream: number) {
    this.window = new DedupWindow(maxIdsPerStream);
  }

  /** Trades of (venue, symbol) trade stream `kind` up to `id` are stored: drop them. */
  setFloor(venue: string, symbol: string, kind: string, id: number): void {
    this.floors.set(`${venue}|${symbol}|${kind}`, id);
  }

  /** True the first time a trade is seen above its floor; always true for other events. */
  admit(e: MarketEvent): boolean {
    if (e.type !== 'trade' || e.seq === null) return true;
    const k = `${e.venue}|${e.symbol}|${eventKind(e)}`;
    const floor = this.floors.get(k);
    if (floor !== undefined && e.seq <= floor) { this.stats.belowFloor++; return false; }
    if (!this.window.firstSeen(k, e.tradeId)) { this.stats.doubles++; return false; }
    return true;
  }
}
