/** Defaults of the venue simulator (simulator/). Each mirrors the real venue unless noted. */

export const DEFAULT_SIM_HOST = '127.0.0.1';
export const DEFAULT_SIM_SEED = 1;
/** Total generated trade events per second across all venues and symbols. */
export const DEFAULT_SIM_RATE_EVENTS_PER_S = 50;
/** Generator timer period; each tick emits rate * tickMs / 1000 events as one batch. */
export const DEFAULT_SIM_TICK_MS = 10;
export const DEFAULT_SIM_CRYPTO_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT'] as const;
export const DEFAULT_SIM_EQUITY_SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'NVDA', 'AMZN'] as const;
/** Order book levels per side kept by the simulator (all fit in Bybit's orderbook.50). */
export const DEFAULT_SIM_BOOK_LEVELS_PER_SIDE = 20;

/** Binance: server ping period and the pong deadline (real: 20 s and 60 s). */
export const DEFAULT_SIM_BINANCE_PING_INTERVAL_MS = 20_000;
export const DEFAULT_SIM_BINANCE_PONG_TIMEOUT_MS = 60_000;
/** Binance: a connection is closed after 24 h. */
export const DEFAULT_SIM_BINANCE_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Binance: incoming messages (text, ping, pong) per second before a 1008 close. */
export const DEFAULT_SIM_BINANCE_MAX_INCOMING_PER_S = 5;
export const DEFAULT_SIM_BINANCE_MAX_STREAMS_PER_CONN = 1024;
export const DEFAULT_SIM_BINANCE_DEPTH_INTERVAL_MS = 100;
export const DEFAULT_SIM_BINANCE_KLINE_INTERVAL_MS = 1000;
/** Binance REST: request weight per minute (real spot: 6000) and 429s before a 418 ban. */
export const DEFAULT_SIM_BINANCE_WEIGHT_LIMIT_PER_MIN = 6000;
export const DEFAULT_SIM_BINANCE_429_BEFORE_BAN = 3;
export const DEFAULT_SIM_BINANCE_BAN_S = 120;
export const DEFAULT_SIM_LISTEN_KEY_TTL_MS = 60 * 60 * 1000;
/** aggTrades kept per symbol for REST backfill. */
export const DEFAULT_SIM_AGG_HISTORY_PER_SYMBOL = 200_000;

/** Bybit: a client that sends no {"op":"ping"} for this long is dropped (clients ping every 20 s). */
export const DEFAULT_SIM_BYBIT_PING_TIMEOUT_MS = 30_000;
export const DEFAULT_SIM_BYBIT_BOOK_INTERVAL_MS = 20;
export const DEFAULT_SIM_BYBIT_TICKERS_INTERVAL_MS = 100;

/** Equities: the accepted API token, and the close code sent after a bad token. */
export const DEFAULT_SIM_EQUITIES_TOKEN = 'demo';
export const DEFAULT_SIM_EQUITIES_AUTH_CLOSE_CODE = 4001;

/** Ground truth: records kept per (venue, symbol) per kind. */
export const DEFAULT_SIM_TRUTH_MAX_RECORDS_PER_SYMBOL = 200_000;
/** A client whose socket buffers more than this is dropped as a slow consumer. */
export const DEFAULT_SIM_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** restart(): how long the port refuses connections before listening again. */
export const DEFAULT_SIM_RESTART_DOWN_MS = 200;

export const simulatorDefaults = {
  host: DEFAULT_SIM_HOST,
  seed: DEFAULT_SIM_SEED,
  rateEventsPerS: DEFAULT_SIM_RATE_EVENTS_PER_S,
  tickMs: DEFAULT_SIM_TICK_MS,
  cryptoSymbols: DEFAULT_SIM_CRYPTO_SYMBOLS,
  equitySymbols: DEFAULT_SIM_EQUITY_SYMBOLS,
  bookLevelsPerSide: DEFAULT_SIM_BOOK_LEVELS_PER_SIDE,
  binancePingIntervalMs: DEFAULT_SIM_BINANCE_PING_INTERVAL_MS,
  binancePongTimeoutMs: DEFAULT_SIM_BINANCE_PONG_TIMEOUT_MS,
  binanceLifetimeMs: DEFAULT_SIM_BINANCE_LIFETIME_MS,
  binanceMaxIncomingPerS: DEFAULT_SIM_BINANCE_MAX_INCOMING_PER_S,
  binanceMaxStreamsPerConn: DEFAULT_SIM_BINANCE_MAX_STREAMS_PER_CONN,
  binanceDepthIntervalMs: DEFAULT_SIM_BINANCE_DEPTH_INTERVAL_MS,
  binanceKlineIntervalMs: DEFAULT_SIM_BINANCE_KLINE_INTERVAL_MS,
  binanceWeightLimitPerMin: DEFAULT_SIM_BINANCE_WEIGHT_LIMIT_PER_MIN,
  binance429BeforeBan: DEFAULT_SIM_BINANCE_429_BEFORE_BAN,
  binanceBanS: DEFAULT_SIM_BINANCE_BAN_S,
  listenKeyTtlMs: DEFAULT_SIM_LISTEN_KEY_TTL_MS,
  aggHistoryPerSymbol: DEFAULT_SIM_AGG_HISTORY_PER_SYMBOL,
  bybitPingTimeoutMs: DEFAULT_SIM_BYBIT_PING_TIMEOUT_MS,
  bybitBookIntervalMs: DEFAULT_SIM_BYBIT_BOOK_INTERVAL_MS,
  bybitTickersIntervalMs: DEFAULT_SIM_BYBIT_TICKERS_INTERVAL_MS,
  equitiesToken: DEFAULT_SIM_EQUITIES_TOKEN,
  equitiesAuthCloseCode: DEFAULT_SIM_EQUITIES_AUTH_CLOSE_CODE,
  truthMaxRecordsPerSymbol: DEFAULT_SIM_TRUTH_MAX_RECORDS_PER_SYMBOL,
  maxBufferedBytes: DEFAULT_SIM_MAX_BUFFERED_BYTES,
  restartDownMs: DEFAULT_SIM_RESTART_DOWN_MS,
} as const;

export type SimulatorDefaults = typeof simulatorDefaults;
