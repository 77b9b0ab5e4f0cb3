/**
 * All aggregation state of one (venue, symbol): the trade is parsed once, then folded into the
 * 1 s snapshot window, the time candles, the tick candles and the volume bars; raw trades go to
 * a bounded ring. Pure folds: the clock arrives through onClock().
 */
import type { Candle, Enrichment, Snapshot1s } from '../model/aggregates.js';
import type { Trade } from '../model/events.js';
import { newParsedTrade, OhlcvAcc, parseTrade, type ParsedTrade, type SymbolScales } from './ohlcv-acc.js';
import { candleOf, snapshotOf } from './outputs.js';
import { RingBuffer } from './ring-buffer.js';
import { TickCandleFold } from './tick-candles.js';
import { TimeWindowFold, type LatePolicy, type SessionGate, type TimeWindowStats } from './time-window-fold.js';
import { VolumeBarFold } from './volume-bars.js';
import type { FlowBin } from './enrich/order-flow.js';
import { accFromStored, numericId, type AggregateSeed } from './resume-seed.js';
import { ResumeCursor } from './resume-cursor.js';
import { StreamHold } from './stream-hold.js';
import { CompactTradeRing } from './compact-trade-ring.js';

export interface SymbolAggregatorConfig {
  readonly allowedLatenessMs: number;
  readonly latePolicy: LatePolicy;
  readonly amendHistoryMs: number;
  readonly maxFutureSkewMs: number;
  readonly tickCandleTicks: number | null;
  readonly candleHistoryItems: number;
  readonly timeCandleIntervalsMs: readonly number[];
  readonly volumeBarSize: string | null;
  readonly recentTradesItems: number;
  /** Closed seconds of buy/sell flow kept for enrichment (its window in seconds). */
  readonly flowBinsItems: number;
  readonly session: SessionGate | null;
  readonly scales?: { readonly priceScale: number; readonly sizeScale: number };
  /** A clock hold (stream behind) not released within this is released and counted. */
  readonly streamHoldMaxMs: number;
  /** The same for the hold a restart starts (released by the first new trade or 'whole'). */
  readonly restartHoldMaxMs: number;
}

export interface SymbolAggregatorSinks {
  snapshot(s: Snapshot1s): void;
  candle(c: Candle): void;
  enrichment(venue: string, symbol: string): Enrichment | null;
  /** A time fold queued an amended window: call emitAmended() when the batch in hand is folded. */
  amendPending?(agg: SymbolAggregator): void;
}

