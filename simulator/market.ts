/**
 * One symbol's market on one venue: an order book on the tick grid, trade and aggregate-trade
 * ids, and book update ids. Each step() is either a book change or a taker order that trades
 * a run of fills at the best opposite level (one aggTrade = one run of contiguous trade ids).
 * Prices and sizes are integers (ticks, steps); venue encoders format them.
 */
import { Prng } from './prng.js';
import type { SymbolSpec } from './symbols.js';

export interface SimTrade {
  readonly id: number;
  readonly aggId: number;
  /** Price in price units (10^-priceScale). */
  readonly price: number;
  /** Quantity in qty units (10^-qtyScale). */
  readonly qty: number;
  readonly timeMs: number;
  /** True when the buyer was the maker (the taker sold). */
  readonly buyerMaker: boolean;
}

export interface SimAggTrade {
  readonly a: number;
  readonly price: number;
  readonly qty: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly timeMs: number;
  readonly buyerMaker: boolean;
}

export interface StepResult {
  readonly trades: readonly SimTrade[];
  readonly agg: SimAggTrade | null;
  /** True when the best bid/ask (price or size) changed. */
  readonly topChanged: boolean;
}

export interface BookLevels {
  readonly lastUpdateId: number;
  /** [price units, qty units], best first. */
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

export interface PendingDepth {
  readonly firstId: number;
  readonly lastId: number;
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

export interface MarketOptions {
  readonly seed: number;
  readonly venue: string;
  readonly levelsPerSide: number;
  /** Unused: trade and aggTrade history live in the ground-truth ring (kept for callers). */
  readonly aggHistory?: number;
  /** First trade id / update id, so ids look like real ones (large) and differ per venue. */
  readonly firstTradeId: number;
  readonly firstUpdateId: number;
}

/** A book change makes no trades: one shared empty list instead of one per step. */
const NO_TRADES: readonly SimTrade[] = Object.freeze([]);

export class SymbolMarket {
  readonly spec: SymbolSpec;
  readonly rng: Prng;
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private readonly levels: number;
  updateId: number;
  nextTradeId: number;
  nextAggId: number;
  private pendingFirst = 0;
  private readonly pendingBids = new Map<number, number>();
  private readonly pendingAsks = new Map<number, number>();
  lastTrade: SimTrade | null = null;

  constructor(spec: SymbolSpec, opts: MarketOptions) {
    this.spec = spec;
    this.rng = Prng.derive(opts.seed, `${opts.venue}:${spec.symbol}`);
    this.levels = opts.levelsPerSide;
    this.updateId = opts.firstUpdateId;
    this.nextTradeId = opts.firstTradeId;
    this.nextAggId = Math.floor(opts.firstTradeId * 0.8);
    const tick = spec.tickUnits;
    const mid = spec.startTicks * tick;
    for (let i = 0; i < this.levels; i++) {
      this.bids.set(mid - (i + 1) * tick, this.randomQty());
      this.asks.set(mid + (i + 1) * tick, this.randomQty());
    }
  }

  private randomQty(): number {
    // Heavy-ish tail: most levels small, a few large.
    const r = this.rng.next();
    const lots = r < 0.7 ? this.rng.int(1, 200) : r < 0.95 ? this.rng.int(200, 5_000) : this.rng.int(5_000, 50_000);
    return lots * this.spec.stepUnits;
  }

  // Best levels are cached and invalidated by setLevel (they are read several times per step).
  private bidCache: [number, number] | null | undefined;
  private askCache: [number, number] | null | undefined;

  bestBid(): [number, number] | null {
    if (this.bidCache !== undefined) return this.bidCache;
    let best = -Infinity;
    for (const p of this.bids.keys()) if (p > best) best = p;
    this.bidCache = best === -Infinity ? null : [best, this.bids.get(best) ?? 0];
    return this.bidCache;
  }

