/**
 * Ground truth: every trade and book update the simulator produced, per venue and symbol, with
 * how many times each was published on its stream (0 = skipped by a fault, 2 = repeated), so a
 * test can account for each one: delivered, lost, duplicated. Bounded columnar rings per symbol
 * (trade-ring.ts) plus running counts; the Binance REST history reads the same rings.
 */
import type { VenueId } from './faults.js';
import { C_FIRST, C_LAST, C_PREV, C_PUB, C_TIME as D_TIME, DepthRing } from './depth-ring.js';
import { TradeRing, type TradeCodec, type TradeRow, type TradeSummary } from './trade-ring.js';

/** One trade as ground truth holds it (the ring's row, see trade-ring.ts). */
export type TruthTrade = TradeRow;

export interface TruthDepthUpdate {
  /** First and last book update id in the event (Binance U/u; Bybit: seq range, u in `u`). */
  readonly firstId: number;
  readonly lastId: number;
  readonly prevLastId: number | null;
  readonly timeMs: number;
  published: number;
}

export interface TruthBook {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly lastUpdateId: number;
  /** [price, size] as exact decimal strings, best first. */
  readonly bids: ReadonlyArray<readonly [string, string]>;
  readonly asks: ReadonlyArray<readonly [string, string]>;
}

export type BookProvider = (venue: VenueId, symbol: string) => TruthBook | null;

export interface TradeQuery {
  readonly fromId?: number;
  readonly toId?: number;
  readonly limit?: number;
}

export class GroundTruth {
  private readonly tradeRings = new Map<string, TradeRing>();
  private readonly depthRings = new Map<string, DepthRing>();
  private bookProvider: BookProvider = () => null;
  private counts = { trades: 0, depthUpdates: 0 };

  /** `capPerSymbol`: trades (and depth events) held per (venue, symbol); older ones are evicted. */
  constructor(private readonly capPerSymbol: number) {}

  setBookProvider(provider: BookProvider): void {
    this.bookProvider = provider;
  }

  private key(venue: VenueId, symbol: string): string {
    return `${venue}:${symbol.toUpperCase()}`;
  }

  /**
   * The trade ring of a symbol, created on first use; with a codec it records integer units
   * (recordUnits), which is what the venues' hot paths and REST history use.
   */
  tradeRing(venue: VenueId, symbol: string, codec: TradeCodec | null = null): TradeRing {
    const key = this.key(venue, symbol);
    let r = this.tradeRings.get(key);
    if (!r) {
      r = new TradeRing(this.capPerSymbol, codec);
      this.tradeRings.set(key, r);
    }
    return r;
  }

  /** Fast path for venues holding the ring: one trade in integer units. */
  recordTradeUnits(ring: TradeRing, id: number, aggId: number | null, priceUnits: number, qtyUnits: number, timeMs: number, buyerMaker: boolean | null, published: number): void {
    ring.recordUnits(id, aggId, priceUnits, qtyUnits, timeMs, buyerMaker, published);
    this.counts.trades++;
  }

  recordTrade(venue: VenueId, symbol: string, trade: TruthTrade): TruthTrade {
    this.tradeRing(venue, symbol).record(trade);
    this.counts.trades++;
    return trade;
  }

  recordDepth(venue: VenueId, symbol: string, update: TruthDepthUpdate): TruthDepthUpdate {
    const key = this.key(venue, symbol);
    let r = this.depthRings.get(key);
    if (!r) {
      r = new DepthRing(this.capPerSymbol);
      this.depthRings.set(key, r);
    }
    r.record(update);
    this.counts.depthUpdates++;
    return update;
  }

  /** Trades of a symbol oldest first (copies), optionally an id range [fromId, toId]. */
  trades(venue: VenueId, symbol: string, q: TradeQuery = {}): TruthTrade[] {
    const r = this.tradeRings.get(this.key(venue, symbol));
    if (!r) return [];
    const out: TruthTrade[] = [];
    for (let i = q.fromId !== undefined ? r.indexOfId(q.fromId) : 0; i < r.size; i++) {
      const t = r.row(i);
      if (q.toId !== undefined && t.id > q.toId) break;
      out.push(t);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  lastTrade(venue: VenueId, symbol: string): TruthTrade | undefined {
    return this.tradeRings.get(this.key(venue, symbol))?.last();
  }

  /** Counts over every trade ever recorded for a symbol (evicted ones too) and the held window. */
  summary(venue: VenueId, symbol: string): TradeSummary | undefined {
    return this.tradeRings.get(this.key(venue, symbol))?.summary();
  }

  depthUpdates(venue: VenueId, symbol: string): TruthDepthUpdate[] {
    const r = this.depthRings.get(this.key(venue, symbol));
    if (!r) return [];
    const out: TruthDepthUpdate[] = [];
    for (let i = 0; i < r.size; i++) {
      const prev = r.col(C_PREV, i);
      out.push({ firstId: r.col(C_FIRST, i), lastId: r.col(C_LAST, i), prevLastId: Number.isNaN(prev) ? null : prev, timeMs: r.col(D_TIME, i), published: r.col(C_PUB, i) });
    }
    return out;
  }

  /** The simulator's own exact current book (what a correct client's book must equal). */
  book(venue: VenueId, symbol: string): TruthBook | null {
    return this.bookProvider(venue, symbol.toUpperCase());
  }

  /** Symbols with recorded trades per venue. */
  symbols(venue: VenueId): string[] {
    const out: string[] = [];
    for (const [key, r] of this.tradeRings) if (key.startsWith(`${venue}:`) && r.size > 0) out.push(key.slice(venue.length + 1));
    return out.sort();
  }

  /** Totals, and the bytes the rings hold (bounded by cap x symbols). */
  stats(): { trades: number; depthUpdates: number; rings: number; bytes: number } {
    let bytes = 0;
    for (const r of this.tradeRings.values()) bytes += r.bytes();
    for (const r of this.depthRings.values()) bytes += r.bytes();
    return { ...this.counts, rings: this.tradeRings.size + this.depthRings.size, bytes };
  }
}
