/**
 * The gateway's own consumers of the pipeline: the aggregator (lossless, spills by folding
 * inline), declared trade gaps (to every sink), and the downstream trades / book channels. User
 * handlers are added beside them through Gateway.addConsumer.
 */
import type { Aggregator } from '../aggregate/aggregator.js';
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent, TradeGap } from '../model/events.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { DownstreamServer } from '../server/server.js';
import { countsInCandles } from '../venues/binance-futures/rules.js';
import { channelNamer } from './channel-names.js';

export interface CoreConsumerParts {
  readonly config: TickgateConfig;
  readonly pipeline: Pipeline<MarketEvent>;
  readonly aggregator: Aggregator;
  readonly server: DownstreamServer | null;
  /** Venues whose trade stream is subscribed: their aggTrade stream repeats it and is not folded. */
  readonly tradeStreamVenues: ReadonlySet<string>;
  readonly onTradeGap: (g: TradeGap) => void;
}

export function addCoreConsumers(p: CoreConsumerParts): void {
  const { config: c, pipeline, aggregator, tradeStreamVenues } = p;
  // The aggregator is lossless: when its deep queue is full it spills by folding the overflow
  // inline (O(1) per trade, see bench/aggregate.bench.ts) instead of dropping. Sinks and clients
  // hang off its output, never off the socket reader.
  pipeline.addConsumer({
    name: 'aggregate', policy: 'spill', maxQueueItems: Math.max(c.pipeline.maxQueueItems, 100_000),
    // A venue's aggTrade stream repeats its trade stream: fold one of them, never both. The
    // in-band integrity markers travel with the trades (they hold/release the clock).
    // USD-M INSURANCE_FUND / ADL / NA trades are delivered downstream but not folded (Binance's klines count MARKET only).
    filter: (e) => (e.type === 'trade' || e.type === 'stream_state' || e.type === 'trade_gap') && !(e.source === 'aggTrade' && tradeStreamVenues.has(e.venue))
      && (e.type !== 'trade' || countsInCandles(e, c.venues.binanceFutures.candleTradeKinds)),
    handler: (e) => aggregator.ingest(e),
    spill: (e) => aggregator.ingest(e),
  });
  // A declared hole is the only durable trace of lost ids: lossless to every sink, with an alert line.
  const onTradeGap = (e: MarketEvent): void => { if (e.type === 'trade_gap') p.onTradeGap(e); };
  pipeline.addConsumer({
    name: 'trade-gaps', policy: 'spill', filter: (e) => e.type === 'trade_gap', handler: onTradeGap, spill: onTradeGap,
  });
  if (p.server) {
    const server = p.server;
    // Lossless and in order up to the server: a full queue spills its oldest event inline
    // (publish is O(subscribers)), so the only drops are in a slow client's own queue, after a
    // seq was assigned, and announced with `gap`. Declared trade gaps travel in the same order.
    const tradesName = channelNamer('trades');
    const bookName = channelNamer('book');
    const toTrades = (e: MarketEvent): void => {
      if (e.type === 'trade') server.publish(tradesName(e.venue, e.symbol), e);
      else if (e.type === 'trade_gap') server.publishTradeGap(e);
    };
    pipeline.addConsumer({
      name: 'downstream-trades', policy: 'spill',
      // One trade stream per venue on the channel, like the aggregator (aggTrade repeats trade).
      filter: (e) => (e.type === 'trade' || e.type === 'trade_gap') && !(e.source === 'aggTrade' && tradeStreamVenues.has(e.venue)),
      handler: toTrades, spill: toTrades,
    });
    pipeline.addConsumer({
      name: 'downstream-book', policy: 'conflate-by-key', filter: (e) => e.type === 'book_ticker',
      handler: (e) => { if (e.type === 'book_ticker') server.publish(bookName(e.venue, e.symbol), e); },
    });
  }
}
