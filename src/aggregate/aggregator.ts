/**
 * The aggregation stage: trades in, Snapshot1s and Candle out (through one sync callback).
 * One SymbolAggregator per (venue, symbol). No timers inside: call onClock(now) from the edge
 * (see flush-timer.ts) so quiet seconds still produce snapshots.
 *
 * Scale choice: by default each symbol's price and size scales are inferred from the significant
 * decimals seen (trailing zeros ignored) and only grow; a finer value rescales the running sums
 * exactly. `scales` in the options fixes the starting scale from exchangeInfo (it can still grow,
 * never round). Output decimals are canonical (trailing zeros trimmed).
 */
import type { Candle, Enrichment, Snapshot1s } from '../model/aggregates.js';
import type { MarketEvent, StreamState, Trade, TradeGap } from '../model/events.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { aggregateDefaults } from '../config/defaults/aggregate.js';
import { effectiveCalendar, type MarketCalendar } from './market-hours.js';
import { SymbolAggregator } from './symbol-aggregator.js';
import type { LatePolicy, TimeWindowStats } from './time-window-fold.js';
import type { OrderFlowInput } from './enrich/order-flow.js';
import type { AggregateSeed } from './resume-seed.js';
import type { StreamHoldStats } from './stream-hold.js';

/** A raw trade passed on for storage (only with storeRawTrades). */
export interface RawTradeOutput {
  readonly kind: 'trade';
  readonly trade: Trade;
}

export type AggregatorOutput = Snapshot1s | Candle | RawTradeOutput;

/** Where snapshots get enrichment from (EnrichmentRunner satisfies it). */
export interface EnrichmentSource {
  latest(venue: string, symbol: string): Enrichment | null;
}

export interface AggregatorOptions {
  readonly onOutput: (out: AggregatorOutput) => void;
  readonly allowedLatenessMs?: number;
  readonly latePolicy?: LatePolicy;
  readonly amendHistoryMs?: number;
  /** Refuse (count) trades whose venue time is further ahead of their receive time. */
  readonly maxFutureSkewMs?: number;
  /** Ticks per tick candle; null disables them. */
  readonly tickCandleTicks?: number | null;
  readonly candleHistoryItems?: number;
  readonly timeCandleIntervalsMs?: readonly number[];
  /** Volume bar threshold (exact decimal string); null disables volume bars. */
  readonly volumeBarSize?: string | null;
  readonly recentTradesItems?: number;
  /** Longest enrichment window this aggregator must serve (sizes the per-second flow ring). */
  readonly enrichWindowMs?: number;
  /** Also emit every raw trade as { kind: 'trade' } (opt-in: raw ticks normally stay in memory). */
  readonly storeRawTrades?: boolean;
  /** Per venue; venues without one are always open. */
  readonly calendars?: Readonly<Record<string, MarketCalendar>>;
  readonly skipMarketHours?: boolean;
  /** Starting scales per "venue:SYMBOL" (e.g. from exchangeInfo). */
  readonly scales?: Readonly<Record<string, { readonly priceScale: number; readonly sizeScale: number }>>;
  readonly enrichment?: EnrichmentSource | null;
  /** Longest clock hold of a behind stream before it is released and counted. */
  readonly streamHoldMaxMs?: number;
  /** Longest clock hold of a symbol seeded at a restart, until its first new trade or 'whole'. */
  readonly restartHoldMaxMs?: number;
  /**
   * When amended windows are re-emitted: a late trade queues its window (once) and this is asked
   * to run the flush after the batch in hand, so a window gets one new revision per batch, not
   * one per late trade. Default queueMicrotask: once the synchronous run that is folding trades
   * (a pipeline drain slice, a socket read) ends. onClock() and flush() also emit them first.
   */
  readonly scheduleAmendFlush?: (flush: () => void) => void;
  readonly logger?: Logger;
}

export interface AggregatorStats {
  symbols: number;
  trades: number;
  ignoredEvents: number;
  invalidTrades: number;
  futureTrades: number;
  outputErrors: number;
  /** stream_state / trade_gap markers received. */
  markers: number;
  /** Symbols whose clock is held right now. */
  held: number;
  holds: StreamHoldStats;
  /** Trades skipped after a restart because stored output already covered them (per fold kind). */
  resumeSkipped: { time: number; tick: number; volume: number };
  snapshots: TimeWindowStats;
  timeCandles: TimeWindowStats;
}

function addStats(into: TimeWindowStats, s: TimeWindowStats): void {
  into.amendEmissions += s.amendEmissions;
  into.emitted += s.emitted;
  into.emptyEmitted += s.emptyEmitted;
  into.late += s.late;
  into.lateAmended += s.lateAmended;
  into.lateDropped += s.lateDropped;
  into.lateTooOld += s.lateTooOld;
}

