/**
 * Defaults of the venue adapters (src/venues/). Base URLs are config values: pointing tickgate at
 * the simulator instead of the real venue is one setting (e.g. binance wsBaseUrl
 * 'ws://127.0.0.1:P/binance', restBaseUrl 'http://127.0.0.1:P/binance').
 */

// Binance spot
export const DEFAULT_BINANCE_WS_BASE_URL = 'wss://stream.binance.com:9443';
export const DEFAULT_BINANCE_REST_BASE_URL = 'https://api.binance.com';
/** Incoming messages a client may send per second before Binance closes with 1008. */
export const DEFAULT_BINANCE_MAX_MESSAGES_PER_SECOND = 5;
export const DEFAULT_BINANCE_MAX_STREAMS_PER_CONNECTION = 1024;
/** Binance closes every connection after 24 h. */
export const DEFAULT_BINANCE_CONNECTION_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Streams per SUBSCRIBE request (keeps frames small; the venue has no documented cap below 1024). */
export const DEFAULT_BINANCE_STREAMS_PER_REQUEST = 200;
/** Wait after a 1008 close or a 429 without Retry-After. */
export const DEFAULT_BINANCE_RATE_LIMIT_BACKOFF_MS = 60_000;
/** REST request weight per minute (X-MBX-USED-WEIGHT-1M budget). */
export const DEFAULT_BINANCE_REST_WEIGHT_PER_MINUTE = 6000;
/** Share of the weight budget the client allows itself (leaves room for other processes). */
export const DEFAULT_BINANCE_REST_WEIGHT_SAFETY_RATIO = 0.8;
export const DEFAULT_BINANCE_REST_TIMEOUT_MS = 10_000;
/** Max rows per aggTrades / historicalTrades page. */
export const DEFAULT_BINANCE_REST_PAGE_LIMIT = 1000;
/** Levels requested from /api/v3/depth. */
export const DEFAULT_BINANCE_DEPTH_SNAPSHOT_LIMIT = 1000;
/** listenKey keep-alive period (keys expire after 60 min without one). */
export const DEFAULT_BINANCE_LISTEN_KEY_KEEPALIVE_MS = 30 * 60 * 1000;
/** Delay before retrying a failed listenKey create/keep-alive. */
export const DEFAULT_BINANCE_LISTEN_KEY_RETRY_MS = 5_000;

// Binance USD-M futures (own hosts, /fapi/v1 REST, its own weight budget)
export const DEFAULT_BINANCE_FUTURES_WS_BASE_URL = 'wss://fstream.binance.com';
export const DEFAULT_BINANCE_FUTURES_REST_BASE_URL = 'https://fapi.binance.com';
/** USD-M allows 10 incoming messages per second per connection. */
export const DEFAULT_BINANCE_FUTURES_MAX_MESSAGES_PER_SECOND = 10;
/** USD-M caps a connection at 1024 streams (200 recommended); sharded beyond this. */
export const DEFAULT_BINANCE_FUTURES_MAX_STREAMS_PER_CONNECTION = 200;
/** USD-M also closes every connection after 24 h. */
export const DEFAULT_BINANCE_FUTURES_CONNECTION_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** USD-M REST weight per minute per IP (X-MBX-USED-WEIGHT-1M budget). */
export const DEFAULT_BINANCE_FUTURES_REST_WEIGHT_PER_MINUTE = 2400;
/**
 * Kinds of USD-M trades (`X` of the @trade stream) that count in candles and snapshots.
 * Binance's own klines count MARKET trades only; INSURANCE_FUND / ADL / NA are delivered on the
 * trades channel and stored as raw trades but never aggregated.
 */
export const DEFAULT_BINANCE_FUTURES_CANDLE_TRADE_KINDS: readonly string[] = ['MARKET'];

