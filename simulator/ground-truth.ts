/**
 * Ground truth: every trade and book update the simulator produced, per venue and symbol, with
 * how many times each was published on its stream (0 = skipped by a fault, 2 = repeated), so a
 * test can account for each one: delivered, lost, duplicated. Bounded rings per symbol.
 */
import type { VenueId } from './faults.js';

export interface TruthTrade {
  /** Trade id (Binance t, Bybit i as a number, equities: a per-symbol sequence). */
  readonly id: number;
  readonly aggId: number | null;
  readonly price: string;
  readonly qty: string;
  readonly timeMs: number;
  readonly buyerMaker: boolean | null;
  /** Times the trade's frame went out on the trade stream (0 skipped/stopped, 2 repeated). */
  published: number;
}

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

class Ring<T> {
  private items: T[] = [];
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.cap * 1.25) {
      const drop = this.items.length - this.cap;
      this.items.splice(0, drop);
      this.dropped += drop;
    }
  }
  all(): readonly T[] {
    return this.items;
  }
  last(): T | undefined {
    return this.items[this.items.length - 1];
  }
}

export interface TradeQuery {
  readonly fromId?: number;
  readonly toId?: number;
  readonly limit?: number;
}

export class GroundTruth {
  private readonly tradeRings = new Map<string, Ring<TruthTrade>>();
  private readonly depthRings = new Map<string, Ring<TruthDepthUpdate>>();
  private bookProvider: BookProvider = () => null;
  private counts = { trades: 0, depthUpdates: 0 };

  constructor(private readonly capPerSymbol: number) {}

  setBookProvider(provider: BookProvider): void {
    this.bookProvider = provider;
  }

  private ring<T>(map: Map<string, Ring<T>>, venue: VenueId, symbol: string): Ring<T> {
    // Hot path: the venues record with upper-case symbols; try the exact key before normalising.
    const key = `${venue}:${symbol}`;
    let r = map.get(key);
    if (r) return r;
    const norm = `${venue}:${symbol.toUpperCase()}`;
    r = map.get(norm);
    if (!r) {
      r = new Ring<T>(this.capPerSymbol);
      map.set(norm, r);
    }
    return r;
  }

  recordTrade(venue: VenueId, symbol: string, trade: TruthTrade): TruthTrade {
    this.ring(this.tradeRings, venue, symbol).push(trade);
    this.counts.trades++;
    return trade;
  }

  recordDepth(venue: VenueId, symbol: string, update: TruthDepthUpdate): TruthDepthUpdate {
    this.ring(this.depthRings, venue, symbol).push(update);
    this.counts.depthUpdates++;
    return update;
  }

  /** Trades of a symbol oldest first (copies), optionally an id range [fromId, toId]. */
  trades(venue: VenueId, symbol: string, q: TradeQuery = {}): TruthTrade[] {
    const all = this.ring(this.tradeRings, venue, symbol).all();
    const out: TruthTrade[] = [];
    for (const t of all) {
      if (q.fromId !== undefined && t.id < q.fromId) continue;
      if (q.toId !== undefined && t.id > q.toId) break;
      out.push({ ...t });
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  lastTrade(venue: VenueId, symbol: string): TruthTrade | undefined {
    const t = this.ring(this.tradeRings, venue, symbol).last();
    return t ? { ...t } : undefined;
  }

  depthUpdates(venue: VenueId, symbol: string): TruthDepthUpdate[] {
    return this.ring(this.depthRings, venue, symbol).all().map((u) => ({ ...u }));
  }

  /** The simulator's own exact current book (what a correct client's book must equal). */
  book(venue: VenueId, symbol: string): TruthBook | null {
    return this.bookProvider(venue, symbol.toUpperCase());
  }

  /** Symbols with recorded trades per venue. */
  symbols(venue: VenueId): string[] {
    const out: string[] = [];
    for (const key of this.tradeRings.keys()) if (key.startsWith(`${venue}:`)) out.push(key.slice(venue.length + 1));
    return out.sort();
  }

  stats(): { trades: number; depthUpdates: number } {
    return { ...this.counts };
  }
}
