/**
 * The integrity stage for one venue: decoded events in, gap-free, deduplicated, in-order events
 * out. Holds no socket: the lead feeds it decoder output (push), tells it about disconnects and
 * reconnects (onDisconnect, onReconnect) and injects the REST fetchers. Per stream:
 * - trades with a numeric seq: TradeGapFiller (gap -> streamed backfill of exactly the missing
 *   ids; in-band StreamState markers and TradeGap declarations in order with the trades);
 * - trades without one (Bybit execIds): RecentTradeBackfill when a recent-trades fetcher is
 *   given (reconnect/periodic page fetch, dedup on tradeId), else a dedup window on tradeId;
 * - book snapshots/deltas: BookSync (venue continuity rules; per-symbol resync);
 * - book tickers: monotonic update id; klines and liquidations: dedup window on content.
 * Every live id is also observed by a SequenceTracker, so gaps/duplicates are counted on every
 * message as received, before repair.
 */
import type { BookSnapshot, MarketEvent, Trade } from '../model/events.js';
import { integrityDefaults } from '../config/defaults/integrity.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { BookSync, type BookRules } from './book-sync.js';
import { DedupWindow, MonotonicDedup } from './dedup.js';
import type { OrderBook } from './order-book.js';
import { SequenceTracker, type SequenceStream } from './sequence-tracker.js';
import { realTimers, type IntegrityTimers } from './timers.js';
import { TradeGapFiller, type FetchTrades } from './trade-gap-filler.js';
import { RecentTradeBackfill, type FetchRecentTrades } from './recent-trade-backfill.js';
import { integrityStats, RetiredCounters, type IntegrityStats } from './integrity-stats.js';

export type { IntegrityStats } from './integrity-stats.js';

export type IntegrityAlert =
  /** A declared hole (the TradeGap event went out in order with the trades); reason as TradeGap.reason. */
  | { readonly kind: 'trade_gap_unfilled'; readonly symbol: string; readonly source: string; readonly fromId: number; readonly toId: number | null; readonly reason: string; readonly error: string }
  | { readonly kind: 'book_sync_failed'; readonly symbol: string; readonly error: string }
  /** A recent-trades page shared nothing with what was delivered: trades older than it are lost. */
  | { readonly kind: 'trade_window_exceeded'; readonly symbol: string; readonly source: string; readonly recovered: number; readonly oldestPageTime: number; readonly lastDeliveredTime: number }
  | { readonly kind: 'recent_trades_unavailable'; readonly symbol: string; readonly source: string; readonly error: string };

export interface FeedIntegrityOptions {
  readonly venue: string;
  /** Continuity rules for this venue's books; omit when the feed carries no books. */
  readonly bookRules?: BookRules;
  readonly fetchTrades?: FetchTrades;
  /** Trades without a sequence: the venue's newest-trades page (Bybit /v5/market/recent-trade). */
  readonly fetchRecentTrades?: FetchRecentTrades;
  /** Period of the recent-trades reconciliation per stream; 0 = only on reconnect. */
  readonly recentTradesReconcileMs?: number;
  readonly fetchBookSnapshot?: (symbol: string) => Promise<BookSnapshot>;
  /** Last trade id stored before a restart, per symbol and trade source (see TradeGapFiller). */
  readonly resumeAfter?: (symbol: string, source: string) => number | null;
  /** Highest trade id stored output covers, per symbol and source (see TradeGapFiller resumeStoredThroughId). */
  readonly resumeStoredThrough?: (symbol: string, source: string) => number | null;
  readonly maxResumeTrades?: number;
  readonly requestResubscribe?: (symbol: string) => void;
  /** Every event that passed integrity, in order per stream. */
  readonly onEvent: (e: MarketEvent) => void;
  readonly onAlert?: (a: IntegrityAlert) => void;
  readonly maxBufferedTrades?: number;
  readonly maxBufferedDeltas?: number;
  readonly dedupWindowItems?: number;
  readonly retryDelayMs?: number;
  readonly maxFetchAttempts?: number;
  /** A running trade backfill logs its progress at most this often. */
  readonly backfillProgressLogIntervalMs?: number;
  readonly maxSnapshotAttempts?: number;
  readonly timers?: IntegrityTimers;
  readonly logger?: Logger;
  /** Clock for backfill rates and marker receive times (tests). */
  readonly now?: () => number;
}

/** "btcusdt@aggTrade" -> "BTCUSDT", "publicTrade.BTCUSDT" -> "BTCUSDT", "ETHUSDT" -> "ETHUSDT". */
export function symbolOfStream(stream: string): string {
  const at = stream.indexOf('@');
  if (at > 0) return stream.slice(0, at).toUpperCase();
  const m = /^(?:publicTrade|orderbook\.\d+|tickers|allLiquidation)\.(.+)$/.exec(stream);
  return (m ? m[1]! : stream).toUpperCase();
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 200);