// Bybit v5 public
export const DEFAULT_BYBIT_WS_BASE_URL = 'wss://stream.bybit.com';
/** Path of the public channel: '/v5/public/spot' | '/v5/public/linear' | '/v5/public/inverse'. */
export const DEFAULT_BYBIT_CATEGORY_PATH = '/v5/public/spot';
export const DEFAULT_BYBIT_REST_BASE_URL = 'https://api.bybit.com';
/** Bybit drops a connection without a client {"op":"ping"} within about 20 s. */
export const DEFAULT_BYBIT_PING_INTERVAL_MS = 20_000;
/** Spot accepts at most 10 args per subscribe request. */
export const DEFAULT_BYBIT_ARGS_PER_REQUEST = 10;
export const DEFAULT_BYBIT_MAX_STREAMS_PER_CONNECTION = 500;
export const DEFAULT_BYBIT_MAX_MESSAGES_PER_SECOND = 10;
export const DEFAULT_BYBIT_RATE_LIMIT_BACKOFF_MS = 60_000;
/** Instrument category of /v5/market/recent-trade ('spot' | 'linear' | 'inverse'); matches categoryPath. */
export const DEFAULT_BYBIT_REST_CATEGORY = 'spot';
/**
 * Rows asked from /v5/market/recent-trade: the venue caps spot at 60 (default 60) and
 * linear/inverse at 1000 (default 500). The backfill can recover at most this many trades per
 * symbol after an outage.
 */
export const DEFAULT_BYBIT_RECENT_TRADES_LIMIT = 60;
/** The same for category linear/inverse (the venue's cap there). */
export const DEFAULT_BYBIT_RECENT_TRADES_LIMIT_DERIVATIVES = 1000;
export const DEFAULT_BYBIT_REST_TIMEOUT_MS = 10_000;
/** Retries of a recent-trade request answered 429/403/retCode 10006 (after the backoff) or 5xx/timeout. */
export const DEFAULT_BYBIT_REST_MAX_RETRIES = 3;
/** Symbols whose last ticker state a Bybit decoder keeps to merge deltas (bounded; beyond it new symbols wait for a snapshot). */
export const DEFAULT_BYBIT_MAX_TICKER_SYMBOLS = 10_000;

// US equities (EODHD-style)
export const DEFAULT_EQUITIES_WS_BASE_URL = 'wss://ws.eodhistoricaldata.com';
export const DEFAULT_EQUITIES_PATH = '/ws/us';
export const DEFAULT_EQUITIES_SYMBOLS_PER_REQUEST = 50;
export const DEFAULT_EQUITIES_MAX_STREAMS_PER_CONNECTION = 50;
export const DEFAULT_EQUITIES_MAX_MESSAGES_PER_SECOND = 5;
export const DEFAULT_EQUITIES_RATE_LIMIT_BACKOFF_MS = 60_000;

// Decoders
/** Characters of a bad frame kept in a DecodeError. */
export const DEFAULT_DECODE_EXCERPT_CHARS = 120;
/** Frames longer than this are rejected unparsed (a venue frame is far smaller). */
export const DEFAULT_DECODE_MAX_FRAME_CHARS = 4 * 1024 * 1024;
/** Binance market frames of the exact known shapes are scanned without JSON.parse (validated; anything else falls back). */
export const DEFAULT_DECODE_FAST_PATH = true;

