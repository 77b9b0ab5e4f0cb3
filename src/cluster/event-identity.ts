/**
 * The identity of a normalized event on the bus: its subject kind and its Nats-Msg-Id. Two
 * collectors that see the same venue event (A/B redundancy, or a failover backfill overlapping
 * what the dead owner published) derive the same id, so the stream's duplicate window keeps it
 * once. The id uses only venue-given fields (ids, venue times), never receive times, except for
 * integrity's own stream_state markers, which are per collector by nature.
 */
import type { MarketEvent } from '../model/events.js';

/** Subject kind: the event type; Binance aggTrade is a separate id space, so its own kind. */
export function eventKind(e: MarketEvent): string {
  if (e.type === 'trade' && e.source === 'aggTrade') return 'agg_trade';
  return e.type;
}

/** What identifies the event within (venue, symbol, kind). */
export function eventLocalId(e: MarketEvent): string {
  switch (e.type) {
    case 'trade': return e.tradeId;
    case 'book_delta': return `${e.firstUpdateId}-${e.lastUpdateId}`;
    case 'book_snapshot': return `${e.lastUpdateId}`;
    case 'book_ticker': return e.updateId !== null ? `${e.updateId}` : `t${e.eventTime}:${e.bidPrice}:${e.bidSize}:${e.askPrice}:${e.askSize}`;
    case 'kline': return `${e.interval}:${e.openTime}:${e.eventTime}:${e.trades}:${e.closed ? 1 : 0}`;
    case 'trade_gap': return `${e.source}:${e.fromId}-${e.toId ?? ''}:${e.reason}`;
    case 'stream_state': return `${e.source}:${e.state}:${e.reason}:${e.eventTime}:${e.receiveTime}`;
    case 'book_resync': return `${e.reason}:${e.eventTime}:${e.receiveTime}`;
    case 'mark_price': return `${e.eventTime}:${e.markPrice}`;
    case 'liquidation': return `${e.eventTime}:${e.side}:${e.price}:${e.size}`;
    case 'order_update': return `${e.account}:${e.orderId}:${e.status}:${e.filledSize}:${e.eventTime}`;
    case 'balance_update': return `${e.account}:${e.asset}:${e.eventTime}:${e.delta}`;
  }
}

/** Nats-Msg-Id: venue|symbol|kind|local id. */
export function eventMsgId(e: MarketEvent): string {
  return `${e.venue}|${e.symbol}|${eventKind(e)}|${eventLocalId(e)}`;
}