/** A numbered trade stream: its tracker key and state (found once) and its gap filler. */
interface TradeStream {
  readonly key: string;
  readonly seq: SequenceStream;
  readonly filler: TradeGapFiller;
}

export class FeedIntegrity {
  private readonly trades = new Map<string, TradeGapFiller>();
  /** symbol -> source -> stream: the hot path finds its stream without building "symbol|source" per trade. */
  private readonly tradeStreams = new Map<string, Map<string, TradeStream>>();
  private lastStream: TradeStream | null = null;
  private lastSymbol = '';
  private lastSource = '';
  private readonly recent = new Map<string, RecentTradeBackfill>();
  private reconcileTimer: unknown = null;
  private readonly books = new Map<string, BookSync>();
  private readonly window: DedupWindow;
  private readonly tickers = new MonotonicDedup();
  private readonly tracker = new SequenceTracker();
  /** Counters of the streams forgetSymbol dropped (totals never go down). */
  private readonly retired = new RetiredCounters();
  /**
   * Symbols forgotten at least once: their streams start anew from the first trade seen, without
   * the restart resume point (stored before this process held the symbol last, long stale).
   * Bounded by the feed's symbols.
   */
  private readonly forgotten = new Set<string>();
  private readonly log: Logger;
  private eventsIn = 0;
  private eventsOut = 0;
  private closed = false;
  private readonly emit: (e: MarketEvent) => void;

  constructor(private readonly opts: FeedIntegrityOptions) {
    this.window = new DedupWindow(opts.dedupWindowItems ?? integrityDefaults.dedupWindowItems);
    this.log = opts.logger ?? silentLogger();
    this.emit = (e) => {
      this.eventsOut++;
      opts.onEvent(e);
    };
  }

  push(e: MarketEvent): void {
    if (this.closed) return;
    this.eventsIn++;
    switch (e.type) {
      case 'trade':
        this.pushTrade(e);
        return;
      case 'book_delta':
      case 'book_snapshot': {
        const sync = this.bookFor(e.symbol);
        if (sync === undefined) this.emit(e);
        else if (e.type === 'book_delta') sync.pushDelta(e);
        else sync.pushSnapshot(e);
        return;
      }
      case 'book_ticker':
        if (e.updateId !== null ? this.tickers.accept(e.symbol, e.updateId) : this.window.firstSeen(`${e.symbol}|bt`, `${e.eventTime}|${e.bidPrice}|${e.bidSize}|${e.askPrice}|${e.askSize}`)) this.emit(e);
        return;
      case 'kline':
        if (this.window.firstSeen(`${e.symbol}|kline|${e.interval}`, `${e.openTime}|${e.eventTime}|${e.close}|${e.volume}|${e.closed}`)) this.emit(e);
        return;
      case 'liquidation':
        if (this.window.firstSeen(`${e.symbol}|liq`, `${e.eventTime}|${e.side}|${e.price}|${e.size}`)) this.emit(e);
        return;
      default:
        this.emit(e);
    }
  }

  pushAll(events: readonly MarketEvent[]): void {
    for (const e of events) this.push(e);
  }

  /**
   * A connection carrying this venue's streams reconnected: backfill trades after the last
   * delivered id. `scope`: symbols or venue stream names ("btcusdt@aggTrade",
   * "publicTrade.BTCUSDT") of that connection; omitted = every symbol. REST-synced books of
   * those symbols are rebuilt at once (a quiet symbol shows no gap until its next delta).
   */
  onReconnect(scope?: string | readonly string[]): void {
    const symbols = scope === undefined ? undefined : new Set((typeof scope === 'string' ? [scope] : scope).map(symbolOfStream));
    for (const filler of this.fillersIn(scope)) filler.onReconnect();
    for (const [key, r] of this.recent) {
      if (symbols === undefined || symbols.has(key.slice(0, key.indexOf('|')))) r.check('reconnect');
    }
    for (const [symbol, sync] of this.books) {
      if (symbols === undefined || symbols.has(symbol)) sync.onReconnect();
    }
  }

  /**
   * A connection carrying these streams went down (scope as in onReconnect): their numbered trade
   * streams are marked behind (StreamState, in order) until reconnected and caught up.
   */
  onDisconnect(scope?: string | readonly string[]): void {
    for (const filler of this.fillersIn(scope)) filler.onDisconnect();
  }

