/**
 * Fan-out index of the Binance endpoint: stream name -> sessions. Each event's frame is built
 * once per stream (raw and, lazily, in the combined envelope) and sent to every subscriber in
 * the order events arrived. Partial-depth and kline streams are clock-driven: one timer serves
 * all of them, and a quiet kline still closes on time. The 24 h tickers (`<s>@miniTicker`,
 * `<s>@ticker`, `!miniTicker@arr`, `!ticker@arr`) are pushed from the same clock once a second,
 * with only the symbols whose figures changed.
 */
import type { BookDelta, BookTicker, MarkPrice, Trade } from '../../model/events.js';
import type { Dialect } from './dialect.js';
import { combinedFrame, SPOT_DIALECT } from './frames.js';
import { DepthMerge } from './depth-merge.js';
import { KlineState } from './kline.js';
import { miniTickerFrame } from './ticker-frames.js';
import { TickerState } from './ticker-state.js';
import { lowerBoundTime, type MarketState, type TradeStream } from './market-state.js';
import type { CompatSession } from './session.js';
import type { StreamSpec } from './streams.js';

interface StreamEntry {
  readonly spec: StreamSpec;
  readonly sessions: Set<CompatSession>;
  kline: KlineState | null;
  /** `<s>@depth` at 1000 ms: the period's deltas merged. */
  merge: DepthMerge | null;
  /** Clock ticks since the last partial-depth or merged-depth push. */
  ticks: number;
  /** Ticks between pushes of a clock-driven depth stream (its speed over the hub's tick). */
  readonly period: number;
  /** Last `u` a USD-M partial-depth frame carried (its next frame's `pu`). */
  lastU: number;
  /** When a mark price was last pushed (the 3 s stream skips the ones in between). */
  lastPushMs: number;
  /** A ticker stream gained a client: its next push carries the symbol even if unchanged. */
  fresh: boolean;
}

/** Period of the hub's clock: a divisor of every depth speed (100, 250, 500, 1000 ms). */
export const HUB_TICK_MS = 50;
/** Kline updates are pushed at most this often (Binance: every 1-2 s). */
const KLINE_PUSH_MS = 1_000;
/** Ticker streams' update speed (Binance: 1000 ms). */
export const TICKER_PUSH_MS = 1_000;

export class StreamHub {
  private readonly streams = new Map<string, StreamEntry>();
  /** symbol -> stream names of that symbol (to route an event without scanning). */
  private readonly bySymbol = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  private lastKlinePush = 0;
  private lastTickerPush = 0;
  readonly tickerCounters = { pushes: 0, symbolsPushed: 0 };
  /** 24 h windows per symbol, fed by the service with the ticker trade source. */
  readonly tickers = new TickerState();
  readonly counters = { deliveries: 0, frames: 0 };

