/**
 * Defaults for sinks/ (storage): retry, spool, queues and per-sink connection settings.
 * Every value carries its unit in its name; sinks/ imports them from here and nowhere else.
 */

/** Delays of the in-line retries of a failed batch before it goes to the spool (seed: 100, 200, 400). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400];
/** Each retry delay is multiplied by a factor drawn uniformly in [1 - ratio, 1 + ratio]. */
export const DEFAULT_RETRY_JITTER_RATIO = 0.2;
/** First pause of the replayer after a failed replay attempt; doubles up to the max. */
export const DEFAULT_REPLAY_RETRY_INITIAL_MS = 500;
export const DEFAULT_REPLAY_RETRY_MAX_MS = 10_000;
/** Pause between replay probes while a sink is failed with a fatal error (bad auth, bad schema). */
export const DEFAULT_FATAL_PROBE_INTERVAL_MS = 30_000;
/**
 * Records per sink write (and per spool chunk). Writes run off the event loop (SQLite on its
 * worker thread), so a batch costs the loop one round trip whatever its size; under load a round
 * trip waits a loaded loop turn, so 250 per write capped SQLite at ~250 records per turn and it
 * fell behind the aggregator at ~30k trades/s (bench/e2e). Repeats of a row within a batch are
 * coalesced before the transaction.
 */
export const DEFAULT_MAX_BATCH_RECORDS = 2_000;
/** Records held in memory per sink before new records spill straight into the spool. */
export const DEFAULT_MAX_QUEUE_RECORDS = 20_000;
/**
 * Records that may wait in memory while the spool's disk writes the previous spill (spool writes
 * run off the event loop, so a burst arrives meanwhile); beyond it the newest are dropped and
 * counted. Sized for a synchronous burst far above a live rate (~100 MB of records at worst).
 */
export const DEFAULT_MAX_SPILL_BACKLOG_RECORDS = 200_000;
/** Time one sink write may take before it counts as failed (then retried / spooled). */
export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;
/** Graceful close: time to flush before what is left is spooled. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** Spool segment size at which the writer rotates to a new file. */
export const DEFAULT_SPOOL_SEGMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Hard cap of the spool on disk (all segments of one sink). */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;
/** Largest single spool record (one batch); bigger lengths in a header mean corruption. */
export const DEFAULT_SPOOL_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** fsync interval used by the 'interval' policy when none is given. */
export const DEFAULT_SPOOL_FSYNC_INTERVAL_MS = 200;

/** The spool's LOCK owner refreshes its mtime this often (a heartbeat). */
export const DEFAULT_SPOOL_LOCK_HEARTBEAT_MS = 5_000;
/** A LOCK of another host (or an unprobeable pid namespace) whose heartbeat is older than this is taken over. */
export const DEFAULT_SPOOL_LOCK_STALE_MS = 30_000;

/** PostgreSQL */
export const DEFAULT_POSTGRES_SCHEMA = 'tickgate';
export const DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 2;
/** A write taking longer is abandoned and the client rebuilt (a half-open socket never answers). */
export const DEFAULT_POSTGRES_QUERY_TIMEOUT_MS = 5_000;
/** Idle pooled connections are closed after this long. */
export const DEFAULT_POSTGRES_IDLE_TIMEOUT_MS = 60_000;
/** Rows per INSERT statement (PostgreSQL allows 65535 parameters; 20 columns x 1000 = 20000). */
export const DEFAULT_POSTGRES_ROWS_PER_STATEMENT = 1_000;

/** NATS JetStream */
export const DEFAULT_NATS_STREAM = 'TICKGATE';
export const DEFAULT_NATS_SUBJECT_PREFIX = 'tickgate';
/** Server-side duplicate window: replays of a batch within it are dropped by Nats-Msg-Id. */
export const DEFAULT_NATS_DUPLICATE_WINDOW_MS = 5 * 60_000;
export const DEFAULT_NATS_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_NATS_PUBLISH_TIMEOUT_MS = 5_000;
export const DEFAULT_NATS_RECONNECT_WAIT_MS = 250;
/** Acked publishes in flight at once within one batch. */
export const DEFAULT_NATS_MAX_IN_FLIGHT = 256;

