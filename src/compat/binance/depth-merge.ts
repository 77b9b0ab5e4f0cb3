/**
 * The 1000 ms diff-depth stream (`<s>@depth`) from tickgate's 100 ms deltas: the deltas of one
 * period merged into one (U of the first, u of the last, the last size of each level), as
 * Binance's slower stream is (spot chains by U = previous u + 1, USD-M by pu = previous u).
 * A discontinuity (a resync upstream) is never merged over: the
 * batch before it goes out first, so the client sees the same U/u jump.
 */
import type { BookDelta, Level } from '../../model/events.js';
import { priceKey } from '../../integrity/order-book.js';

export class DepthMerge {
  private first: BookDelta | null = null;
  private last: BookDelta | null = null;
  private readonly bids = new Map<string, Level>();
  private readonly asks = new Map<string, Level>();

  /** Adds a delta; returns the batch to send now when the delta does not continue it. */
  add(d: BookDelta): BookDelta | null {
    const out = this.last !== null && !continues(this.last, d) ? this.take() : null;
    this.first ??= d;
    this.last = d;
    for (const l of d.bids) this.bids.set(priceKey(l[0]), l);
    for (const l of d.asks) this.asks.set(priceKey(l[0]), l);
    return out;
  }

  /** The merged batch of the period (null when nothing changed). */
  take(): BookDelta | null {
    if (this.first === null || this.last === null) return null;
    // U and (USD-M) pu of the first delta, u of the last: the batch chains as its parts did.
    const merged: BookDelta = { ...this.last, firstUpdateId: this.first.firstUpdateId, prevUpdateId: this.first.prevUpdateId, bids: [...this.bids.values()], asks: [...this.asks.values()] };
    this.first = this.last = null;
    this.bids.clear();
    this.asks.clear();
    return merged;
  }
}

/** Whether `d` follows `prev` without a hole (USD-M's pu when the venue sends it, else U/u). */
function continues(prev: BookDelta, d: BookDelta): boolean {
  return d.prevUpdateId !== null ? d.prevUpdateId === prev.lastUpdateId : d.firstUpdateId <= prev.lastUpdateId + 1;
}
