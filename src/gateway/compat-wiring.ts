/**
 * Wires the Binance-compatible endpoints (src/compat/binance: spot, and USD-M when venue
 * binanceFutures is configured) into the gateway: built from what the gateway already has (the
 * config, the venue feed's connections for on-demand streams), each fed by one lossless pipeline
 * consumer, mounted on the downstream server's port.
 */
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsRegistry, Sample } from '../observability/metrics.js';
import { BinanceCompat, USDM_DIALECT, type UpstreamControl } from '../compat/binance/index.js';
import type { CompatStatus } from './status.js';
import type { VenueFeed } from './venue-feed.js';

/** Config stream kinds -> the venue stream names they subscribe (spot and USD-M alike). */
const STREAM_OF_KIND: Readonly<Record<string, string>> = {
  trade: 'trade', aggTrade: 'aggTrade', bookTicker: 'bookTicker', depth: 'depth@100ms', markPrice: 'markPrice@1s',
};

/** Events the endpoint serves; everything else is filtered out before its queue. */
const SERVED = new Set<MarketEvent['type']>(['trade', 'trade_gap', 'book_snapshot', 'book_delta', 'book_resync', 'book_ticker', 'mark_price']);

/** USD-M is served beside spot, under the spot prefix + this suffix ("/binance-futures"). */
export const FUTURES_PREFIX_SUFFIX = '-futures';

/** Upstream control of one venue feed: configured streams, on-demand ones on a live connection. */
function upstreamOf(venue: string, symbols: readonly string[], streams: readonly string[], feeds: ReadonlyMap<string, VenueFeed>): UpstreamControl {
  const names = (k: string): string | undefined => STREAM_OF_KIND[k] ?? (k.startsWith('kline_') ? k : undefined);
  const configured = new Set(symbols.flatMap((s) => streams.map(names).filter((n) => n !== undefined).map((n) => `${s.toLowerCase()}@${n}`)));
  const liveConnection = (stream?: string) => {
    const conns = feeds.get(venue)?.connectionList().filter((x) => x.state !== 'closed') ?? [];
    return stream === undefined ? conns[0] : conns.find((x) => x.streams().includes(stream));
  };
  return {
    isConfigured: (stream) => configured.has(stream),
    subscribe: async (stream) => {
      const conn = liveConnection();
      if (conn === undefined) throw new Error(`no live ${venue} connection`);
      await conn.addStreams([stream]);
    },
    unsubscribe: async (stream) => {
      await liveConnection(stream)?.removeStreams([stream]);
    },
  };
}

/** Klines and tickers fold the `trade` stream when configured (or nothing is), else `aggTrade`. */
const tradeSourceOf = (streams: readonly string[]): 'trade' | 'aggTrade' => (streams.includes('trade') || !streams.includes('aggTrade') ? 'trade' : 'aggTrade');

/** The spot endpoint, or null when disabled or the Binance venue is not configured. */
export function createBinanceCompat(config: TickgateConfig, feeds: ReadonlyMap<string, VenueFeed>, logger: Logger): BinanceCompat | null {
  const b = config.venues.binance;
  const c = config.compat.binance;
  if (!c.enabled || !b.enabled || !config.server.enabled) return null;
  return new BinanceCompat({
    settings: c, venue: 'binance', restBaseUrl: b.restBaseUrl, symbols: b.symbols,
    upstream: upstreamOf('binance', b.symbols, b.streams, feeds), klineSource: tradeSourceOf(b.streams), logger,
  });
}

/**
 * The USD-M endpoint (`<compat.binance.pathPrefix>-futures`), or null when compat is disabled or
 * venue binanceFutures is not configured. Same limits as spot's; the forwarding budget is the same
 * share of USD-M's REST weight as spot's is of spot's.
 */
export function createBinanceFuturesCompat(config: TickgateConfig, feeds: ReadonlyMap<string, VenueFeed>, logger: Logger): BinanceCompat | null {
  const f = config.venues.binanceFutures;
  const c = config.compat.binance;
  if (!c.enabled || !f.enabled || !config.server.enabled) return null;
  const share = c.forwardWeightPerMinute / config.venues.binance.restWeightPerMinute;
  return new BinanceCompat({
    settings: { ...c, pathPrefix: `${c.pathPrefix}${FUTURES_PREFIX_SUFFIX}`, forwardWeightPerMinute: Math.max(1, Math.floor(share * f.restWeightPerMinute)) },
    venue: 'binance-futures', dialect: USDM_DIALECT, restBaseUrl: f.restBaseUrl, symbols: f.symbols,
    upstream: upstreamOf('binance-futures', f.symbols, f.streams, feeds), klineSource: tradeSourceOf(f.streams), logger,
  });
}