  /**
   * Numbered trade streams a scope covers: a venue stream name ("btcusdt@trade") names exactly
   * its stream (source after the '@'), so another connection's aggTrade stream of the symbol is
   * not touched; a bare symbol or another name form covers every trade stream of the symbol.
   */
  private fillersIn(scope: string | readonly string[] | undefined): TradeGapFiller[] {
    if (scope === undefined) return [...this.trades.values()];
    const keys = new Set<string>();
    const symbols = new Set<string>();
    for (const s of typeof scope === 'string' ? [scope] : scope) {
      const at = s.indexOf('@');
      if (at > 0) keys.add(`${s.slice(0, at).toUpperCase()}|${s.slice(at + 1)}`);
      else symbols.add(symbolOfStream(s));
    }
    const out: TradeGapFiller[] = [];
    for (const [key, filler] of this.trades) if (keys.has(key) || symbols.has(key.slice(0, key.indexOf('|')))) out.push(filler);
    return out;
  }

  /**
   * Drop everything this stage remembers of one symbol's trade streams: trackers, last ids, gap
   * fillers with their buffered trades and pending backfills, recent-trades windows. Its next
   * trade starts each stream anew (no gap is seen against the old last id, no restart resume
   * point applies). For a cluster collector that stopped receiving the symbol (its shard was lost
   * or released): if it gets the shard back, the takeover resumes from the bus stream's last trade
   * (TakeoverBackfill) instead of this stage backfilling from its own old last id, which the
   * stream already holds from the owner in between. Kept: books and book tickers (a book resyncs
   * on its own at the first delta past a gap) and the dedup window of unsequenced trades without a
   * recent-trades fetcher (bounded; their ids never recur). `sym` as in the events ("BTCUSDT").
   */
  forgetSymbol(sym: string): void {
    this.forgotten.add(sym);
    this.tradeStreams.delete(sym);
    if (this.lastSymbol === sym) { this.lastStream = null; this.lastSymbol = ''; this.lastSource = ''; }
    for (const [key, filler] of [...this.trades]) {
      if (key.slice(0, key.indexOf('|')) !== sym) continue;
      this.retired.addFiller(filler.stats());
      filler.close();
      this.trades.delete(key);
      // Kept in place by reset (a stale handle stays harmless); started anew at the next id.
      this.tracker.reset(key);
    }
    for (const [key, r] of [...this.recent]) {
      if (key.slice(0, key.indexOf('|')) !== sym) continue;
      this.retired.addRecent(r.stats());
      r.close();
      this.recent.delete(key);
    }
  }

  /** Fetch the recent-trades page of one symbol's unsequenced trade streams now (a suspected loss). */
  checkRecentTrades(symbol: string): void {
    for (const [key, r] of this.recent) if (key.slice(0, key.indexOf('|')) === symbol) r.check('requested');
  }

