/** Defaults of aggregation, enrichment and market hours. */

/** Watermark = max seen venue event time minus this; a second closes when the watermark passes its end. */
export const DEFAULT_ALLOWED_LATENESS_MS = 1_000;
/** 'amend' re-emits an already emitted second with revision+1; 'drop' counts and discards. */
export const DEFAULT_LATE_POLICY = 'amend' as const;
/**
 * A trade whose venue time is this far ahead of its receive time is refused (counted): one bad
 * timestamp would otherwise push the watermark into the future and make every later trade late.
 */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 60_000;
/** Emitted seconds kept for amendments (the seed kept the last 5 minutes). */
export const DEFAULT_AMEND_HISTORY_MS = 5 * 60_000;
/** Ticks per tick candle (the seeds' TickCandle100). */
export const DEFAULT_TICK_CANDLE_TICKS = 100;
/** Completed candles of each kind kept in memory per symbol (ring buffer). */
export const DEFAULT_CANDLE_HISTORY_ITEMS = 100;
/** Time candle intervals, in ms. */
export const DEFAULT_TIME_CANDLE_INTERVALS_MS: readonly number[] = [1_000, 60_000];
/** Volume bar threshold in base units, as an exact decimal string; null disables volume bars. */
export const DEFAULT_VOLUME_BAR_SIZE: string | null = null;
/**
 * Recent raw trades kept in memory per symbol, read only through Aggregator.recentTrades() (the
 * server, compat and enrichment keep or fold their own): 1,000 = the largest page a REST client
 * asks (Binance's limit). 10,000 on every symbol was GC load for no reader.
 */
export const DEFAULT_RECENT_TRADES_ITEMS = 1_000;
/** Raw trades are not passed to storage unless asked. */
export const DEFAULT_STORE_RAW_TRADES = false;
/** Wall-clock tick that closes quiet windows: 250 ms keeps snapshot latency under ~250 ms. */
export const DEFAULT_FLUSH_TICK_MS = 250;
/** Enrichment rolling window. */
export const DEFAULT_ENRICH_WINDOW_MS = 60_000;
/** Enrichment runs once per this interval. */
export const DEFAULT_ENRICH_INTERVAL_MS = 1_000;
/** An enrichment result older than this is not attached (null instead). */
export const DEFAULT_ENRICH_FRESHNESS_MS = 2_000;
/** A calculator run longer than this is abandoned and counted. */
export const DEFAULT_ENRICH_TIMEOUT_MS = 900;
/** Enrichment results kept per symbol. */
export const DEFAULT_ENRICH_RESULTS_KEPT = 10;
/**
 * Longest clock hold of a symbol whose trade stream is behind (integrity's 'behind' marker, or a
 * restart until its first new trade): beyond it the hold is released and counted (a 'whole'
 * marker that never came). Longer than a backfill of a long outage; while held, quiet seconds
 * are not emitted (trades still close windows by event time).
 */
export const DEFAULT_STREAM_HOLD_MAX_MS = 15 * 60_000;
/**
 * Longest clock hold of a symbol seeded at a restart until its first new trade or integrity's
 * 'whole': a symbol quiet after a restart gets its empty seconds after this (a backfill arriving
 * later amends them).
 */
export const DEFAULT_RESTART_HOLD_MAX_MS = 30_000;
/**
 * At start, resume state is read after the resume sink (first SQLite, else PostgreSQL) has
 * replayed its spool; waited for at most this long, then read as it is (logged).
 */
export const DEFAULT_RESUME_SPOOL_WAIT_MS = 30_000;
/**
 * A tick candle or volume bar whose stored partial would need more than this many trades before
 * the time folds' resume point is not rebuilt (it restarts at the resume point, logged).
 */
export const DEFAULT_RESUME_MAX_REBUILD_TRADES = 100_000;
/** Equities session, America/New_York wall time. */
export const DEFAULT_EQUITIES_TIME_ZONE = 'America/New_York';
export const DEFAULT_EQUITIES_OPEN_HHMM = '09:30';
export const DEFAULT_EQUITIES_CLOSE_HHMM = '16:00';

export const aggregateDefaults = {
  allowedLatenessMs: DEFAULT_ALLOWED_LATENESS_MS,
  latePolicy: DEFAULT_LATE_POLICY,
  amendHistoryMs: DEFAULT_AMEND_HISTORY_MS,
  maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS,
  tickCandleTicks: DEFAULT_TICK_CANDLE_TICKS,
  candleHistoryItems: DEFAULT_CANDLE_HISTORY_ITEMS,
  timeCandleIntervalsMs: DEFAULT_TIME_CANDLE_INTERVALS_MS,
  volumeBarSize: DEFAULT_VOLUME_BAR_SIZE,
  recentTradesItems: DEFAULT_RECENT_TRADES_ITEMS,
  storeRawTrades: DEFAULT_STORE_RAW_TRADES,
  streamHoldMaxMs: DEFAULT_STREAM_HOLD_MAX_MS,
  restartHoldMaxMs: DEFAULT_RESTART_HOLD_MAX_MS,
  resumeSpoolWaitMs: DEFAULT_RESUME_SPOOL_WAIT_MS,
  resumeMaxRebuildTrades: DEFAULT_RESUME_MAX_REBUILD_TRADES,
  flushTickMs: DEFAULT_FLUSH_TICK_MS,
  enrichWindowMs: DEFAULT_ENRICH_WINDOW_MS,
  enrichIntervalMs: DEFAULT_ENRICH_INTERVAL_MS,
  enrichFreshnessMs: DEFAULT_ENRICH_FRESHNESS_MS,
  enrichTimeoutMs: DEFAULT_ENRICH_TIMEOUT_MS,
  enrichResultsKept: DEFAULT_ENRICH_RESULTS_KEPT,
  equitiesTimeZone: DEFAULT_EQUITIES_TIME_ZONE,
  equitiesOpenHhmm: DEFAULT_EQUITIES_OPEN_HHMM,
  equitiesCloseHhmm: DEFAULT_EQUITIES_CLOSE_HHMM,
} as const;
