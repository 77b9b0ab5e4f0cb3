/** Defaults of the pipeline (queues, dispatcher, worker pool, event-loop lag monitor). */

/** Items a consumer queue holds before its full-queue policy applies. */
export const DEFAULT_MAX_QUEUE_ITEMS = 10_000;
/** A handler call longer than this is abandoned for that event and counted as a timeout. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 3_000;
/**
 * Handler calls of one consumer running at once. 1 keeps a consumer's events in order; a call
 * abandoned at its timeout still occupies its slot until it settles, so a hung handler never has
 * more than this many calls outstanding and its queue (with its full-queue policy) absorbs the rest.
 */
export const DEFAULT_CONSUMER_CONCURRENCY = 1;
/** A synchronous handler call longer than this blocked the loop: warned (rate-limited) and counted. */
export const DEFAULT_SLOW_SYNC_HANDLER_MS = 50;
/** At most one timeout warning per consumer per this interval (the counter stays exact). */
export const DEFAULT_TIMEOUT_WARN_INTERVAL_MS = 10_000;
/** At most one handler-error log per consumer per this interval. */
export const DEFAULT_ERROR_LOG_INTERVAL_MS = 10_000;
/** Worker threads in the CPU pool. */
export const DEFAULT_WORKER_THREADS = 4;
/** Tasks waiting for a worker before new tasks are rejected (and counted). */
export const DEFAULT_WORKER_MAX_QUEUE_TASKS = 1_000;
/** Idle workers above minThreads are stopped after this long. */
export const DEFAULT_WORKER_IDLE_TIMEOUT_MS = 30_000;
/**
 * Where the enrichment calculator runs: 'inline' (on the event loop, one symbol per loop turn;
 * fine for the bundled order-flow calculator, a few dozen bins per symbol) or 'pool' (on the
 * worker pool: the loop never runs it and its timeout aborts the task). Use 'pool' for heavy
 * calculators or many hundreds of symbols.
 */
export const DEFAULT_ENRICH_ON: 'inline' | 'pool' = 'inline';
/** Enrichment tasks on the pool at once (the rest of a run waits its turn; the pool is shared). */
export const DEFAULT_ENRICH_POOL_TASKS_IN_FLIGHT = 8;
/** Until the first enrichment task completes on the pool (thread and module load), tasks get this long. */
export const DEFAULT_ENRICH_POOL_FIRST_RUN_TIMEOUT_MS = 15_000;
/** monitorEventLoopDelay sampling resolution. */
export const DEFAULT_LAG_RESOLUTION_MS = 10;
/** How often the lag monitor checks the histogram for an episode. */
export const DEFAULT_LAG_CHECK_INTERVAL_MS = 500;
/** A max delay within one check interval above this starts a lag episode (logged once). */
export const DEFAULT_LAG_THRESHOLD_MS = 100;
/** Window of the lag monitor's recent p99 (what admission control compares with server.maxEventLoopLagMs). */
export const DEFAULT_LAG_RECENT_WINDOW_MS = 10_000;

export const pipelineDefaults = {
  maxQueueItems: DEFAULT_MAX_QUEUE_ITEMS,
  handlerTimeoutMs: DEFAULT_HANDLER_TIMEOUT_MS,
  timeoutWarnIntervalMs: DEFAULT_TIMEOUT_WARN_INTERVAL_MS,
  errorLogIntervalMs: DEFAULT_ERROR_LOG_INTERVAL_MS,
  workerThreads: DEFAULT_WORKER_THREADS,
  workerMaxQueueTasks: DEFAULT_WORKER_MAX_QUEUE_TASKS,
  workerIdleTimeoutMs: DEFAULT_WORKER_IDLE_TIMEOUT_MS,
  enrichOn: DEFAULT_ENRICH_ON,
  lagResolutionMs: DEFAULT_LAG_RESOLUTION_MS,
  lagCheckIntervalMs: DEFAULT_LAG_CHECK_INTERVAL_MS,
  lagThresholdMs: DEFAULT_LAG_THRESHOLD_MS,
  lagRecentWindowMs: DEFAULT_LAG_RECENT_WINDOW_MS,
} as const;
