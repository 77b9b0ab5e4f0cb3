/**
 * Binance market state and publishing (spot, or USD-M futures when `futures`): one
 * SymbolMarket per symbol; each step publishes @trade, @aggTrade, @bookTicker; timers publish
 * @depth@100ms (with `pu` on futures) and @kline_1m. Every trade and depth event goes to the
 * ground truth with its published count.
 */
import type { VenueId } from '../faults.js';
import type { GroundTruth, TruthBook } from '../ground-truth.js';
import type { TradeRing } from '../trade-ring.js';
import { SymbolMarket } from '../market.js';
import { cryptoSpec } from '../symbols.js';
import type { StreamHub } from '../ws-hub.js';
import {
  aggTradeText, bookTickerText, depthText, forceOrderText, futuresDepthText, KlineState, klineText, px, qty, tradeText,
} from './frames.js';

export interface BinanceVenueOptions {
  readonly venue: Extract<VenueId, 'binance' | 'binance-futures'>;
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly levelsPerSide: number;
  readonly aggHistory: number;
  readonly hub: StreamHub;
  readonly truth: GroundTruth;
  readonly now: () => number;
}

interface StreamNames {
  readonly trade: string;
  readonly aggTrade: string;
  readonly bookTicker: string;
  readonly seq: { readonly symbol: string; readonly sequenced: true };
  readonly plain: { readonly symbol: string };
}

export class BinanceVenue {
  readonly venue: BinanceVenueOptions['venue'];
  readonly markets = new Map<string, SymbolMarket>();
  private readonly klines = new Map<string, KlineState>();
  private readonly lastDepthU = new Map<string, number>();
  private readonly rings = new Map<string, TradeRing>();
  readonly hub: StreamHub;
  private readonly truth: GroundTruth;
  private readonly now: () => number;
  readonly futures: boolean;
  /** When a replay drives this venue the generator leaves it alone. */
  replaying = false;

  constructor(opts: BinanceVenueOptions) {
    this.venue = opts.venue;
    this.hub = opts.hub;
    this.truth = opts.truth;
    this.now = opts.now;
    this.futures = opts.venue === 'binance-futures';
    let i = 0;
    for (const s of opts.symbols) {
      const spec = cryptoSpec(s);
      const m = new SymbolMarket(spec, {
        seed: opts.seed, venue: opts.venue, levelsPerSide: opts.levelsPerSide, aggHistory: opts.aggHistory,
        firstTradeId: (this.futures ? 5_200_000_000 : 3_735_683_259) + i * 10_000_000,
        firstUpdateId: (this.futures ? 4_900_000_000_000 : 50_093_239_189) + i * 1_000_000_000,
      });
      this.markets.set(spec.symbol, m);
      this.klines.set(spec.symbol, new KlineState());
      this.lastDepthU.set(spec.symbol, m.updateId);
      this.rings.set(spec.symbol, opts.truth.tradeRing(opts.venue, spec.symbol, { price: (u) => px(m, u), qty: (u) => qty(m, u) }));
      i++;
    }
  }

  market(symbol: string): SymbolMarket | undefined {
    return this.markets.get(symbol.toUpperCase());
  }

  /** The symbol's ground-truth trade ring, which is also its REST trade history. */
  ring(symbol: string): TradeRing {
    return this.rings.get(symbol.toUpperCase()) ?? this.truth.tradeRing(this.venue, symbol);
  }

  /** One generated step on a symbol; `atMs` sets the event time (history generation). Returns trades made. */
  step(symbol: string, atMs?: number): number {
    const m = this.markets.get(symbol);
    if (!m || this.replaying) return 0;
    const now = atMs ?? this.now();
    const r = m.step(now);
    const names = this.streamNames(symbol);
    const hub = this.hub;
    const k = this.klines.get(symbol);
    const ring = this.rings.get(symbol) as TradeRing;
    for (const t of r.trades) {
      const published = hub.publish(names.trade, () => tradeText(m, t, now), names.seq);
      this.truth.recordTradeUnits(ring, t.id, t.aggId, t.price, t.qty, t.timeMs, t.buyerMaker, published);
      k?.add(t);
    }
    if (r.agg) {
      const a = r.agg;
      hub.publish(names.aggTrade, () => aggTradeText(m, a, now), names.seq);
    }
    if (r.topChanged) hub.publish(names.bookTicker, () => bookTickerText(m), names.plain);
    if (r.trades.length > 0 && m.rng.chance(0.02)) {
      const liq = m.liquidation(now);
      hub.publish('!forceOrder@arr', () => forceOrderText(m, liq, now), { symbol });
      if (this.futures) hub.publish(`${symbol.toLowerCase()}@forceOrder`, () => forceOrderText(m, liq, now), { symbol });
    }
    return r.trades.length;
  }

  /** Stream names and publish options per symbol, built once (no allocation per frame). */
  private readonly names = new Map<string, StreamNames>();

  private streamNames(symbol: string): StreamNames {
    let n = this.names.get(symbol);
    if (!n) {
      const l = symbol.toLowerCase();
      n = { trade: `${l}@trade`, aggTrade: `${l}@aggTrade`, bookTicker: `${l}@bookTicker`, seq: { symbol, sequenced: true }, plain: { symbol } };
      this.names.set(symbol, n);
    }
    return n;
  }

  /** Publish @depth@100ms for every symbol with changes since the last call. */
  publishDepth(): void {
    const now = this.now();
    for (const [symbol, m] of this.markets) {
      const d = m.takePending();
      if (!d) continue;
      const stream = `${symbol.toLowerCase()}@depth@100ms`;
      const pu = this.lastDepthU.get(symbol) ?? d.firstId - 1;
      const published = this.hub.publish(stream, () => (this.futures ? futuresDepthText(m, d, now, pu) : depthText(m, d, now)), { symbol, sequenced: true });
      this.lastDepthU.set(symbol, d.lastId);
      this.truth.recordDepth(this.venue, symbol, { firstId: d.firstId, lastId: d.lastId, prevLastId: pu, timeMs: now, published });
    }
  }

  publishKlines(): void {
    const now = this.now();
    for (const [symbol, m] of this.markets) {
      const k = this.klines.get(symbol);
      if (!k || k.count === 0) continue;
      const stream = `${symbol.toLowerCase()}@kline_1m`;
      const closed = now >= k.openMs + 60_000;
      this.hub.publish(stream, () => klineText(m, k, now, closed), { symbol });
      if (closed) k.reset(Math.floor(now / 60_000) * 60_000, k.close);
    }
  }

  truthBook(symbol: string): TruthBook | null {
    const m = this.markets.get(symbol);
    if (!m) return null;
    const b = m.book();
    return {
      venue: this.venue, symbol, lastUpdateId: b.lastUpdateId,
      bids: b.bids.map(([p, q]) => [px(m, p), qty(m, q)] as const),
      asks: b.asks.map(([p, q]) => [px(m, p), qty(m, q)] as const),
    };
  }

  /** Stream names this venue can serve (for SUBSCRIBE validation). */
  isKnownStream(stream: string): boolean {
    if (stream === '!forceOrder@arr') return true;
    const at = stream.indexOf('@');
    if (at <= 0) return false;
    const sym = stream.slice(0, at).toUpperCase();
    const kind = stream.slice(at + 1);
    if (!this.markets.has(sym) && !this.replaying) return false;
    return ['trade', 'aggTrade', 'bookTicker', 'depth@100ms', 'kline_1m'].includes(kind) || (this.futures && ['markPrice@1s', 'forceOrder'].includes(kind));
  }
}