/** The endpoint's pipeline consumer: lossless and in order (a full queue spills inline). */
export function addCompatConsumer(compat: BinanceCompat, pipeline: Pipeline<MarketEvent>, maxQueueItems: number): void {
  const consume = (e: MarketEvent): void => compat.consume(e);
  const venue = compat.venue;
  pipeline.addConsumer({
    name: `compat-${venue}`, policy: 'spill', maxQueueItems,
    filter: (e) => e.venue === venue && SERVED.has(e.type),
    handler: consume, spill: consume,
  });
}

/**
 * tickgate_compat_* series, one label value per endpoint's venue: clients, streams asked
 * downstream vs held upstream (the multiplier), deliveries, dropped clients by reason, REST
 * answers by source, cache hits, forwarded weight. Registered once for all endpoints.
 */
export function registerCompatMetrics(m: MetricsRegistry, endpoints: BinanceCompat | readonly (BinanceCompat | null)[]): void {
  const list = (Array.isArray(endpoints) ? endpoints : [endpoints]).filter((x): x is BinanceCompat => x !== null);
  if (list.length === 0) return;
  const each = (f: (c: BinanceCompat) => number) => (): Sample[] => list.map((c): Sample => [{ venue: c.venue }, f(c)]);
  m.gauge('tickgate_compat_clients', 'Clients connected to the venue-compatible WebSocket endpoint', ['venue'], each((c) => c.ws.clients));
  m.gauge('tickgate_compat_streams_downstream', 'Distinct streams clients subscribed', ['venue'], each((c) => c.hub.size));
  m.gauge('tickgate_compat_subscriptions', 'Client subscriptions (stream x client)', ['venue'], each((c) => c.hub.subscriptions));
  m.gauge('tickgate_compat_upstream_streams_on_demand', 'Streams subscribed upstream on demand (beyond the configured ones)', ['venue'], each((c) => c.demand.stats().heldOnDemand));
  m.counter('tickgate_compat_deliveries_total', 'Frames sent to compat clients', ['venue'], each((c) => c.hub.counters.deliveries));
  m.counter('tickgate_compat_clients_dropped_total', 'Compat clients dropped, by reason', ['venue', 'reason'],
    () => list.flatMap((c) => Object.entries(c.ws.counters.drops).map(([reason, n]): Sample => [{ venue: c.venue, reason }, n])));
  m.counter('tickgate_compat_rest_requests_total', 'Compat REST requests by where the answer came from', ['venue', 'source'], () => list.flatMap((c): Sample[] => {
    const v = { venue: c.venue };
    const r = c.rest.counters;
    const f = c.forwarder.stats();
    return [[{ ...v, source: 'state' }, r.fromState], [{ ...v, source: 'cache' }, f.cacheHits + f.shared], [{ ...v, source: 'upstream' }, f.upstreamCalls], [{ ...v, source: 'refused' }, r.refused + f.refused]];
  }));
  m.counter('tickgate_compat_forwarded_weight_total', 'Request weight forwarded upstream by the compat endpoint', ['venue'], each((c) => c.forwarder.stats().forwardedWeight));
  m.gauge('tickgate_compat_ticker_windows', 'Symbols with a 24 h rolling ticker window', ['venue'], each((c) => c.hub.tickers.size));
  m.counter('tickgate_compat_ticker_symbols_pushed_total', 'Symbol ticker figures computed for ticker pushes (1000 ms)', ['venue'], each((c) => c.hub.tickerCounters.symbolsPushed));
}

/** The endpoints' figures for the status object (the dashboard's compat panel). */
export function compatStatus(endpoints: readonly (BinanceCompat | null)[]): CompatStatus[] {
  return endpoints.filter((x): x is BinanceCompat => x !== null).map((c) => {
    const f = c.forwarder.stats();
    const d = c.demand.stats();
    return {
      venue: c.venue, prefix: c.prefix, clients: c.ws.clients, subscriptions: c.hub.subscriptions, streamsDownstream: c.hub.size,
      upstreamStreams: d.asked, upstreamOnDemand: d.heldOnDemand, deliveries: c.hub.counters.deliveries,
      clientsDropped: Object.values(c.ws.counters.drops).reduce((a, n) => a + n, 0),
      restRequests: c.rest.counters.requests, restFromState: c.rest.counters.fromState, restCacheHits: f.cacheHits + f.shared,
      restUpstreamCalls: f.upstreamCalls, restRefused: c.rest.counters.refused + f.refused,
      forwardedWeight: f.forwardedWeight, usedWeight: f.usedWeight, weightLimit: c.forwarder.budget.limit,
    };
  });
}
