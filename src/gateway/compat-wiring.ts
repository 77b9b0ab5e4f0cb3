/**
 * Wires the Binance-compatible endpoint (src/compat/binance) into the gateway: built from what
 * the gateway already has (the config, the Binance feed's connections for on-demand streams),
 * fed by one lossless pipeline consumer, mounted on the downstream server's port.
 */
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsRegistry, Sample } from '../observability/metrics.js';
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

/**
 * tickgate_compat_* series: clients, streams asked downstream vs held upstream (the multiplier),
 * deliveries, dropped clients by reason, REST answers by source, cache hits, forwarded weight.
 */
export function registerCompatMetrics(m: MetricsRegistry, compat: BinanceCompat): void {
  const v = { venue: 'binance' };
  m.gauge('tickgate_compat_clients', 'Clients connected to the venue-compatible WebSocket endpoint', ['venue'], () => [[v, compat.ws.clients]]);
  m.gauge('tickgate_compat_streams_downstream', 'Distinct streams clients subscribed', ['venue'], () => [[v, compat.hub.size]]);
  m.gauge('tickgate_compat_subscriptions', 'Client subscriptions (stream x client)', ['venue'], () => [[v, compat.hub.subscriptions]]);
  m.gauge('tickgate_compat_upstream_streams_on_demand', 'Streams subscribed upstream on demand (beyond the configured ones)', ['venue'], () => [[v, compat.demand.stats().heldOnDemand]]);
  m.counter('tickgate_compat_deliveries_total', 'Frames sent to compat clients', ['venue'], () => [[v, compat.hub.counters.deliveries]]);
  m.counter('tickgate_compat_clients_dropped_total', 'Compat clients dropped, by reason', ['venue', 'reason'],
    () => Object.entries(compat.ws.counters.drops).map(([reason, n]): Sample => [{ ...v, reason }, n]));
  m.counter('tickgate_compat_rest_requests_total', 'Compat REST requests by where the answer came from', ['venue', 'source'], () => {
    const r = compat.rest.counters;
    const f = compat.forwarder.stats();
    return [[{ ...v, source: 'state' }, r.fromState], [{ ...v, source: 'cache' }, f.cacheHits + f.shared], [{ ...v, source: 'upstream' }, f.upstreamCalls], [{ ...v, source: 'refused' }, r.refused + f.refused]];
  });
  m.counter('tickgate_compat_forwarded_weight_total', 'Request weight forwarded upstream by the compat endpoint', ['venue'], () => [[v, compat.forwarder.stats().forwardedWeight]]);
  m.gauge('tickgate_compat_ticker_windows', 'Symbols with a 24 h rolling ticker window', ['venue'], () => [[v, compat.hub.tickers.size]]);
  m.counter('tickgate_compat_ticker_symbols_pushed_total', 'Symbol ticker figures computed for ticker pushes (1000 ms)', ['venue'], () => [[v, compat.hub.tickerCounters.symbolsPushed]]);
}
