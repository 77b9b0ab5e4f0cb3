/**
 * Binance market state and publishing (spot, or USD-M futures when `futures`): one
 * SymbolMarket per symbol; each step publishes @trade, @aggTrade, @bookTicker; timers publish
 * @depth@100ms (with `pu` on futures) and @kline_1m. Every trade and depth event goes to the
 * ground truth with its published count.
 */
import type { VenueId } from '../faults.js';
import type { GroundTruth, TruthBook } from '../ground-truth.js';
import type { TradeRing } from '../trade-ring.js';
import { SymbolMarket, type SimTrade } from '../market.js';
import { cryptoSpec } from '../symbols.js';
import type { SimClient, StreamHub } from '../ws-hub.js';
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

/** Everything one generated step of a symbol touches, resolved once (no lookup per event). */
interface SymbolLane {
  readonly symbol: string;
  readonly m: SymbolMarket;
  readonly k: KlineState;
  readonly ring: TradeRing;
  readonly trade: string;
  readonly aggTrade: string;
  readonly bookTicker: string;
  /** The hub's subscriber sets of those streams (stable, see StreamHub.subscribers). */
  readonly tradeSubs: Set<SimClient>;
  readonly aggTradeSubs: Set<SimClient>;
  readonly bookTickerSubs: Set<SimClient>;
  readonly depth: string;
  readonly depthSubs: Set<SimClient>;
  readonly seq: { readonly symbol: string; readonly sequenced: true };
  readonly plain: { readonly symbol: string };
}

export class BinanceVenue {
  readonly venue: BinanceVenueOptions['venue'];
  readonly markets = new Map<string, SymbolMarket>();
  private readonly klines = new Map<string, KlineState>();
  private readonly lastDepthU = new Map<string, number>();
  private readonly rings = new Map<string, TradeRing>();
  private readonly lanes = new Map<string, SymbolLane>();
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
      const k = new KlineState();
      const ring = opts.truth.tradeRing(opts.venue, spec.symbol, { price: (u) => px(m, u), qty: (u) => qty(m, u) });
      this.markets.set(spec.symbol, m);
      this.klines.set(spec.symbol, k);
      this.lastDepthU.set(spec.symbol, m.updateId);
      this.rings.set(spec.symbol, ring);
      const l = spec.symbol.toLowerCase();
      this.lanes.set(spec.symbol, {
        symbol: spec.symbol, m, k, ring, trade: `${l}@trade`, aggTrade: `${l}@aggTrade`, bookTicker: `${l}@bookTicker`,
        tradeSubs: opts.hub.subscribers(`${l}@trade`), aggTradeSubs: opts.hub.subscribers(`${l}@aggTrade`), bookTickerSubs: opts.hub.subscribers(`${l}@bookTicker`),
        depth: `${l}@depth@100ms`, depthSubs: opts.hub.subscribers(`${l}@depth@100ms`),
        seq: { symbol: spec.symbol, sequenced: true }, plain: { symbol: spec.symbol },
      });
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
    const lane = this.lanes.get(symbol);
    return lane ? this.stepLane(lane, atMs) : 0;
  }

  /** The step of one symbol as a function (the generator's lane: no lookup per event). */
  stepper(symbol: string): () => number {
    const lane = this.lanes.get(symbol.toUpperCase());
    if (!lane) throw new RangeError(`no ${this.venue} market ${symbol}`);
    return () => this.stepLane(lane);
  }

  private stepLane(lane: SymbolLane, atMs?: number): number {
    if (this.replaying) return 0;
    const m = lane.m;
    const now = atMs ?? this.now();
    const r = m.step(now);
    const hub = this.hub;
    const k = lane.k;
    const ring = lane.ring;
    const trades = r.trades;
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i] as SimTrade;
      const published = hub.publishTo(lane.trade, lane.tradeSubs, () => tradeText(m, t, now), lane.seq);
      this.truth.recordTradeUnits(ring, t.id, t.aggId, t.price, t.qty, t.timeMs, t.buyerMaker, published);
      k.add(t);
    }
    if (r.agg) {
      const a = r.agg;
      hub.publishTo(lane.aggTrade, lane.aggTradeSubs, () => aggTradeText(m, a, now), lane.seq);
    }
    if (r.topChanged) hub.publishTo(lane.bookTicker, lane.bookTickerSubs, () => bookTickerText(m), lane.plain);
    if (trades.length > 0 && m.rng.chance(0.02)) {
      const symbol = lane.symbol;
      const liq = m.liquidation(now);
      hub.publish('!forceOrder@arr', () => forceOrderText(m, liq, now), { symbol });
      if (this.futures) hub.publish(`${symbol.toLowerCase()}@forceOrder`, () => forceOrderText(m, liq, now), { symbol });
    }
    return trades.length;
  }

  /** Publish @depth@100ms for every symbol with changes since the last call. */
  publishDepth(): void {
    const now = this.now();
    for (const lane of this.lanes.values()) {
      const { m, symbol } = lane;
      const d = m.takePending();
      if (!d) continue;
      const pu = this.lastDepthU.get(symbol) ?? d.firstId - 1;
      const published = this.hub.publishTo(lane.depth, lane.depthSubs, () => (this.futures ? futuresDepthText(m, d, now, pu) : depthText(m, d, now)), lane.seq);
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
