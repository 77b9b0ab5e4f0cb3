/**
 * Turns the venues section of the config into VenueFeed definitions: which protocol, which
 * streams, which decoder, which REST fetchers and book rules. Venue quirks stay in venues/;
 * this file only maps config names to them.
 */
import type { TickgateConfig } from '../config/schema.js';
import type { VenueProtocol } from '../connection/protocol.js';
import type { FrameDecoder } from '../venues/decode-result.js';
import { binanceProtocol, binanceStream, type BinanceStreamKind } from '../venues/binance/rules.js';
import { BinanceDecoder } from '../venues/binance/decode.js';
import { BinanceRest } from '../venues/binance/rest.js';
import { BinanceFuturesRest } from '../venues/binance-futures/rest.js';
import { BINANCE_FUTURES_VENUE, binanceFuturesProtocol, binanceFuturesStreams, type BinanceFuturesStreamName } from '../venues/binance-futures/rules.js';
import { venuesDefaults } from '../config/defaults/venues.js';
import { bybitProtocol, bybitTopic, type BybitTopicKind } from '../venues/bybit/rules.js';
import { BybitDecoder } from '../venues/bybit/decode.js';
import { BybitRest } from '../venues/bybit/rest.js';
import { equitiesProtocol } from '../venues/equities/rules.js';
import { EquitiesDecoder } from '../venues/equities/decode.js';
import type { FeedIntegrityOptions } from '../integrity/feed-integrity.js';
import type { Logger } from '../observability/logger.js';

export interface FeedDefinition {
  readonly venue: string;
  readonly protocol: VenueProtocol;
  readonly streams: readonly string[];
  readonly symbols: readonly string[];
  readonly decoder: () => FrameDecoder;
  readonly integrity: Omit<FeedIntegrityOptions, 'venue' | 'onEvent' | 'onAlert' | 'logger'>;
  /** True for feeds gated by a market calendar (equities). */
  readonly marketHours: boolean;
}

const BINANCE_KIND: Readonly<Record<string, BinanceStreamKind>> = {
  trade: 'trade', aggTrade: 'aggTrade', bookTicker: 'bookTicker', depth: 'depth@100ms',
};

/** Venue stream kind of a spot config name; kline_<i> passes through; null = not a spot stream (forceOrder is USD-M only). */
function binanceKind(name: string): BinanceStreamKind | null {
  if (name.startsWith('kline_')) return name as BinanceStreamKind;
  return BINANCE_KIND[name] ?? null;
}

