/** Defaults of the integrity layer (src/integrity/). */

/** Live trades held per stream while a backfill runs; beyond it new ones are dropped and refetched. */
export const DEFAULT_INTEGRITY_MAX_BUFFERED_TRADES = 100_000;
/** Book deltas held per symbol while waiting for a snapshot; beyond it the sync restarts. */
export const DEFAULT_INTEGRITY_MAX_BUFFERED_DELTAS = 10_000;
/** Ids remembered per stream to drop duplicates (rotation overlap, A/B connections). */
export const DEFAULT_INTEGRITY_DEDUP_WINDOW_ITEMS = 10_000;
/** Delay before retrying a failed trade backfill or snapshot fetch. */
export const DEFAULT_INTEGRITY_RETRY_DELAY_MS = 1_000;
/** Attempts per gap before giving up and reporting it unfilled. */
export const DEFAULT_INTEGRITY_MAX_FETCH_ATTEMPTS = 5;
/** Snapshot fetches per book sync before giving up until the next delta. */
export const DEFAULT_INTEGRITY_MAX_SNAPSHOT_ATTEMPTS = 5;
/**
 * Trades without a sequence (Bybit UUIDs): every this many ms the recent-trade page of each
 * stream is fetched and trades the socket never delivered are emitted late (source 'backfill').
 * It is the only way to see frames lost inside a live stream; 0 turns it off (reconnects still
 * backfill). One request per symbol per period.
 */
export const DEFAULT_INTEGRITY_RECENT_TRADES_RECONCILE_MS = 30_000;
/** Ids remembered per stream for recent-trade backfill, at least this many times the REST page. */
export const DEFAULT_INTEGRITY_RECENT_TRADES_WINDOW_PAGES = 4;

/** After a restart, trades missed while stopped are backfilled up to this many per stream. */
export const DEFAULT_INTEGRITY_MAX_RESUME_TRADES = 200_000;

/**
 * Trade backfill pages requested ahead of the one being merged (REST requests in flight per
 * stream). Memory per backfilling stream is bounded by this x the REST page size (1,000 rows) plus
 * maxBufferedTrades, whatever the outage length. An open-ended range starts with one page and
 * prefetches only once a full page shows there is more.
 */
export const DEFAULT_INTEGRITY_BACKFILL_PREFETCH_PAGES = 2;
/**
 * Share of the venue's REST weight budget that backfill pages may use; the rest stays free for
 * depth snapshots and listenKey calls while a long backfill runs.
 */
export const DEFAULT_INTEGRITY_BACKFILL_WEIGHT_SHARE = 0.8;
/** A running backfill logs its progress (ids remaining, trades/s) at most this often. */
export const DEFAULT_INTEGRITY_BACKFILL_PROGRESS_LOG_INTERVAL_MS = 5_000;

export const integrityDefaults = {
  backfillPrefetchPages: DEFAULT_INTEGRITY_BACKFILL_PREFETCH_PAGES,
  backfillWeightShare: DEFAULT_INTEGRITY_BACKFILL_WEIGHT_SHARE,
  backfillProgressLogIntervalMs: DEFAULT_INTEGRITY_BACKFILL_PROGRESS_LOG_INTERVAL_MS,
  maxResumeTrades: DEFAULT_INTEGRITY_MAX_RESUME_TRADES,
  maxBufferedTrades: DEFAULT_INTEGRITY_MAX_BUFFERED_TRADES,
  maxBufferedDeltas: DEFAULT_INTEGRITY_MAX_BUFFERED_DELTAS,
  dedupWindowItems: DEFAULT_INTEGRITY_DEDUP_WINDOW_ITEMS,
  retryDelayMs: DEFAULT_INTEGRITY_RETRY_DELAY_MS,
  maxFetchAttempts: DEFAULT_INTEGRITY_MAX_FETCH_ATTEMPTS,
  maxSnapshotAttempts: DEFAULT_INTEGRITY_MAX_SNAPSHOT_ATTEMPTS,
  recentTradesReconcileMs: DEFAULT_INTEGRITY_RECENT_TRADES_RECONCILE_MS,
  recentTradesWindowPages: DEFAULT_INTEGRITY_RECENT_TRADES_WINDOW_PAGES,
} as const;