export class Aggregator {
  private readonly symbols = new Map<string, SymbolAggregator>();
  /** The same aggregators by venue, then symbol: the per-trade lookup builds no key string. */
  private readonly byVenue = new Map<string, Map<string, SymbolAggregator>>();
  // Last looked-up state: consecutive trades are usually of the same symbol (no string building).
  private lastVenue = '';
  private lastSymbol = '';
  private lastAgg: SymbolAggregator | null = null;
  private readonly logger: Logger;
  private ignoredEvents = 0;
  private invalidTrades = 0;
  private outputErrors = 0;
  private markers = 0;
  private lastInvalidLogAt = -Infinity;
  /** Symbols with amended windows queued, and whether their flush is scheduled. */
  private readonly amendPending: SymbolAggregator[] = [];
  private amendScheduled = false;
  private readonly schedule: (flush: () => void) => void;
  private readonly runAmendFlush = (): void => {
    this.amendScheduled = false;
    this.flushAmendments();
  };

  constructor(private readonly opts: AggregatorOptions) {
    this.logger = opts.logger ?? silentLogger();
    this.schedule = opts.scheduleAmendFlush ?? queueMicrotask;
  }

  /**
   * Re-emit every queued amended window now (each once, whole, revision + 1). Runs by itself
   * after the batch (scheduleAmendFlush); callers folding synchronously may call it themselves.
   */
  flushAmendments(): void {
    const list = this.amendPending;
    // A sink may fold more (and queue more) while this runs: take the list as it is.
    for (let i = 0; i < list.length; i++) (list[i] as SymbolAggregator).emitAmended();
    list.length = 0;
  }

  /** Any market event; only trades are aggregated. Never throws. */
  ingest(event: MarketEvent): void {
    if (event.type !== 'trade') {
      if (event.type === 'stream_state' || event.type === 'trade_gap') this.marker(event);
      else this.ignoredEvents++;
      return;
    }
    let agg = this.lastAgg;
    if (agg === null || event.symbol !== this.lastSymbol || event.venue !== this.lastVenue) {
      agg = this.symbolState(event.venue, event.symbol);
      this.lastAgg = agg;
      this.lastVenue = event.venue;
      this.lastSymbol = event.symbol;
    }
    try {
      if (!agg.add(event)) return;
    } catch (err) {
      this.invalidTrades++;
      if (event.receiveTime - this.lastInvalidLogAt >= 10_000) {
        this.lastInvalidLogAt = event.receiveTime;
        this.logger.warn({ venue: event.venue, symbol: event.symbol, tradeId: event.tradeId, err }, 'trade not aggregated');
      }
      return;
    }
    if (this.opts.storeRawTrades) this.output({ kind: 'trade', trade: event });
  }

  /**
   * In-band integrity markers, in order with the trades: 'behind' holds the symbol's clock,
   * 'whole' or a declared TradeGap releases it (nothing more is coming for the hole).
   */
  private marker(e: StreamState | TradeGap): void {
    this.markers++;
    const agg = this.symbolState(e.venue, e.symbol);
    const hold = agg.hold;
    if (e.type === 'trade_gap') {
      hold.declaredGap();
      agg.noteGap();
    }
    else if (e.state === 'behind') hold.hold(e.source);
    else hold.whole(e.source);
  }

  /**
   * Seed a symbol from storage before its first trade (restart; see SymbolAggregator.seed).
   * Returns the trade id after which its stream must resume, or null (nothing to resume).
   */
  seed(seed: AggregateSeed, maxRebuildTrades?: number): number | null {
    return this.symbolState(seed.venue, seed.symbol).seed(seed, maxRebuildTrades);
  }

  /**
   * Wall-clock tick from the edge: closes quiet seconds and candles. `queuedSinceMs`: receive
   * time of the oldest event still queued for this aggregator (Pipeline.queuedSince), if any: the
   * clock then acts as if it were that time, so while its queue lags it does not close the
   * windows the queued trades belong to (they would all arrive late and amend them).
   */
  onClock(nowMs: number, queuedSinceMs?: number): void {
    const now = queuedSinceMs !== undefined && queuedSinceMs < nowMs ? queuedSinceMs : nowMs;
    // Every symbol emits its queued amendments here (before the windows its clock closes).
    for (const agg of this.symbols.values()) agg.onClock(now);
    this.amendPending.length = 0;
  }

  /** Close every open window now (shutdown, end of a replay); queued amendments go out first. */
  flush(): void {
    for (const agg of this.symbols.values()) agg.flush();
    this.amendPending.length = 0;
  }

  symbol(venue: string, symbol: string): SymbolAggregator | undefined {
    return this.symbols.get(`${venue}:${symbol}`);
  }

  /** Recent raw trades kept in memory, oldest first. */
  recentTrades(venue: string, symbol: string): Trade[] {
    return this.symbol(venue, symbol)?.recentTrades.toArray() ?? [];
  }

  /** Recently completed candles of one interval ("t100", "1m", "v10"), oldest first. */
  recentCandles(venue: string, symbol: string, interval: string): Candle[] {
    const agg = this.symbol(venue, symbol);
    if (!agg) return [];
    if (agg.tickCandles?.interval === interval) return agg.tickCandles.recent.toArray();
    if (agg.volumeBars?.interval === interval) return agg.volumeBars.recent.toArray();
    return agg.timeCandles.find((t) => t.interval === interval)?.recent.toArray() ?? [];
  }