  bestAsk(): [number, number] | null {
    if (this.askCache !== undefined) return this.askCache;
    let best = Infinity;
    for (const p of this.asks.keys()) if (p < best) best = p;
    this.askCache = best === Infinity ? null : [best, this.asks.get(best) ?? 0];
    return this.askCache;
  }

  private setLevel(side: 'bid' | 'ask', price: number, qty: number): void {
    const book = side === 'bid' ? this.bids : this.asks;
    // Keep the cached best level when the change cannot affect it (most changes are deeper).
    const best = side === 'bid' ? this.bidCache : this.askCache;
    let next: [number, number] | null | undefined = undefined;
    if (best) {
      const better = side === 'bid' ? price > best[0] : price < best[0];
      if (price === best[0]) next = qty > 0 ? [price, qty] : undefined;
      else if (better) next = qty > 0 ? [price, qty] : best;
      else next = best;
    }
    if (side === 'bid') this.bidCache = next;
    else this.askCache = next;
    if (qty <= 0) book.delete(price);
    else book.set(price, qty);
    this.updateId++;
    if (this.pendingFirst === 0) this.pendingFirst = this.updateId;
    (side === 'bid' ? this.pendingBids : this.pendingAsks).set(price, qty > 0 ? qty : 0);
  }

  /** Keep `levels` per side: add a level behind the worst one, or drop the farthest. */
  private rebalance(side: 'bid' | 'ask'): void {
    const book = side === 'bid' ? this.bids : this.asks;
    const tick = this.spec.tickUnits;
    while (book.size < this.levels) {
      let worst = side === 'bid' ? Infinity : -Infinity;
      for (const p of book.keys()) worst = side === 'bid' ? Math.min(worst, p) : Math.max(worst, p);
      if (!Number.isFinite(worst)) {
        const other = side === 'bid' ? this.bestAsk() : this.bestBid();
        worst = other ? other[0] : this.spec.startTicks * tick;
      }
      const next = side === 'bid' ? worst - tick * this.rng.int(1, 2) : worst + tick * this.rng.int(1, 2);
      if (next <= 0) break;
      this.setLevel(side, next, this.randomQty());
    }
    while (book.size > this.levels) {
      let worst = side === 'bid' ? Infinity : -Infinity;
      for (const p of book.keys()) worst = side === 'bid' ? Math.min(worst, p) : Math.max(worst, p);
      this.setLevel(side, worst, 0);
    }
  }

  /** One market step at time `nowMs`. */
  step(nowMs: number): StepResult {
    const beforeBid = this.bestBid();
    const beforeAsk = this.bestAsk();
    let trades: readonly SimTrade[] = NO_TRADES;
    let agg: SimAggTrade | null = null;
    if (this.rng.chance(0.35)) this.bookChange(beforeBid, beforeAsk);
    else {
      const r = this.takerOrder(nowMs, beforeBid, beforeAsk);
      trades = r.trades;
      agg = r.agg;
    }
    const afterBid = this.bestBid();
    const afterAsk = this.bestAsk();
    const topChanged = !sameLevel(beforeBid, afterBid) || !sameLevel(beforeAsk, afterAsk);
    return { trades, agg, topChanged };
  }

  private bookChange(bid: [number, number] | null, ask: [number, number] | null): void {
    const side: 'bid' | 'ask' = this.rng.chance(0.5) ? 'bid' : 'ask';
    const tick = this.spec.tickUnits;
    const r = this.rng.next();
    if (r < 0.3 && bid && ask && ask[0] - bid[0] > tick) {
      // Improve the spread: the random walk's downward/upward moves come from here.
      const price = side === 'bid' ? bid[0] + tick : ask[0] - tick;
      this.setLevel(side, price, this.randomQty());
    } else {
      const book = side === 'bid' ? this.bids : this.asks;
      // The k-th level in insertion order, without copying the keys (this runs on 35% of steps).
      let k = this.rng.int(0, book.size - 1);
      let price: number | undefined;
      for (const p of book.keys()) if (k-- === 0) {
        price = p;
        break;
      }
      if (price === undefined) return;
      if (r < 0.55 && book.size > 2) this.setLevel(side, price, 0);
      else this.setLevel(side, price, this.randomQty());
    }
    this.rebalance(side);
  }

