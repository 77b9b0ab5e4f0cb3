/**
 * Defaults of the scale-out cluster (src/cluster/): shard leases in a JetStream KV bucket and the
 * event bus stream between collectors and processors. Used only when a `cluster` section exists.
 */

/** NATS server(s) of the cluster. */
export const DEFAULT_CLUSTER_NATS_URL = 'nats://127.0.0.1:4222';
/** 'all' = collector and processor in one process (the one-process behaviour over the bus). */
export const DEFAULT_CLUSTER_ROLE = 'all' as const;
/** Prefix of the stream (`<ns>-events`), the subjects (`<ns>.events.…`) and the bucket (`<ns>-leases`). */
export const DEFAULT_CLUSTER_NAMESPACE = 'tickgate';
/** Symbols are hashed onto this many shards; a shard is the unit of ownership. */
export const DEFAULT_CLUSTER_SHARDS = 16;
/** A lease not renewed for this long expires (the bucket's max age) and another instance may take it. */
export const DEFAULT_CLUSTER_LEASE_TTL_MS = 10_000;
/** Renew this often: a third of the TTL leaves two renewals of slack before expiry. */
export const DEFAULT_CLUSTER_LEASE_RENEW_INTERVAL_MS = 3_000;
/** Collectors per shard at once: 1 = single owner, 2 = A/B redundancy (the stream dedupes). */
export const DEFAULT_CLUSTER_REDUNDANCY = 1 as const;
/** Shards one instance holds at most (0 = no cap). */
export const DEFAULT_CLUSTER_MAX_SHARDS_PER_INSTANCE = 0;
/** Publishes awaiting their JetStream ack at once, per publisher (the bound on un-acked events). */
export const DEFAULT_CLUSTER_MAX_IN_FLIGHT_PUBLISHES = 256;
/** One publish not acked within this is retried (same Nats-Msg-Id, so never doubled). */
export const DEFAULT_CLUSTER_PUBLISH_TIMEOUT_MS = 5_000;
/**
 * The events stream drops a second message with the same Nats-Msg-Id within this window: it must
 * cover how far A/B collectors may lag each other and the longest publish retry.
 */
export const DEFAULT_CLUSTER_DUPLICATE_WINDOW_MS = 2 * 60_000;
/** The events stream keeps messages this long (0 = forever, bounded by maxStreamBytes). */
export const DEFAULT_CLUSTER_STREAM_MAX_AGE_MS = 24 * 3_600_000;
/** The events stream's size cap (oldest dropped first). */
export const DEFAULT_CLUSTER_STREAM_MAX_BYTES = 1024 * 1024 * 1024;
/** Delivered-but-unacked events per processor consumer (JetStream max_ack_pending). */
export const DEFAULT_CLUSTER_MAX_ACK_PENDING = 1_000;
/** A delivered event not acked within this is redelivered. */
export const DEFAULT_CLUSTER_ACK_WAIT_MS = 30_000;
/** A pull request lives this long: after a connection cut, consumption resumes within about it. */
export const DEFAULT_CLUSTER_PULL_EXPIRES_MS = 5_000;
/**
 * Collectors subscribe on the venue only to the symbols of the shards they lease (subscribe on
 * taking a shard, unsubscribe on losing or releasing it). false = subscribe to every configured
 * symbol and drop at publish what is not ours (a hot standby that re-publishes its ring).
 */
export const DEFAULT_CLUSTER_SUBSCRIBE_OWNED_ONLY = true;
/**
 * Collectors balance the shards: each holds at most its fair share of the live collectors
 * (ceil(shards x redundancy / collectors), counted from presence keys in the lease bucket) and
 * releases the rest for the others (a takeover each, REST-backfilled). false = greedy: the first
 * collector takes every free shard (maxShardsPerInstance caps it) and the others stand by.
 */
export const DEFAULT_CLUSTER_BALANCE_SHARDS = false;
/**
 * On a takeover the new owner REST-backfills each trade stream from the stream's last trade id;
 * a hole larger than this many trades is declared (trade_gap, max_resume_exceeded), not fetched.
 */
export const DEFAULT_CLUSTER_TAKEOVER_MAX_BACKFILL_TRADES = 200_000;
/**
 * Collector: where publish overflow goes when NATS is away longer than the memory queue holds
 * (a subdirectory per instance, created on the first overflow; a restart discards what a previous
 * run left there and resumes each trade stream by takeover backfill instead).
 * null = no disk spool (overflow is dropped and counted).
 */