export const venuesDefaults = {
  binance: {
    wsBaseUrl: DEFAULT_BINANCE_WS_BASE_URL,
    restBaseUrl: DEFAULT_BINANCE_REST_BASE_URL,
    maxMessagesPerSecond: DEFAULT_BINANCE_MAX_MESSAGES_PER_SECOND,
    maxStreamsPerConnection: DEFAULT_BINANCE_MAX_STREAMS_PER_CONNECTION,
    connectionLifetimeMs: DEFAULT_BINANCE_CONNECTION_LIFETIME_MS,
    streamsPerRequest: DEFAULT_BINANCE_STREAMS_PER_REQUEST,
    rateLimitBackoffMs: DEFAULT_BINANCE_RATE_LIMIT_BACKOFF_MS,
    restWeightPerMinute: DEFAULT_BINANCE_REST_WEIGHT_PER_MINUTE,
    restWeightSafetyRatio: DEFAULT_BINANCE_REST_WEIGHT_SAFETY_RATIO,
    restTimeoutMs: DEFAULT_BINANCE_REST_TIMEOUT_MS,
    restPageLimit: DEFAULT_BINANCE_REST_PAGE_LIMIT,
    depthSnapshotLimit: DEFAULT_BINANCE_DEPTH_SNAPSHOT_LIMIT,
    listenKeyKeepaliveMs: DEFAULT_BINANCE_LISTEN_KEY_KEEPALIVE_MS,
    listenKeyRetryMs: DEFAULT_BINANCE_LISTEN_KEY_RETRY_MS,
  },
  binanceFutures: {
    wsBaseUrl: DEFAULT_BINANCE_FUTURES_WS_BASE_URL,
    restBaseUrl: DEFAULT_BINANCE_FUTURES_REST_BASE_URL,
    maxMessagesPerSecond: DEFAULT_BINANCE_FUTURES_MAX_MESSAGES_PER_SECOND,
    maxStreamsPerConnection: DEFAULT_BINANCE_FUTURES_MAX_STREAMS_PER_CONNECTION,
    connectionLifetimeMs: DEFAULT_BINANCE_FUTURES_CONNECTION_LIFETIME_MS,
    streamsPerRequest: DEFAULT_BINANCE_STREAMS_PER_REQUEST,
    rateLimitBackoffMs: DEFAULT_BINANCE_RATE_LIMIT_BACKOFF_MS,
    restWeightPerMinute: DEFAULT_BINANCE_FUTURES_REST_WEIGHT_PER_MINUTE,
    restWeightSafetyRatio: DEFAULT_BINANCE_REST_WEIGHT_SAFETY_RATIO,
    restTimeoutMs: DEFAULT_BINANCE_REST_TIMEOUT_MS,
    restPageLimit: DEFAULT_BINANCE_REST_PAGE_LIMIT,
    depthSnapshotLimit: DEFAULT_BINANCE_DEPTH_SNAPSHOT_LIMIT,
    candleTradeKinds: DEFAULT_BINANCE_FUTURES_CANDLE_TRADE_KINDS,
  },
  bybit: {
    wsBaseUrl: DEFAULT_BYBIT_WS_BASE_URL,
    categoryPath: DEFAULT_BYBIT_CATEGORY_PATH,
    restBaseUrl: DEFAULT_BYBIT_REST_BASE_URL,
    pingIntervalMs: DEFAULT_BYBIT_PING_INTERVAL_MS,
    argsPerRequest: DEFAULT_BYBIT_ARGS_PER_REQUEST,
    maxStreamsPerConnection: DEFAULT_BYBIT_MAX_STREAMS_PER_CONNECTION,
    maxMessagesPerSecond: DEFAULT_BYBIT_MAX_MESSAGES_PER_SECOND,
    rateLimitBackoffMs: DEFAULT_BYBIT_RATE_LIMIT_BACKOFF_MS,
    restCategory: DEFAULT_BYBIT_REST_CATEGORY,
    recentTradesLimit: DEFAULT_BYBIT_RECENT_TRADES_LIMIT,
    recentTradesLimitDerivatives: DEFAULT_BYBIT_RECENT_TRADES_LIMIT_DERIVATIVES,
    restTimeoutMs: DEFAULT_BYBIT_REST_TIMEOUT_MS,
    restMaxRetries: DEFAULT_BYBIT_REST_MAX_RETRIES,
    maxTickerSymbols: DEFAULT_BYBIT_MAX_TICKER_SYMBOLS,
  },
  equities: {
    wsBaseUrl: DEFAULT_EQUITIES_WS_BASE_URL,
    path: DEFAULT_EQUITIES_PATH,
    symbolsPerRequest: DEFAULT_EQUITIES_SYMBOLS_PER_REQUEST,
    maxStreamsPerConnection: DEFAULT_EQUITIES_MAX_STREAMS_PER_CONNECTION,
    maxMessagesPerSecond: DEFAULT_EQUITIES_MAX_MESSAGES_PER_SECOND,
    rateLimitBackoffMs: DEFAULT_EQUITIES_RATE_LIMIT_BACKOFF_MS,
  },
  decode: {
    excerptChars: DEFAULT_DECODE_EXCERPT_CHARS,
    maxFrameChars: DEFAULT_DECODE_MAX_FRAME_CHARS,
    fastPath: DEFAULT_DECODE_FAST_PATH,
  },
} as const;