/** JSONL */
export const DEFAULT_JSONL_MAX_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_JSONL_MAX_FILE_AGE_MS = 60 * 60_000;

/** Rows returned by the query helpers when no limit is given. */
export const DEFAULT_QUERY_LIMIT_ROWS = 1_000;
/** SQLite: wait this long for a lock held by another connection before failing the write. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** SQLite runs on a worker thread per sink; a write it has not answered within this means a hung worker (terminated, restarted). */
export const DEFAULT_SQLITE_WORKER_STALL_MS = 30_000;
/** Writes posted to one SQLite worker and not yet answered (abandoned-by-timeout ones included); beyond it write() fails retryably. */
export const DEFAULT_SQLITE_WORKER_MAX_PENDING_WRITES = 16;
/** close(): time the worker gets to finish posted writes before it is terminated. */
export const DEFAULT_SQLITE_WORKER_CLOSE_TIMEOUT_MS = 5_000;

export const sinksDefaults = {
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  retryJitterRatio: DEFAULT_RETRY_JITTER_RATIO,
  replayRetryInitialMs: DEFAULT_REPLAY_RETRY_INITIAL_MS,
  replayRetryMaxMs: DEFAULT_REPLAY_RETRY_MAX_MS,
  fatalProbeIntervalMs: DEFAULT_FATAL_PROBE_INTERVAL_MS,
  maxBatchRecords: DEFAULT_MAX_BATCH_RECORDS,
  maxQueueRecords: DEFAULT_MAX_QUEUE_RECORDS,
  maxSpillBacklogRecords: DEFAULT_MAX_SPILL_BACKLOG_RECORDS,
  writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_MS,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  spoolSegmentMaxBytes: DEFAULT_SPOOL_SEGMENT_MAX_BYTES,
  spoolMaxBytes: DEFAULT_SPOOL_MAX_BYTES,
  spoolMaxRecordBytes: DEFAULT_SPOOL_MAX_RECORD_BYTES,
  spoolFsyncIntervalMs: DEFAULT_SPOOL_FSYNC_INTERVAL_MS,
  spoolLockHeartbeatMs: DEFAULT_SPOOL_LOCK_HEARTBEAT_MS,
  spoolLockStaleMs: DEFAULT_SPOOL_LOCK_STALE_MS,
  postgresSchema: DEFAULT_POSTGRES_SCHEMA,
  postgresConnectTimeoutMs: DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS,
  postgresMaxConnections: DEFAULT_POSTGRES_MAX_CONNECTIONS,
  postgresQueryTimeoutMs: DEFAULT_POSTGRES_QUERY_TIMEOUT_MS,
  postgresIdleTimeoutMs: DEFAULT_POSTGRES_IDLE_TIMEOUT_MS,
  postgresRowsPerStatement: DEFAULT_POSTGRES_ROWS_PER_STATEMENT,
  natsStream: DEFAULT_NATS_STREAM,
  natsSubjectPrefix: DEFAULT_NATS_SUBJECT_PREFIX,
  natsDuplicateWindowMs: DEFAULT_NATS_DUPLICATE_WINDOW_MS,
  natsConnectTimeoutMs: DEFAULT_NATS_CONNECT_TIMEOUT_MS,
  natsPublishTimeoutMs: DEFAULT_NATS_PUBLISH_TIMEOUT_MS,
  natsReconnectWaitMs: DEFAULT_NATS_RECONNECT_WAIT_MS,
  natsMaxInFlight: DEFAULT_NATS_MAX_IN_FLIGHT,
  jsonlMaxFileBytes: DEFAULT_JSONL_MAX_FILE_BYTES,
  jsonlMaxFileAgeMs: DEFAULT_JSONL_MAX_FILE_AGE_MS,
  queryLimitRows: DEFAULT_QUERY_LIMIT_ROWS,
  sqliteBusyTimeoutMs: DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  sqliteWorkerStallMs: DEFAULT_SQLITE_WORKER_STALL_MS,
} as const;
