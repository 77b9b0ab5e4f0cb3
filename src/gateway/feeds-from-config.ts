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

const BINANCE_KIND: Readonly<Record<string, BinanceStreamKind | '!forceOrder@arr'>> = {
  trade: 'trade', aggTrade: 'aggTrade', bookTicker: 'bookTicker', depth: 'depth@100ms', kline_1m: 'kline_1m', forceOrder: '!forceOrder@arr',
};

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
      restBaseUrl: b.restBaseUrl, logger: logger.child({ venue: 'binance', part: 'rest' }),
      backfillPrefetchPages: config.integrity.backfillPrefetchPages, backfillWeightShare: config.integrity.backfillWeightShare,
    });
    const streams: string[] = [];
    for (const s of b.symbols) {
      for (const kind of b.streams) {
        const k = BINANCE_KIND[kind]!;
        if (k === '!forceOrder@arr') continue; // USD-M futures only; not on the spot stream
        streams.push(binanceStream(s, k));
      }
    }
    feeds.push({
      venue: 'binance',
      protocol: binanceProtocol({ wsBaseUrl: b.wsBaseUrl }),
      streams,
      symbols: b.symbols.map((s) => s.toUpperCase()),
      decoder: () => new BinanceDecoder(),
      integrity: {
        ...integrityBase,
        ...(b.streams.includes('depth') ? { bookRules: 'binance-spot' as const, fetchBookSnapshot: rest.fetchBookSnapshot } : {}),
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
      decoder: () => new BybitDecoder(),
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
