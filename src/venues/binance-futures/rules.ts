/**
 * Binance USD-M futures market-stream rules: the spot framing (combined `/stream`, SUBSCRIBE
 * requests, protocol pings) on its own host with its own limits, plus the futures stream names
 * (markPrice, per-symbol forceOrder, market-wide !forceOrder@arr) and which trade kinds count in
 * candles. Book continuity (`pu` == previous `u`) is BookSync's 'binance-futures' rule.
 */
import type { VenueProtocol } from '../../connection/protocol.js';
import type { Trade } from '../../model/events.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { binanceProtocol, type BinanceRulesConfig } from '../binance/rules.js';

export const BINANCE_FUTURES_VENUE = 'binance-futures';

/** Kline intervals USD-M serves (spot adds 1s). */
export const BINANCE_FUTURES_KLINE_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;

/** Config names of USD-M streams: one per symbol, except forceOrderAll (one market-wide stream). */
export type BinanceFuturesStreamName = 'trade' | 'aggTrade' | 'bookTicker' | 'depth' | 'markPrice' | 'forceOrder' | 'forceOrderAll' | `kline_${string}`;

/** Venue stream names for one config stream name ("markPrice" -> "btcusdt@markPrice@1s"). */
export function binanceFuturesStreams(symbols: readonly string[], name: BinanceFuturesStreamName): string[] {
  if (name === 'forceOrderAll') return ['!forceOrder@arr'];
  const kind = name === 'depth' ? 'depth@100ms' : name === 'markPrice' ? 'markPrice@1s' : name;
  return symbols.map((s) => `${s.toLowerCase()}@${kind}`);
}

export function binanceFuturesProtocol(config: BinanceRulesConfig = {}): VenueProtocol {
  const d = venuesDefaults.binanceFutures;
  return binanceProtocol({
    venue: BINANCE_FUTURES_VENUE,
    ...config,
    wsBaseUrl: config.wsBaseUrl ?? d.wsBaseUrl,
    streamsPerRequest: config.streamsPerRequest ?? d.streamsPerRequest,
    maxStreamsPerConnection: config.maxStreamsPerConnection ?? d.maxStreamsPerConnection,
    maxMessagesPerSecond: config.maxMessagesPerSecond ?? d.maxMessagesPerSecond,
    connectionLifetimeMs: config.connectionLifetimeMs ?? d.connectionLifetimeMs,
    rateLimitBackoffMs: config.rateLimitBackoffMs ?? d.rateLimitBackoffMs,
  });
}

/**
 * Whether a trade counts in candles and snapshots. A trade without a kind (spot, Bybit,
 * REST backfill rows, which Binance serves for MARKET trades) counts; a USD-M trade counts only
 * when its `X` is one of `kinds` (default MARKET, as Binance's own klines).
 */
export function countsInCandles(t: Pick<Trade, 'execType'>, kinds: readonly string[] = venuesDefaults.binanceFutures.candleTradeKinds): boolean {
  return t.execType === undefined || kinds.includes(t.execType);
}