export function feedsFromConfig(config: TickgateConfig, logger: Logger): FeedDefinition[] {
  const feeds: FeedDefinition[] = [];
  const integrityBase = {
    maxBufferedTrades: config.integrity.maxBufferedTrades,
    maxBufferedDeltas: config.integrity.maxBufferedDeltas,
    dedupWindowItems: config.integrity.dedupWindowItems,
    retryDelayMs: config.integrity.retryDelayMs,
    maxFetchAttempts: config.integrity.maxFetchAttempts,
    maxSnapshotAttempts: config.integrity.maxSnapshotAttempts,
    recentTradesReconcileMs: config.integrity.recentTradesReconcileMs,
    backfillProgressLogIntervalMs: config.integrity.backfillProgressLogIntervalMs,
  };

  const b = config.venues.binance;
  if (b.enabled) {
    const rest = new BinanceRest({
      restBaseUrl: b.restBaseUrl, weightPerMinute: b.restWeightPerMinute, logger: logger.child({ venue: 'binance', part: 'rest' }),
      backfillPrefetchPages: config.integrity.backfillPrefetchPages, backfillWeightShare: config.integrity.backfillWeightShare,
    });
    if (b.streams.includes('forceOrder')) logger.warn({ venue: 'binance' }, 'venues.binance.streams: forceOrder exists on USD-M only (venues.binanceFutures); ignored on spot');
    const streams: string[] = [];
    for (const s of b.symbols) {
      for (const kind of b.streams) {
        const k = binanceKind(kind);
        if (k !== null) streams.push(binanceStream(s, k)); // forceOrder: USD-M only, see binanceFutures
      }
    }
    feeds.push({
      venue: 'binance',
      protocol: binanceProtocol({ wsBaseUrl: b.wsBaseUrl }),
      streams,
      symbols: b.symbols.map((s) => s.toUpperCase()),
      decoder: () => new BinanceDecoder({ fastPath: b.fastPath }),
      integrity: {
        ...integrityBase,
        ...(b.streams.includes('depth') ? { bookRules: 'binance-spot' as const, fetchBookSnapshot: rest.fetchBookSnapshot } : {}),
        fetchTrades: rest.fetchTrades,
      },
      marketHours: false,
    });
  }

  const f = config.venues.binanceFutures;
  if (f.enabled) {
    const rest = new BinanceFuturesRest({
      restBaseUrl: f.restBaseUrl, weightPerMinute: f.restWeightPerMinute, ...(f.apiKey !== null ? { apiKey: f.apiKey } : {}), logger: logger.child({ venue: BINANCE_FUTURES_VENUE, part: 'rest' }),
      backfillPrefetchPages: config.integrity.backfillPrefetchPages, backfillWeightShare: config.integrity.backfillWeightShare,
    });
    if (f.streams.includes('trade') && f.apiKey === null && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(f.restBaseUrl)) {
      // USD-M answers /fapi/v1/historicalTrades only with an API key: gaps in @trade could not be backfilled.
      logger.warn({ venue: BINANCE_FUTURES_VENUE }, 'binanceFutures streams include trade but no apiKey is set: trade gaps cannot be backfilled (use aggTrade or set venues.binanceFutures.apiKey)');
    }
    // Per-symbol streams grouped by symbol (a shard then holds whole symbols); the market-wide one once.
    const names = f.streams as readonly BinanceFuturesStreamName[];
    const streams = [
      ...f.symbols.flatMap((s) => names.filter((n) => n !== 'forceOrderAll').flatMap((n) => binanceFuturesStreams([s], n))),
      ...(names.includes('forceOrderAll') ? binanceFuturesStreams([], 'forceOrderAll') : []),
    ];
    feeds.push({
      venue: BINANCE_FUTURES_VENUE,
      protocol: binanceFuturesProtocol({
        wsBaseUrl: f.wsBaseUrl, maxStreamsPerConnection: f.maxStreamsPerConnection,
        maxMessagesPerSecond: f.maxMessagesPerSecond, connectionLifetimeMs: f.connectionLifetimeMs,
      }),
      streams,
      symbols: f.symbols.map((s) => s.toUpperCase()),
      decoder: () => new BinanceDecoder({ venue: BINANCE_FUTURES_VENUE, fastPath: f.fastPath }),
      integrity: {
        ...integrityBase,
        // USD-M books chain by pu == previous u (BookSync's futures rule), snapshots from /fapi/v1/depth.
        ...(f.streams.includes('depth') ? { bookRules: 'binance-futures' as const, fetchBookSnapshot: rest.fetchBookSnapshot } : {}),
        fetchTrades: rest.fetchTrades,
      },
      marketHours: false,
    });
  }

  const y = config.venues.bybit;
  if (y.enabled) {
    const topics = y.symbols.flatMap((s) => y.streams.map((k) => bybitTopic(s, k as BybitTopicKind)));
    // publicTrade has no sequence: reconnects (and a periodic check) backfill from the newest-trades page.
    const category = /\/v5\/public\/([a-z]+)/.exec(y.categoryPath)?.[1] ?? 'spot';
    const rest = new BybitRest({
      restBaseUrl: y.restBaseUrl, category, recentTradesLimit: y.recentTradesLimit,
      logger: logger.child({ venue: 'bybit', part: 'rest' }),
    });
    feeds.push({
      venue: 'bybit',
      protocol: bybitProtocol({ wsBaseUrl: y.wsBaseUrl, categoryPath: y.categoryPath }),
      streams: topics,
      symbols: y.symbols.map((s) => s.toUpperCase()),
      decoder: () => new BybitDecoder({ maxTickerSymbols: venuesDefaults.bybit.maxTickerSymbols, fastPath: y.fastPath }),
      integrity: {
        ...integrityBase,
        ...(y.streams.includes('orderbook.50') ? { bookRules: 'bybit' as const } : {}),
        ...(y.streams.includes('publicTrade') ? { fetchRecentTrades: rest.fetchRecentTrades } : {}),
      },
      marketHours: false,
    });
  }

  const e = config.venues.equities;
  if (e.enabled && e.apiToken !== null) {
    feeds.push({
      venue: 'equities',
      protocol: equitiesProtocol({ wsBaseUrl: e.wsBaseUrl, path: e.path, apiToken: e.apiToken }),
      streams: e.symbols.map((s) => s.toUpperCase()),
      symbols: e.symbols.map((s) => s.toUpperCase()),
      decoder: () => new EquitiesDecoder(),
      integrity: { ...integrityBase },
      marketHours: true,
    });
  }
  return feeds;
}