export function intervalName(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export class SymbolAggregator {
  readonly scales: SymbolScales;
  readonly snapshots: TimeWindowFold;
  readonly timeCandles: { readonly interval: string; readonly fold: TimeWindowFold | null; readonly recent: RingBuffer<Candle> }[] = [];
  /** All time folds but the 1 s one, in configured order. */
  private readonly timeFolds: TimeWindowFold[] = [];
  /**
   * Per time fold: derived (a whole-second interval) is fed the closed 1 s buckets instead of
   * every trade, and only the trades late for the 1 s fold one by one (see add()); the others
   * fold every trade.
   */
  private readonly timeFoldDerived: boolean[] = [];
  /** The derived ones, which take the closed 1 s buckets. */
  private readonly derivedFolds: TimeWindowFold[] = [];
  readonly tickCandles: TickCandleFold | null;
  readonly volumeBars: VolumeBarFold | null;
  /** Columns, not Trade objects: a ring of event objects would keep every trade alive (GC). */
  readonly recentTrades: CompactTradeRing;
  readonly flowBins: RingBuffer<FlowBin>;
  /** Time folds (1 s and coarser) after a restart: trades already in stored seconds are skipped. */
  readonly timeResume = new ResumeCursor();
  /** While a trade stream of this symbol is behind, the wall clock closes no window. */
  readonly hold: StreamHold;
  private readonly intervalsMs: readonly number[];
  /** receiveTime - eventTime of the newest trade: maps the wall clock onto venue time. */
  private clockOffsetMs = 0;
  private readonly maxFutureSkewMs: number;
  private readonly scratch: ParsedTrade;
  trades = 0;
  /** Trades refused because their venue time was too far ahead of their receive time. */
  futureTrades = 0;
  /** Tick/volume partials not rebuilt at a restart (more than maxRebuildTrades behind). */
  notRebuilt = 0;
  /** A TradeGap was declared and no trade came since: the seconds of the hole are unknown, not quiet. */
  private afterGap = false;
  /** The owner was told of queued amendments and has not called emitAmended() since. */
  private amendNoted = false;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    cfg: SymbolAggregatorConfig,
    private readonly sinks: SymbolAggregatorSinks,
  ) {
    this.maxFutureSkewMs = cfg.maxFutureSkewMs;
    this.hold = new StreamHold(cfg.streamHoldMaxMs, cfg.restartHoldMaxMs);
    this.intervalsMs = cfg.timeCandleIntervalsMs.filter((ms) => ms !== 1000);
    this.scales = { priceScale: cfg.scales?.priceScale ?? 0, sizeScale: cfg.scales?.sizeScale ?? 0 };
    this.scratch = newParsedTrade({} as Trade);
    const base = { allowedLatenessMs: cfg.allowedLatenessMs, latePolicy: cfg.latePolicy, historyMs: cfg.amendHistoryMs };
    // Amended windows go out once per batch (see TimeWindowFold): the owner is told, once per symbol.
    const pending = sinks.amendPending;
    const onAmend = pending === undefined ? undefined : (): void => {
      if (this.amendNoted) return;
      this.amendNoted = true;
      pending.call(sinks, this);
    };
    // The 1 s candle is the snapshot window itself (same watermark and late policy): it is
    // emitted from the snapshot fold for non-empty seconds instead of folding every trade twice.
    const oneSecond = cfg.timeCandleIntervalsMs.includes(1000) ? new RingBuffer<Candle>(cfg.candleHistoryItems) : null;
    if (oneSecond) this.timeCandles.push({ interval: '1s', fold: null, recent: oneSecond });
    this.snapshots = new TimeWindowFold({ ...base, intervalMs: 1000, emitEmpty: true, session: cfg.session }, this.scales, (acc) => {
      const f = acc.fields(venue, symbol);
      const snap = snapshotOf(f, acc.startTime, acc.empty, sinks.enrichment(venue, symbol));
      this.noteFlow(snap);
      sinks.snapshot(snap);
      if (oneSecond && !acc.empty) {
        const c = candleOf(f, '1s', 'time', acc.startTime, acc.startTime + 1000);
        if (c.revision === 0) oneSecond.push(c);
        sinks.candle(c);
      }
      // A second's first emission is merged into the coarser windows; its amendments are not:
      // the late trades behind them go to those folds directly.
      if (acc.revision === 0 && !acc.empty) for (let i = 0; i < this.derivedFolds.length; i++) (this.derivedFolds[i] as TimeWindowFold).addBucket(acc);
    }, onAmend);
    for (const ms of cfg.timeCandleIntervalsMs) {
      if (ms === 1000) continue;
      const interval = intervalName(ms);
      const recent = new RingBuffer<Candle>(cfg.candleHistoryItems);
      const fold = new TimeWindowFold({ ...base, intervalMs: ms, emitEmpty: false, session: null }, this.scales, (acc) => {
        const c = candleOf(acc.fields(venue, symbol), interval, 'time', acc.startTime, acc.endTime);
        if (c.revision === 0) recent.push(c);
        sinks.candle(c);
      }, onAmend);
      this.timeCandles.push({ interval, fold, recent });
      this.timeFolds.push(fold);
      this.timeFoldDerived.push(ms % 1000 === 0);
      if (ms % 1000 === 0) this.derivedFolds.push(fold);
    }
    this.tickCandles = cfg.tickCandleTicks
      ? new TickCandleFold(venue, symbol, cfg.tickCandleTicks, cfg.candleHistoryItems, this.scales, (c) => sinks.candle(c))
      : null;
    this.volumeBars = cfg.volumeBarSize
      ? new VolumeBarFold(venue, symbol, cfg.volumeBarSize, cfg.candleHistoryItems, this.scales, (c) => sinks.candle(c))
      : null;
    this.recentTrades = new CompactTradeRing(venue, symbol, cfg.recentTradesItems);
    this.flowBins = new RingBuffer<FlowBin>(cfg.flowBinsItems);
  }

  /** Newest closed second, as the end of the enrichment window (null before any). */
  get flowTime(): number | null {
    const last = this.flowBins.last();
    return last ? last.startTime + 1000 : null;
  }

  private noteFlow(s: Snapshot1s): void {
    const bin: FlowBin = { startTime: s.startTime, buyVolume: s.buyVolume, sellVolume: s.sellVolume, tradeCount: s.tradeCount };
    if (s.revision > 0) {
      // An amendment replaces its second's bin if that is still kept.
      for (let i = this.flowBins.size - 1; i >= 0; i--) {
        const b = this.flowBins.at(i) as FlowBin;
        if (b.startTime === s.startTime) { this.flowBins.set(i, bin); return; }
        if (b.startTime < s.startTime) return;
      }
      return;
    }
    this.flowBins.push(bin);
  }

  /** Fold one trade (throws DecimalError on a malformed price or size; the caller counts it). */
  add(trade: Trade): boolean {
    if (trade.eventTime - trade.receiveTime > this.maxFutureSkewMs) {
      this.futureTrades++;
      return false;
    }
    const t = parseTrade(trade, this.scales, this.scratch);
    this.trades++;
    this.clockOffsetMs = trade.receiveTime - trade.eventTime;
    this.recentTrades.pushParsed(trade, t);
    if (this.timeResume.skips(trade.seq)) {
      // Already in the stored seconds and time candles; the tick folds may still need it.
      this.tickCandles?.add(t);
      this.volumeBars?.add(t);
      return true;
    }
    this.hold.onTrade();
    const time = trade.eventTime;
    if (this.afterGap) this.jumpPastGap(time);
    const folds = this.timeFolds;
    // A derived fold needs its first cursor before the 1 s fold can hand it a closed second.
    if (this.trades === 1) for (let i = 0; i < folds.length; i++) (folds[i] as TimeWindowFold).prime(time);
    // Same watermark and late policy in every time fold, and a coarser window closes no earlier
    // than its seconds: a trade on time for the 1 s fold is (but after a flush) on time for the
    // coarser ones too and reaches them inside its closed second. A trade late for the 1 s fold
    // may still be on time for a coarser one, or amend it: it is folded there directly.
    const onTime = this.snapshots.add(t);
    for (let i = 0; i < folds.length; i++) {
      const f = folds[i] as TimeWindowFold;
      if (onTime && this.timeFoldDerived[i] === true && f.isOpenAt(time)) f.observe(t);
      else f.add(t);
    }
    this.tickCandles?.add(t);
    this.volumeBars?.add(t);
    return true;
  }

  /** A declared hole (TradeGap) came in order: the next trade's windows follow it without empty ones. */
  noteGap(): void {
    this.afterGap = true;
  }

  private jumpPastGap(time: number): void {
    this.afterGap = false;
    this.snapshots.jumpTo(time);
    for (const f of this.timeFolds) f.jumpTo(time);
  }

  /** Re-emit the amended windows of every time fold (each once, whole, revision + 1). */
  emitAmended(): void {
    this.amendNoted = false;
    this.snapshots.emitAmended();
    for (let i = 0; i < this.timeFolds.length; i++) (this.timeFolds[i] as TimeWindowFold).emitAmended();
  }

  /** Wall clock tick: quiet windows close once venue time (estimated) minus lateness passes them. */
  onClock(nowMs: number): void {
    // A stream that is behind (outage, backfill, restart) gets no invented empty windows: its
    // trades close them by event time as they arrive. Amendments go out either way, each fold's
    // before the windows its clock closes.
    if (this.hold.blocks(nowMs)) {
      this.emitAmended();
      return;
    }
    this.amendNoted = false;
    const venueNow = nowMs - this.clockOffsetMs;
    const snapCut = venueNow - this.snapshots.opts.allowedLatenessMs;
    this.snapshots.emitAmended();
    this.snapshots.advanceTo(Math.max(snapCut, this.snapshots.watermark));
    for (const f of this.timeFolds) {
      f.emitAmended();
      f.advanceTo(Math.max(venueNow - f.opts.allowedLatenessMs, f.watermark));
    }
  }

  /**
   * Resume from storage before the first trade (see AggregateSeed): the 1 s fold continues after
   * the newest stored second (its close carried into quiet seconds, the stored seconds amendable),
   * each whole-second time fold's current window is rebuilt from its stored seconds and emitted
   * later above its stored revision, tick candles and volume bars continue after their newest
   * stored one. The clock is held until the first new trade (or a 'whole' marker), so an outage
   * the backfill will fill is not emitted as empty seconds first.
   * Returns the trade id after which the stream must resume (the minimum any fold needs), or null.
   */
  seed(seed: AggregateSeed, maxRebuildTrades: number = Infinity): number | null {
    if (this.trades > 0 || seed.seconds.length === 0) return null;
    const rows = seed.seconds;
    const newest = rows[rows.length - 1]!;
    const lastId = Math.max(...[...rows, ...(seed.lastNonEmpty ? [seed.lastNonEmpty] : [])].map((r) => numericId(r.lastTradeId) ?? -1));
    const seconds = rows.map((r) => accFromStored(r, r.startTime, r.startTime + 1000, this.scales));
    this.snapshots.seed(newest.startTime + 1000, seconds, null);
    // A kill can land between a second's snapshot and its 1 s candle: emit the candle again.
    const oneSecond = this.timeCandles.find((tc) => tc.fold === null);
    if (oneSecond && !newest.empty && !seed.timeCandles.some((c) => c.interval === '1s' && c.startTime === newest.startTime && c.revision >= newest.revision)) {
      this.sinks.candle(candleOf(seconds[seconds.length - 1]!.fields(this.venue, this.symbol), '1s', 'time', newest.startTime, newest.startTime + 1000));
    }
    for (let i = 0; i < this.timeFolds.length; i++) {
      const ms = this.intervalsMs[i]!;
      const fold = this.timeFolds[i]!;
      if (ms % 1000 !== 0) continue; // not derivable from seconds: starts afresh (documented)
      const start = newest.startTime - (((newest.startTime % ms) + ms) % ms);
      const interval = this.timeCandles.find((tc) => tc.fold === fold)!.interval;
      const stored = seed.timeCandles.find((c) => c.interval === interval && c.startTime === start);
      const acc = new OhlcvAcc(start, start + ms, this.scales);
      for (let k = 0; k < rows.length; k++) if (rows[k]!.startTime >= start && !rows[k]!.empty) acc.merge(seconds[k]!);
      acc.revision = stored ? stored.revision + 1 : 0;
      fold.seed(start, [], acc);
    }
    let resume = lastId >= 0 ? this.timeResume.cover(lastId) : null;
    const first = seed.firstNonEmpty?.firstTradeId ?? null;
    const ticks = this.tickCandles ? this.tickCandles.seed(seed.tickCandles.find((c) => c.interval === this.tickCandles!.interval) ?? null, first) : null;
    const bars = this.volumeBars ? this.volumeBars.seed(seed.tickCandles.find((c) => c.interval === this.volumeBars!.interval) ?? null, first) : null;
    // A partial needing far more than the time folds' resume point is not rebuilt: it restarts there.
    const timeCovered = resume;
    for (const [fold, id] of [[this.tickCandles, ticks], [this.volumeBars, bars]] as const) {
      if (fold === null || id === null) continue;
      if (timeCovered !== null && id < timeCovered - maxRebuildTrades) {
        fold.resume.cover(timeCovered);
        this.notRebuilt++;
      } else if (resume === null || id < resume) resume = id;
    }
    this.hold.hold('restart');
    return resume;
  }

  /** Close every open window (shutdown, end of replay). Partial tick candles/bars stay pending. */
  flush(): void {
    // Each fold's flush() emits its amendments before closing its windows.
    this.amendNoted = false;
    this.snapshots.flush();
    for (const f of this.timeFolds) f.flush();
  }

  /** Venue-time estimate of the wall clock. */
  venueTime(nowMs: number): number {
    return nowMs - this.clockOffsetMs;
  }

  lateStats(): { snapshots: TimeWindowStats; timeCandles: Record<string, TimeWindowStats> } {
    const timeCandles: Record<string, TimeWindowStats> = {};
    for (const tc of this.timeCandles) if (tc.fold) timeCandles[tc.interval] = { ...tc.fold.stats };
    return { snapshots: { ...this.snapshots.stats }, timeCandles };
  }
}
