/**
 * Wires the Binance-compatible endpoint (src/compat/binance) into the gateway: built from what
 * the gateway already has (the config, the Binance feed's connections for on-demand streams),
 * fed by one lossless pipeline consumer, mounted on the downstream server's port.
 */
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Logger } from '../observability/logger.js';
import { BinanceCompat, type UpstreamControl } from '../compat/binance/index.js';
import type { VenueFeed } from './venue-feed.js';

const STREAM_OF_KIND: Readonly<Record<string, string>> = {
  trade: 'trade', aggTrade: 'aggTrade', bookTicker: 'bookTicker', depth: 'depth@100ms', kline_1m: 'kline_1m',
};

/** Events the endpoint serves; everything else is filtered out before its queue. */
const SERVED = new Set<MarketEvent['type']>(['trade', 'book_snapshot', 'book_delta', 'book_resync', 'book_ticker']);

/** The endpoint, or null when disabled or the Binance venue is not configured. */
export function createBinanceCompat(config: TickgateConfig, feeds: ReadonlyMap<string, VenueFeed>, logger: Logger): BinanceCompat | null {
  const b = config.venues.binance;
  const c = config.compat.binance;
  if (!c.enabled || !b.enabled || !config.server.enabled) return null;
  const configured = new Set(b.symbols.flatMap((s) => b.streams.filter((k) => STREAM_OF_KIND[k]).map((k) => `${s.toLowerCase()}@${STREAM_OF_KIND[k]}`)));
  const liveConnection = (stream?: string) => {
    const conns = feeds.get('binance')?.connectionList().filter((x) => x.state !== 'closed') ?? [];
    return stream === undefined ? conns[0] : conns.find((x) => x.streams().includes(stream));
  };
  const upstream: UpstreamControl = {
    isConfigured: (stream) => configured.has(stream),
    subscribe: async (stream) => {
      const conn = liveConnection();
      if (conn === undefined) throw new Error('no live Binance connection');
      await conn.addStreams([stream]);
    },
    unsubscribe: async (stream) => {
      await liveConnection(stream)?.removeStreams([stream]);
    },
  };
  return new BinanceCompat({
    settings: c, venue: 'binance', restBaseUrl: b.restBaseUrl, symbols: b.symbols, upstream,
    klineSource: b.streams.includes('trade') || !b.streams.includes('aggTrade') ? 'trade' : 'aggTrade',
    logger,
  });
}

/** The endpoint's pipeline consumer: lossless and in order (a full queue spills inline). */
export function addCompatConsumer(compat: BinanceCompat, pipeline: Pipeline<MarketEvent>, maxQueueItems: number): void {
  const consume = (e: MarketEvent): void => compat.consume(e);
  pipeline.addConsumer({
    name: 'compat-binance', policy: 'spill', maxQueueItems,
    filter: (e) => e.venue === 'binance' && SERVED.has(e.type),
    handler: consume, spill: consume,
  });
}
