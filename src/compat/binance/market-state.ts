/**
 * What the Binance endpoint knows of the market, built from the same ordered events it forwards
 * to clients: recent trades and aggTrades per symbol (bounded rings, id order), the book (from
 * integrity's snapshots and applied deltas, so a REST snapshot shares the diff stream's
 * lastUpdateId space and is never ahead of what clients were sent), the last book ticker and
 * (USD-M) the last mark price.
 */
import type { BookTicker, MarkPrice, MarketEvent, Trade } from '../../model/events.js';
import { OrderBook } from '../../integrity/order-book.js';
import { CompactTradeRing } from '../../aggregate/compact-trade-ring.js';

export type TradeStream = 'trade' | 'aggTrade';

export class SymbolState {
  /** Columns, not the events themselves: 2 × tradesKept event objects per symbol kept the GC busy. */
  readonly trades: CompactTradeRing;
  readonly aggTrades: CompactTradeRing;
  readonly book: OrderBook;
  /** False until integrity's first snapshot, and again from a book_resync until the next one. */
  bookSynced = false;
  ticker: BookTicker | null = null;
  /** Last USD-M mark price update (REST premiumIndex). */
  mark: MarkPrice | null = null;
  readonly lastSeq: Record<TradeStream, number> = { trade: -1, aggTrade: -1 };

  constructor(readonly symbol: string, tradesKept: number, venue = '') {
    this.trades = new CompactTradeRing(venue, symbol, tradesKept);
    this.aggTrades = new CompactTradeRing(venue, symbol, tradesKept);
    this.book = new OrderBook(symbol);
  }

  ring(stream: TradeStream): CompactTradeRing {
    return stream === 'trade' ? this.trades : this.aggTrades;
  }
}

export interface MarketStateOptions {
  readonly venue: string;
  readonly tradesPerSymbol: number;
  /** Symbols tracked at most (configured plus on-demand ones); events of others are counted and ignored. */
  readonly maxSymbols: number;
}

export class MarketState {
  private readonly symbols = new Map<string, SymbolState>();
  readonly counters = { events: 0, ignoredSymbols: 0, staleTrades: 0 };

  constructor(private readonly opts: MarketStateOptions) {}

  get(symbol: string): SymbolState | undefined {
    return this.symbols.get(symbol);
  }

  symbolCount(): number {
    return this.symbols.size;
  }

  /**
   * Which Binance stream a trade belongs to. Backfilled trades (source "backfill") go to the
   * numbered stream whose last id they follow: trade ids and aggregate ids are separate spaces.
   */
  streamOf(s: SymbolState, t: Trade): TradeStream | null {
    if (t.source === 'trade' || t.source === 'aggTrade') return t.source;
    if (t.source !== 'backfill' || t.seq === null) return null;
    const a = s.lastSeq.trade;
    const b = s.lastSeq.aggTrade;
    if (a < 0 && b < 0) return null;
    if (a < 0) return 'aggTrade';
    if (b < 0) return 'trade';
    // The stream whose last id is the closest below this one.
    const da = t.seq > a ? t.seq - a : Infinity;
    const db = t.seq > b ? t.seq - b : Infinity;
    return da <= db ? 'trade' : 'aggTrade';
  }

  /**
   * Applies one event. Returns the symbol's state and, for a trade, its stream (null when the
   * event changed nothing a client sees).
   */
  apply(e: MarketEvent): { state: SymbolState; stream: TradeStream | null } | null {
    if (e.venue !== this.opts.venue) return null;
    const s = this.stateFor(e.symbol);
    if (s === undefined) return null;
    this.counters.events++;
    switch (e.type) {
      case 'trade': {
        const stream = this.streamOf(s, e);
        if (stream === null || e.seq === null) return null;
        // Id order is kept: a repeat or an older id (never expected after integrity) is not re-sent.
        if (e.seq <= s.lastSeq[stream]) {
          this.counters.staleTrades++;
          return null;
        }
        s.lastSeq[stream] = e.seq;
        s.ring(stream).push(e);
        return { state: s, stream };
      }
      case 'book_snapshot':
        s.book.applySnapshot(e.bids, e.asks, e.lastUpdateId);
        s.bookSynced = true;
        return { state: s, stream: null };
      case 'book_delta':
        if (s.bookSynced) s.book.applyDelta(e.bids, e.asks, e.lastUpdateId);
        return { state: s, stream: null };
      case 'book_resync':
        s.bookSynced = false;
        return { state: s, stream: null };
      case 'book_ticker':
        s.ticker = e;
        return { state: s, stream: null };
      case 'mark_price':
        s.mark = e;
        return { state: s, stream: null };
      default:
        return { state: s, stream: null };
    }
  }

  private stateFor(symbol: string): SymbolState | undefined {
    let s = this.symbols.get(symbol);
    if (s !== undefined) return s;
    if (this.symbols.size >= this.opts.maxSymbols) {
      this.counters.ignoredSymbols++;
      return undefined;
    }
    s = new SymbolState(symbol, this.opts.tradesPerSymbol, this.opts.venue);
    this.symbols.set(symbol, s);
    return s;
  }
}

/** Index of the first trade with seq >= id in an id-ordered ring (ring.size when none). */
export function lowerBoundSeq(ring: CompactTradeRing, id: number): number {
  let lo = 0;
  let hi = ring.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring.seqAt(mid) ?? -1) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first trade with eventTime >= t (trades are in id order, so in time order). */
export function lowerBoundTime(ring: CompactTradeRing, t: number): number {
  let lo = 0;
  let hi = ring.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.eventTimeAt(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