  /** Force a book rebuild for one symbol. */
  resyncBook(symbol: string, reason = 'requested'): void {
    this.books.get(symbol)?.resync(reason);
  }

  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol)?.book;
  }

  /** Resolves when no backfill or snapshot fetch is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.trades.values()].map((t) => t.idle()).concat([...this.books.values()].map((b) => b.idle()), [...this.recent.values()].map((r) => r.idle()));
      await Promise.all(pending);
      const busy = [...this.trades.values()].some((t) => t.stats().buffered > 0) || [...this.books.values()].some((b) => b.state === 'fetching') || [...this.recent.values()].some((r) => r.stats().buffered > 0);
      if (!busy) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  stats(): IntegrityStats {
    return integrityStats({
      eventsIn: this.eventsIn, eventsOut: this.eventsOut, fillers: this.trades.values(), recent: this.recent.values(), books: this.books.values(),
      retired: this.retired, dedupDropped: this.window.dropped + this.tickers.dropped, live: this.tracker.stats(),
    });
  }

  close(): void {
    this.closed = true;
    if (this.reconcileTimer !== null) (this.opts.timers ?? realTimers).clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    for (const r of this.recent.values()) r.close();
    for (const t of this.trades.values()) t.close();
    for (const b of this.books.values()) b.close();
  }

  private pushTrade(e: Trade): void {
    if (e.seq === null) {
      if (this.opts.fetchRecentTrades !== undefined) this.recentFor(e).push(e);
      else if (this.window.firstSeen(`${e.symbol}|${e.source}`, e.tradeId)) this.emit(e);
      return;
    }
    // Consecutive trades are usually of one stream: compare with the last one (the fast path
    // hands out one symbol string per symbol, so this is mostly a pointer compare), no Map lookups.
    let stream = this.lastStream;
    if (stream === null || e.symbol !== this.lastSymbol || e.source !== this.lastSource) {
      stream = this.tradeStreams.get(e.symbol)?.get(e.source) ?? this.newTradeStream(e);
      this.lastStream = stream;
      this.lastSymbol = e.symbol;
      this.lastSource = e.source;
    }
    this.tracker.observeOn(stream.seq, e.seq);
    stream.filler.push(e);
  }

  private newTradeStream(e: Trade): TradeStream {
    const key = `${e.symbol}|${e.source}`;
    let filler = this.trades.get(key);
    if (filler === undefined) {
      const { symbol, source } = e;
      const venue = this.opts.venue;
      filler = new TradeGapFiller({
        venue, symbol, source, fetchTrades: this.opts.fetchTrades, emit: this.emit, now: this.opts.now,
        maxBuffered: this.opts.maxBufferedTrades, retryDelayMs: this.opts.retryDelayMs, maxAttempts: this.opts.maxFetchAttempts, timers: this.opts.timers,
        resumeAfterId: this.forgotten.has(symbol) ? null : this.opts.resumeAfter?.(symbol, source) ?? null,
        resumeStoredThroughId: this.forgotten.has(symbol) ? null : this.opts.resumeStoredThrough?.(symbol, source) ?? null, maxResumeTrades: this.opts.maxResumeTrades,
        progressIntervalMs: this.opts.backfillProgressLogIntervalMs,
        onDeclared: (g, err) => {
          this.log.error({ venue, symbol, source, fromId: g.fromId, toId: g.toId, reason: g.reason, err: errText(err) }, 'trade_gap_declared');
          this.opts.onAlert?.({ kind: 'trade_gap_unfilled', symbol, source, fromId: g.fromId, toId: g.toId, reason: g.reason, error: errText(err) });
        },
        onProgress: (p, done) => {
          const fields = { venue, symbol, source, fromId: p.fromId, lastId: p.lastId, idsRemaining: p.idsRemaining, tradesFetched: p.tradesFetched, pages: p.pages, tradesPerSec: Math.round(p.tradesPerSec), elapsedMs: p.elapsedMs, buffered: p.buffered };
          this.log.info(fields, done ? 'trade_backfill_done' : 'trade_backfill_progress');
        },
      });
      this.trades.set(key, filler);
    }
    const stream: TradeStream = { key, seq: this.tracker.stream(key), filler };
    let bySource = this.tradeStreams.get(e.symbol);
    if (bySource === undefined) this.tradeStreams.set(e.symbol, (bySource = new Map()));
    bySource.set(e.source, stream);
    return stream;
  }

  private recentFor(e: Trade): RecentTradeBackfill {
    const key = `${e.symbol}|${e.source}`;
    let r = this.recent.get(key);
    if (r !== undefined) return r;
    const { symbol, source } = e;
    r = new RecentTradeBackfill({
      symbol, source, fetchRecent: this.opts.fetchRecentTrades, emit: this.emit,
      windowItems: this.opts.dedupWindowItems, maxBuffered: this.opts.maxBufferedTrades, retryDelayMs: this.opts.retryDelayMs, maxAttempts: this.opts.maxFetchAttempts, timers: this.opts.timers,
      onWindowExceeded: (i) => {
        this.log.warn({ venue: this.opts.venue, symbol, source, ...i }, 'trade_window_exceeded');
        this.opts.onAlert?.({ kind: 'trade_window_exceeded', symbol, source, ...i });
      },
      onFailed: (err) => {
        this.log.warn({ venue: this.opts.venue, symbol, source, err: errText(err) }, 'recent_trades_unavailable');
        this.opts.onAlert?.({ kind: 'recent_trades_unavailable', symbol, source, error: errText(err) });
      },
    });
    this.recent.set(key, r);
    this.scheduleReconcile();
    return r;
  }

  /** One timer for every unsequenced stream: each period, every stream checks its recent page. */
  private scheduleReconcile(): void {
    const every = this.opts.recentTradesReconcileMs ?? integrityDefaults.recentTradesReconcileMs;
    if (every <= 0 || this.reconcileTimer !== null || this.closed) return;
    this.reconcileTimer = (this.opts.timers ?? realTimers).setTimeout(() => {
      this.reconcileTimer = null;
      if (this.closed) return;
      for (const r of this.recent.values()) r.check('reconcile');
      this.scheduleReconcile();
    }, every);
  }

  private bookFor(symbol: string): BookSync | undefined {
    const rules = this.opts.bookRules;
    if (rules === undefined) return undefined;
    let b = this.books.get(symbol);
    if (b === undefined) {
      b = new BookSync({
        venue: this.opts.venue, symbol, rules, emit: this.emit, fetchSnapshot: this.opts.fetchBookSnapshot, requestResubscribe: this.opts.requestResubscribe,
        maxBufferedDeltas: this.opts.maxBufferedDeltas, retryDelayMs: this.opts.retryDelayMs, maxSnapshotAttempts: this.opts.maxSnapshotAttempts, timers: this.opts.timers,
        onGiveUp: (sym, err) => {
          this.log.warn({ venue: this.opts.venue, symbol: sym, err: errText(err) }, 'book_sync_failed');
          this.opts.onAlert?.({ kind: 'book_sync_failed', symbol: sym, error: errText(err) });
        },
      });
      this.books.set(symbol, b);
    }
    return b;
  }
}
