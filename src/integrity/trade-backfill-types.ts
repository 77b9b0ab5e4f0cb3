/**
 * The trade backfill's contract: what a fetcher returns (pages of a range), what the filler emits
 * (trades and in-band markers), its options, progress reports and counters.
 */
import type { StreamState, Trade, TradeGap } from '../model/events.js';
import type { IntegrityTimers } from './timers.js';

/** One page of a backfill range: contiguous trades; `missing` = ids before them the venue no longer has. */
export interface TradePage {
  readonly trades: readonly Trade[];
  readonly missing?: { readonly fromId: number; readonly toId: number } | null;
}

/** Trades with ids fromId..toId (toId null: up to the newest) as pages in id order; `source` is the live stream's. */
export type FetchTrades = (symbol: string, fromId: number, toId: number | null, source: string) => AsyncIterable<TradePage>;

export type FillerEvent = Trade | StreamState | TradeGap;

export type TradeGapReason = 'max_resume_exceeded' | 'history_window_exceeded' | 'backfill_failed' | 'no_fetcher';

export interface BackfillProgress {
  readonly symbol: string;
  readonly source: string;
  /** First id the episode fetched. */
  readonly fromId: number;
  readonly lastId: number | null;
  /** Ids still to deliver up to the newest known one; null when the end is unknown (open range). */
  readonly idsRemaining: number | null;
  readonly tradesFetched: number;
  readonly pages: number;
  readonly tradesPerSec: number;
  readonly elapsedMs: number;
  readonly buffered: number;
}

export interface TradeGapFillerOptions {
  readonly venue?: string;
  readonly symbol: string;
  readonly source: string;
  readonly fetchTrades?: FetchTrades;
  readonly emit: (e: FillerEvent) => void;
  /** A hole was declared (the TradeGap was emitted just before). */
  readonly onDeclared?: (gap: TradeGap, error: unknown) => void;
  /** During a backfill, at most every progressIntervalMs (and once when a long one ends). */
  readonly onProgress?: (p: BackfillProgress, done: boolean) => void;
  readonly progressIntervalMs?: number;
  readonly now?: () => number;
  readonly maxBuffered?: number;
  readonly retryDelayMs?: number;
  /** Consecutive fetches without progress before the hole is declared. */
  readonly maxAttempts?: number;
  readonly timers?: IntegrityTimers;
  /**
   * Last id delivered before a restart (from storage): the first live trade then backfills
   * everything after it, so a restarted gateway leaves no hole. A hole larger than
   * maxResumeTrades is declared (max_resume_exceeded) instead of fetched for hours.
   */
  readonly resumeAfterId?: number | null;
  /**
   * Highest id the stored output covers (above resumeAfterId when a partial bucket is rebuilt
   * from the stream): a hole beyond maxResumeTrades is declared from after it, so ids already
   * stored and delivered are never announced as missing.
   */
  readonly resumeStoredThroughId?: number | null;
  readonly maxResumeTrades?: number;
}

export interface TradeGapFillerStats {
  gapsDetected: number;
  /** Detected gaps closed by a backfill. */
  gapsFilled: number;
  /** Catch-up backfills after a reconnect that completed. */
  reconnectBackfills: number;
  /** Holes declared (TradeGap events). */
  gapsUnfilled: number;
  /** Ids in declared holes with a known end. */
  idsDeclaredMissing: number;
  tradesBackfilled: number;
  duplicatesDropped: number;
  overflowDropped: number;
  /** Ranges started (each an async iterable of pages). */
  fetches: number;
  fetchFailures: number;
  pages: number;
  /** Rows received in pages (including ones the live stream also delivered). */
  tradesFetched: number;
  buffered: number;
  /** Most live trades held at once (bounded by maxBuffered). */
  peakBuffered: number;
  /** 1 while a backfill episode runs. */
  backfilling: number;
  /** Ids still to deliver in the running episode, when its end is known (else 0). */
  idsRemaining: number;
  /** Fetch rate of the running episode (0 when idle). */
  tradesPerSec: number;
  /** 1 while the stream is behind (between a 'behind' and its 'whole'). */
  behind: number;
  /** 'behind' markers emitted. */
  behindEpisodes: number;
  /** Episodes ended by an error thrown downstream of emit (the stream goes on). */
  internalErrors: number;
}