  constructor(private readonly market: MarketState, private readonly now: () => number, private readonly klineSource: TradeStream, private readonly dialect: Dialect = SPOT_DIALECT) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), HUB_TICK_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Subscriptions over all streams (stream x client). */
  get subscriptions(): number {
    let n = 0;
    for (const e of this.streams.values()) n += e.sessions.size;
    return n;
  }

  has(name: string): boolean {
    return this.streams.has(name);
  }

  add(session: CompatSession, spec: StreamSpec): void {
    let e = this.streams.get(spec.name);
    if (e === undefined) {
      e = { spec, sessions: new Set(), kline: null, merge: null, ticks: 0, period: Math.max(1, Math.round(spec.speedMs / HUB_TICK_MS)), lastU: -1, lastPushMs: Number.NEGATIVE_INFINITY, fresh: false };
      // The venue's deltas come at 100 ms: a slower diff stream merges them per period.
      if (spec.kind === 'depth' && spec.speedMs > 100) e.merge = new DepthMerge();
      if (spec.kind === 'kline') e.kline = this.seededKline(spec);
      this.streams.set(spec.name, e);
      let names = this.bySymbol.get(spec.symbol);
      if (names === undefined) this.bySymbol.set(spec.symbol, (names = new Set()));
      names.add(spec.name);
    }
    e.sessions.add(session);
    session.streams.add(spec.name);
    e.fresh = true;
  }

  /**
   * A new kline stream starts with the running interval's trades already in memory (when memory
   * reaches back to its start), so the first frame shows the whole kline as Binance's would.
   */
  private seededKline(spec: StreamSpec): KlineState {
    const lengthMs = this.dialect.klineIntervalsMs[spec.interval]!;
    const k = new KlineState(spec.symbol, spec.interval, lengthMs);
    const ring = this.market.get(spec.symbol)?.ring(this.klineSource);
    const now = this.now();
    const start = now - (now % lengthMs);
    if (ring !== undefined && ring.size > 0 && ring.at(0)!.eventTime < start) {
      for (let i = lowerBoundTime(ring, start); i < ring.size; i++) k.add(ring.at(i)!, now);
    }
    return k;
  }

  /** Returns the spec when the stream has no subscriber left (the caller releases its upstream). */
  remove(session: CompatSession, name: string): StreamSpec | null {
    session.streams.delete(name);
    const e = this.streams.get(name);
    if (e === undefined) return null;
    e.sessions.delete(session);
    if (e.sessions.size > 0) return null;
    this.streams.delete(name);
    const names = this.bySymbol.get(e.spec.symbol);
    names?.delete(name);
    if (names?.size === 0) this.bySymbol.delete(e.spec.symbol);
    return e.spec;
  }

  onTrade(t: Trade, stream: TradeStream): void {
    const names = this.bySymbol.get(t.symbol);
    if (names === undefined) return;
    for (const name of names) {
      const e = this.streams.get(name)!;
      const k = e.spec.kind;
      if (k === stream) this.deliver(e, stream === 'trade' ? this.dialect.trade(t) : this.dialect.aggTrade(t));
      else if (k === 'kline' && stream === this.klineSource && inCandles(t)) {
        const closed = e.kline!.add(t, this.now());
        if (closed !== null) this.deliver(e, closed);
      }
    }
  }

  onDelta(d: BookDelta): void {
    const names = this.bySymbol.get(d.symbol);
    if (names === undefined) return;
    let text: string | null = null;
    for (const name of names) {
      const e = this.streams.get(name)!;
      if (e.spec.kind !== 'depth') continue;
      if (e.merge !== null) {
        const before = e.merge.add(d);
        if (before !== null) this.deliver(e, this.dialect.depthUpdate(before));
        continue;
      }
      text ??= this.dialect.depthUpdate(d);
      this.deliver(e, text);
    }
  }

  onBookTicker(b: BookTicker): void {
    const e = this.streams.get(`${b.symbol.toLowerCase()}@bookTicker`);
    if (e !== undefined) this.deliver(e, this.dialect.bookTicker(b));
  }

  /** `<s>@markPrice@1s` gets every update (the venue's are 1 s apart), `<s>@markPrice` one per 3 s. */
  onMarkPrice(m: MarkPrice): void {
    const sym = m.symbol.toLowerCase();
    let text: string | null = null;
    for (const name of [`${sym}@markPrice@1s`, `${sym}@markPrice`]) {
      const e = this.streams.get(name);
      // Half a venue period of slack: updates 1 s apart fill a 3 s stream every third one.
      if (e === undefined || m.eventTime - e.lastPushMs < e.spec.speedMs - 500) continue;
      e.lastPushMs = m.eventTime;
      this.deliver(e, (text ??= this.dialect.markPriceFrame(m)));
    }
  }

  private deliver(e: StreamEntry, raw: string): void {
    this.counters.frames++;
    let combined: string | null = null;
    for (const s of e.sessions) {
      if (s.combined) s.send((combined ??= combinedFrame(e.spec.name, raw)));
      else s.send(raw);
      this.counters.deliveries++;
    }
  }

  private tick(): void {
    const now = this.now();
    const pushKlines = now - this.lastKlinePush >= KLINE_PUSH_MS;
    if (pushKlines) this.lastKlinePush = now;
    if (now - this.lastTickerPush >= TICKER_PUSH_MS) {
      this.lastTickerPush = now;
      this.pushTickers(now);
    }
    for (const e of this.streams.values()) {
      if (e.merge !== null) {
        if (++e.ticks < e.period) continue;
        e.ticks = 0;
        const batch = e.merge.take();
        if (batch !== null) this.deliver(e, this.dialect.depthUpdate(batch));
      } else if (e.spec.kind === 'partialDepth') {
        if (++e.ticks < e.period) continue;
        e.ticks = 0;
        const s = this.market.get(e.spec.symbol);
        if (s === undefined || !s.bookSynced) continue;
        const u = s.book.lastUpdateId;
        this.deliver(e, this.dialect.partialDepth(s.symbol, u, e.lastU < 0 ? u : e.lastU, s.book.bids(e.spec.levels), s.book.asks(e.spec.levels), now));
        e.lastU = u;
      } else if (e.kline !== null) {
        const closed = e.kline.tick(now);
        if (closed !== null) this.deliver(e, closed);
        else if (pushKlines && e.kline.started && e.kline.dirty) this.deliver(e, e.kline.frame(now, false));
      }
    }
  }

  /**
   * Once a second: every symbol's window moves on (expiry keeps its buckets bounded even with no
   * subscriber), and each ticker stream gets the symbols whose figures changed in the second.
   */
  pushTickers(now: number): void {
    const arrMini = this.streams.get('!miniTicker@arr');
    const arrFull = this.streams.get('!ticker@arr');
    const minis: string[] = [];
    const fulls: string[] = [];
    this.tickerCounters.pushes++;
    for (const [symbol, r] of this.tickers.entries()) {
      r.advance(now);
      const sym = symbol.toLowerCase();
      const eMini = this.streams.get(`${sym}@miniTicker`);
      const eFull = this.streams.get(`${sym}@ticker`);
      const mini = r.changed;
      const full = r.changed || r.bookChanged;
      r.changed = false;
      r.bookChanged = false;
      if (r.counters.trades === 0) continue; // no trade seen yet: nothing Binance would show
      const sendMini = (mini && (eMini !== undefined || arrMini !== undefined)) || eMini?.fresh === true || arrMini?.fresh === true;
      const sendFull = (full && (eFull !== undefined || arrFull !== undefined)) || eFull?.fresh === true || arrFull?.fresh === true;
      if (!sendMini && !sendFull) continue;
      const st = r.stats(now);
      this.tickerCounters.symbolsPushed++;
      if (sendMini) {
        const f = miniTickerFrame(symbol, st, now);
        if (eMini !== undefined && (mini || eMini.fresh)) this.deliver(eMini, f);
        if (arrMini !== undefined && (mini || arrMini.fresh)) minis.push(f);
      }
      if (sendFull) {
        const f = this.dialect.ticker(symbol, st, this.market.get(symbol)?.ticker ?? null, now);
        if (eFull !== undefined && (full || eFull.fresh)) this.deliver(eFull, f);
        if (arrFull !== undefined && (full || arrFull.fresh)) fulls.push(f);
      }
      if (eMini !== undefined) eMini.fresh = false;
      if (eFull !== undefined) eFull.fresh = false;
    }
    if (arrMini !== undefined) {
      arrMini.fresh = false;
      if (minis.length > 0) this.deliver(arrMini, `[${minis.join(',')}]`);
    }
    if (arrFull !== undefined) {
      arrFull.fresh = false;
      if (fulls.length > 0) this.deliver(arrFull, `[${fulls.join(',')}]`);
    }
  }
}

/** USD-M trades of another kind than MARKET (insurance fund, ADL) are not in Binance's klines. */
export const inCandles = (t: Trade): boolean => t.execType === undefined || t.execType === 'MARKET';