export const DEFAULT_CLUSTER_SPOOL_DIR = './data/cluster-spool';
/** Cap of that spool on disk; past it events are dropped and counted. */
export const DEFAULT_CLUSTER_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_CLUSTER_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_CLUSTER_RECONNECT_WAIT_MS = 250;

/**
 * Feed events waiting for the bus publisher in the gateway wiring (feeds push synchronously; the
 * publisher's in-flight window drains it). Past it events are dropped and counted: size it for
 * the longest NATS outage at the feed rate (100,000 = 50 s at 2,000 events/s); past it they go to
 * the disk spool (spoolDir) or, without one, are dropped and counted.
 */
export const DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES = 100_000;

/**
 * Hot standby: a collector keeps the last events of every symbol it receives, owned or not, so
 * that on taking a shard over it re-publishes them and the stream has no gap at the handover
 * (the duplicate window drops what the old owner had stored). Bounded per symbol by count and
 * by age (half the duplicate window, so a re-publish is always deduplicated, never doubled).
 */
export const DEFAULT_CLUSTER_STANDBY_EVENTS_PER_SYMBOL = 5_000;

export const clusterDefaults = {
  nats: DEFAULT_CLUSTER_NATS_URL,
  role: DEFAULT_CLUSTER_ROLE,
  namespace: DEFAULT_CLUSTER_NAMESPACE,
  shards: DEFAULT_CLUSTER_SHARDS,
  leaseTtlMs: DEFAULT_CLUSTER_LEASE_TTL_MS,
  leaseRenewIntervalMs: DEFAULT_CLUSTER_LEASE_RENEW_INTERVAL_MS,
  redundancy: DEFAULT_CLUSTER_REDUNDANCY,
  maxShardsPerInstance: DEFAULT_CLUSTER_MAX_SHARDS_PER_INSTANCE,
  maxInFlightPublishes: DEFAULT_CLUSTER_MAX_IN_FLIGHT_PUBLISHES,
  publishTimeoutMs: DEFAULT_CLUSTER_PUBLISH_TIMEOUT_MS,
  duplicateWindowMs: DEFAULT_CLUSTER_DUPLICATE_WINDOW_MS,
  streamMaxAgeMs: DEFAULT_CLUSTER_STREAM_MAX_AGE_MS,
  streamMaxBytes: DEFAULT_CLUSTER_STREAM_MAX_BYTES,
  maxAckPending: DEFAULT_CLUSTER_MAX_ACK_PENDING,
  ackWaitMs: DEFAULT_CLUSTER_ACK_WAIT_MS,
  subscribeOwnedOnly: DEFAULT_CLUSTER_SUBSCRIBE_OWNED_ONLY,
  balanceShards: DEFAULT_CLUSTER_BALANCE_SHARDS,
  takeoverMaxBackfillTrades: DEFAULT_CLUSTER_TAKEOVER_MAX_BACKFILL_TRADES,
  standbyEventsPerSymbol: DEFAULT_CLUSTER_STANDBY_EVENTS_PER_SYMBOL,
  maxQueuedPublishes: DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES,
  spoolDir: DEFAULT_CLUSTER_SPOOL_DIR,
  spoolMaxBytes: DEFAULT_CLUSTER_SPOOL_MAX_BYTES,
  connectTimeoutMs: DEFAULT_CLUSTER_CONNECT_TIMEOUT_MS,
  reconnectWaitMs: DEFAULT_CLUSTER_RECONNECT_WAIT_MS,
} as const;

/**
 * Collector: events of one symbol held while the stream's last trade of it is looked up (after
 * the collector's own trade stream fell behind). A look-up is one round trip; past this the
 * events go out unfiltered (counted) and the duplicate window alone applies.
 */
export const DEFAULT_CLUSTER_CATCH_UP_EVENTS_PER_SYMBOL = 50_000;

/**
 * Processor: recent trade ids remembered per (venue, symbol, kind) to drop a trade the stream
 * holds twice (a re-send later than the duplicate window). Bounded; ~40 B per id.
 */
export const DEFAULT_CLUSTER_DEDUP_IDS_PER_STREAM = 20_000;