  private takerOrder(nowMs: number, bid: [number, number] | null, ask: [number, number] | null): { trades: SimTrade[]; agg: SimAggTrade | null } {
    const takerBuys = this.rng.chance(0.5);
    const level = takerBuys ? ask : bid;
    if (!level) return { trades: [], agg: null };
    const [price, available] = level;
    const fills = this.rng.chance(0.7) ? 1 : this.rng.int(2, 4);
    const trades: SimTrade[] = [];
    let left = available;
    const aggId = this.nextAggId++;
    for (let i = 0; i < fills && left > 0; i++) {
      const max = Math.max(1, Math.floor(left / this.spec.stepUnits / (fills - i)));
      const qty = Math.min(left, this.rng.int(1, max) * this.spec.stepUnits);
      left -= qty;
      trades.push({ id: this.nextTradeId++, aggId, price, qty, timeMs: nowMs, buyerMaker: !takerBuys });
    }
    const side: 'bid' | 'ask' = takerBuys ? 'ask' : 'bid';
    this.setLevel(side, price, left);
    this.rebalance(side);
    const first = trades[0];
    const last = trades[trades.length - 1];
    if (!first || !last) return { trades, agg: null };
    const agg: SimAggTrade = {
      a: aggId, price, qty: available - left, firstId: first.id, lastId: last.id, timeMs: nowMs, buyerMaker: !takerBuys,
    };
    this.lastTrade = last;
    return { trades, agg };
  }

  /** The whole book (simulator's exact state) best first. */
  book(limit = Infinity): BookLevels {
    const bids = [...this.bids.entries()].sort((a, b) => b[0] - a[0]).slice(0, limit);
    const asks = [...this.asks.entries()].sort((a, b) => a[0] - b[0]).slice(0, limit);
    return { lastUpdateId: this.updateId, bids, asks };
  }

  hasPending(): boolean {
    return this.pendingFirst !== 0;
  }

  /**
   * Futures snapshot rule needs the next event to start at or before the snapshot id: with no
   * pending changes, anchor the next event's U at the current id (re-sending absolute levels is
   * idempotent).
   */
  anchorPending(): void {
    if (this.pendingFirst === 0) this.pendingFirst = this.updateId;
  }

  /** Take the changes since the last call (levels with their final size, 0 = removed). */
  takePending(): PendingDepth | null {
    if (this.pendingFirst === 0) return null;
    // An anchor without changes (futures snapshot) waits for the first real change.
    if (this.pendingBids.size === 0 && this.pendingAsks.size === 0) return null;
    const out: PendingDepth = {
      firstId: this.pendingFirst,
      lastId: this.updateId,
      bids: [...this.pendingBids.entries()].sort((a, b) => b[0] - a[0]),
      asks: [...this.pendingAsks.entries()].sort((a, b) => a[0] - b[0]),
    };
    this.pendingFirst = 0;
    this.pendingBids.clear();
    this.pendingAsks.clear();
    return out;
  }

  /** A liquidation-like forced order near the current price (for !forceOrder@arr / allLiquidation). */
  liquidation(nowMs: number): { side: 'BUY' | 'SELL'; price: number; qty: number; timeMs: number } {
    const last = this.lastTrade?.price ?? this.spec.startTicks * this.spec.tickUnits;
    const side = this.rng.chance(0.5) ? 'BUY' : 'SELL';
    return { side, price: last, qty: this.randomQty(), timeMs: nowMs };
  }
}

function sameLevel(a: [number, number] | null, b: [number, number] | null): boolean {
  if (a === null || b === null) return a === b;
  return a[0] === b[0] && a[1] === b[1];
}
