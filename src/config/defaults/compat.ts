/**
 * Defaults of the venue-compatible endpoints (src/compat/): Binance's own wire format served on
 * the server's port. Limits mirror Binance's documented ones so a client sees the same rules.
 */

/** Serve the Binance-compatible endpoint beside the native ones. */
export const DEFAULT_COMPAT_BINANCE_ENABLED = true;
/** Path prefix of the endpoint: `<prefix>/ws`, `<prefix>/stream`, `<prefix>/api/v3/...`. */
export const DEFAULT_COMPAT_BINANCE_PATH_PREFIX = '/binance';
/** Binance: at most 1024 streams on one connection. */
export const DEFAULT_COMPAT_MAX_STREAMS_PER_CONNECTION = 1024;
/** Binance: 5 incoming messages (requests, pings, pongs) per second; more closes the socket. */
export const DEFAULT_COMPAT_MAX_INCOMING_MESSAGES_PER_SEC = 5;
/** Compat WebSocket connections open at once (all clients). */
export const DEFAULT_COMPAT_MAX_CONNECTIONS = 2_000;
/** Distinct streams asked downstream at once (bounds the fan-out index). */
export const DEFAULT_COMPAT_MAX_STREAMS_TOTAL = 20_000;
/** Streams tickgate may subscribe upstream on demand (beyond the configured ones). */
export const DEFAULT_COMPAT_MAX_ON_DEMAND_STREAMS = 200;
/** An on-demand upstream stream is kept this long after its last client left. */
export const DEFAULT_COMPAT_UPSTREAM_RELEASE_GRACE_MS = 30_000;
/** Binance: a connection is closed after 24 hours. */
export const DEFAULT_COMPAT_CONNECTION_LIFETIME_MS = 24 * 3_600_000;
/** Binance pings every 20 s and drops a client that sent no pong for a minute. */
export const DEFAULT_COMPAT_PING_INTERVAL_MS = 20_000;
export const DEFAULT_COMPAT_PONG_TIMEOUT_MS = 60_000;
/** Largest incoming frame accepted (requests are tiny; a huge frame closes the socket). */
export const DEFAULT_COMPAT_MAX_INCOMING_PAYLOAD_BYTES = 64 * 1024;
/** A client whose socket holds more unsent bytes than this is dropped (as Binance drops slow readers). */
export const DEFAULT_COMPAT_MAX_SOCKET_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Trades (and aggTrades) kept in memory per symbol for REST trades/aggTrades/historicalTrades. */
export const DEFAULT_COMPAT_RECENT_TRADES_PER_SYMBOL = 10_000;
/** Forwarded REST answers are cached this long (identical requests of many bots share one). */
export const DEFAULT_COMPAT_REST_CACHE_TTL_MS = 1_000;
/** exchangeInfo changes rarely: cached longer. */
export const DEFAULT_COMPAT_EXCHANGE_INFO_TTL_MS = 60_000;
/** Cached REST answers kept at most (oldest evicted). */
export const DEFAULT_COMPAT_REST_CACHE_MAX_ENTRIES = 1_000;
/** Largest upstream answer cached or forwarded (bytes). */
export const DEFAULT_COMPAT_REST_MAX_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Request weight per minute the endpoint may forward upstream: a share of Binance's 6000, so the
 * gateway's own snapshots and backfills keep their room. Over it a client gets 429 + Retry-After.
 */
export const DEFAULT_COMPAT_FORWARD_WEIGHT_PER_MINUTE = 1_200;
/** Timeout of one forwarded upstream request. */
export const DEFAULT_COMPAT_FORWARD_TIMEOUT_MS = 10_000;

export const compatDefaults = {
  binance: {
    enabled: DEFAULT_COMPAT_BINANCE_ENABLED,
    pathPrefix: DEFAULT_COMPAT_BINANCE_PATH_PREFIX,
    maxStreamsPerConnection: DEFAULT_COMPAT_MAX_STREAMS_PER_CONNECTION,
    maxIncomingMessagesPerSec: DEFAULT_COMPAT_MAX_INCOMING_MESSAGES_PER_SEC,
    maxConnections: DEFAULT_COMPAT_MAX_CONNECTIONS,
    maxStreamsTotal: DEFAULT_COMPAT_MAX_STREAMS_TOTAL,
    maxOnDemandStreams: DEFAULT_COMPAT_MAX_ON_DEMAND_STREAMS,
    upstreamReleaseGraceMs: DEFAULT_COMPAT_UPSTREAM_RELEASE_GRACE_MS,
    connectionLifetimeMs: DEFAULT_COMPAT_CONNECTION_LIFETIME_MS,
    pingIntervalMs: DEFAULT_COMPAT_PING_INTERVAL_MS,
    pongTimeoutMs: DEFAULT_COMPAT_PONG_TIMEOUT_MS,
    maxIncomingPayloadBytes: DEFAULT_COMPAT_MAX_INCOMING_PAYLOAD_BYTES,
    maxSocketBufferedBytes: DEFAULT_COMPAT_MAX_SOCKET_BUFFERED_BYTES,
    recentTradesPerSymbol: DEFAULT_COMPAT_RECENT_TRADES_PER_SYMBOL,
    restCacheTtlMs: DEFAULT_COMPAT_REST_CACHE_TTL_MS,
    exchangeInfoTtlMs: DEFAULT_COMPAT_EXCHANGE_INFO_TTL_MS,
    restCacheMaxEntries: DEFAULT_COMPAT_REST_CACHE_MAX_ENTRIES,
    restMaxBodyBytes: DEFAULT_COMPAT_REST_MAX_BODY_BYTES,
    forwardWeightPerMinute: DEFAULT_COMPAT_FORWARD_WEIGHT_PER_MINUTE,
    forwardTimeoutMs: DEFAULT_COMPAT_FORWARD_TIMEOUT_MS,
  },
} as const;
