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

export const integrityDefaults = {
  maxBufferedTrades: DEFAULT_INTEGRITY_MAX_BUFFERED_TRADES,
  maxBufferedDeltas: DEFAULT_INTEGRITY_MAX_BUFFERED_DELTAS,
  dedupWindowItems: DEFAULT_INTEGRITY_DEDUP_WINDOW_ITEMS,
  retryDelayMs: DEFAULT_INTEGRITY_RETRY_DELAY_MS,
  maxFetchAttempts: DEFAULT_INTEGRITY_MAX_FETCH_ATTEMPTS,
  maxSnapshotAttempts: DEFAULT_INTEGRITY_MAX_SNAPSHOT_ATTEMPTS,
} as const;