  /**
   * Inputs for the enrichment runner: per symbol, the per-second flow of the closed seconds in
   * the window ending at its newest closed second. Cheap (window/1 s bins per symbol).
   */
  enrichmentInputs(windowMs: number = this.opts.enrichWindowMs ?? aggregateDefaults.enrichWindowMs): OrderFlowInput[] {
    const out: OrderFlowInput[] = [];
    for (const agg of this.symbols.values()) {
      const time = agg.flowTime;
      if (time === null) continue;
      const bins = agg.flowBins.takeNewestWhile((b) => b.startTime >= time - windowMs);
      out.push({ venue: agg.venue, symbol: agg.symbol, time, windowMs, bins });
    }
    return out;
  }

  stats(): AggregatorStats {
    const zero = (): TimeWindowStats => ({ emitted: 0, emptyEmitted: 0, late: 0, lateAmended: 0, lateDropped: 0, lateTooOld: 0, amendEmissions: 0 });
    const s: AggregatorStats = {
      symbols: this.symbols.size, trades: 0, ignoredEvents: this.ignoredEvents, invalidTrades: this.invalidTrades,
      futureTrades: 0, outputErrors: this.outputErrors, markers: this.markers, held: 0,
      holds: { started: 0, released: 0, expired: 0 }, resumeSkipped: { time: 0, tick: 0, volume: 0 },
      snapshots: zero(), timeCandles: zero(),
    };
    for (const agg of this.symbols.values()) {
      s.trades += agg.trades;
      if (agg.hold.held) s.held++;
      s.holds.started += agg.hold.stats.started;
      s.holds.released += agg.hold.stats.released;
      s.holds.expired += agg.hold.stats.expired;
      s.resumeSkipped.time += agg.timeResume.skipped;
      s.resumeSkipped.tick += agg.tickCandles?.resume.skipped ?? 0;
      s.resumeSkipped.volume += agg.volumeBars?.resume.skipped ?? 0;
      s.futureTrades += agg.futureTrades;
      const late = agg.lateStats();
      addStats(s.snapshots, late.snapshots);
      for (const tc of Object.values(late.timeCandles)) addStats(s.timeCandles, tc);
    }
    return s;
  }

  private symbolState(venue: string, symbol: string): SymbolAggregator {
    let bySymbol = this.byVenue.get(venue);
    const known = bySymbol?.get(symbol);
    if (known) return known;
    const key = `${venue}:${symbol}`;
    let agg = this.symbols.get(key);
    if (agg) return agg;
    const o = this.opts;
    const d = aggregateDefaults;
    const calendar = o.calendars?.[venue];
    agg = new SymbolAggregator(venue, symbol, {
      allowedLatenessMs: o.allowedLatenessMs ?? d.allowedLatenessMs,
      latePolicy: o.latePolicy ?? d.latePolicy,
      amendHistoryMs: o.amendHistoryMs ?? d.amendHistoryMs,
      maxFutureSkewMs: o.maxFutureSkewMs ?? d.maxFutureSkewMs,
      tickCandleTicks: o.tickCandleTicks === undefined ? d.tickCandleTicks : o.tickCandleTicks,
      candleHistoryItems: o.candleHistoryItems ?? d.candleHistoryItems,
      timeCandleIntervalsMs: o.timeCandleIntervalsMs ?? d.timeCandleIntervalsMs,
      volumeBarSize: o.volumeBarSize === undefined ? d.volumeBarSize : o.volumeBarSize,
      recentTradesItems: o.recentTradesItems ?? d.recentTradesItems,
      flowBinsItems: Math.ceil((o.enrichWindowMs ?? d.enrichWindowMs) / 1000) + 1,
      session: calendar ? effectiveCalendar(calendar, o.skipMarketHours ?? false) : null,
      scales: o.scales?.[key],
      streamHoldMaxMs: o.streamHoldMaxMs ?? d.streamHoldMaxMs,
      restartHoldMaxMs: o.restartHoldMaxMs ?? d.restartHoldMaxMs,
    }, {
      snapshot: (s) => this.output(s),
      candle: (c) => this.output(c),
      enrichment: (v, sym) => this.opts.enrichment?.latest(v, sym) ?? null,
      amendPending: (a) => {
        this.amendPending.push(a);
        if (!this.amendScheduled) {
          this.amendScheduled = true;
          this.schedule(this.runAmendFlush);
        }
      },
    });
    this.symbols.set(key, agg);
    if (!bySymbol) this.byVenue.set(venue, (bySymbol = new Map()));
    bySymbol.set(symbol, agg);
    return agg;
  }

  private output(out: AggregatorOutput): void {
    try {
      this.opts.onOutput(out);
    } catch (err) {
      // A throwing consumer never breaks the fold; it is counted and the fold goes on.
      this.outputErrors++;
      this.logger.warn({ err, kind: out.kind }, 'aggregate output callback threw');
    }
  }
}
