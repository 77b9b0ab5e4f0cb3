/**
 * Binance frame texts built from tickgate's normalized events: field names, order and types as
 * Binance's market streams and REST send them (decimals as strings, ids and times as numbers).
 * Prices and sizes are the venue's own strings, passed through unchanged.
 */
import type { BookDelta, BookTicker, Level, MarkPrice, Trade } from '../../model/events.js';
import { levelsText, type Dialect } from './dialect.js';
import { weightOf } from './rest-weight.js';
import { KLINE_INTERVALS_MS } from './streams.js';
import { ticker24hrRest, tickerFrame } from './ticker-frames.js';

/**
 * Event time `E` of a frame: the venue's frame time when the event carries it (trades:
 * `frameTime`), else the later of the venue's event time and the receive time.
 */
export const eventMs = (e: { readonly receiveTime: number; readonly eventTime: number; readonly frameTime?: number }): number =>
  e.frameTime ?? Math.max(e.receiveTime, e.eventTime);

/**
 * First and last trade id of an aggregate trade, when the decoder carried them; else -1 (Binance's
 * own "none" value in trade-id fields, so parsers still find numbers).
 */
export const aggTradeFirstLast = (t: Trade): [number, number] => [t.firstTradeId ?? -1, t.lastTradeId ?? -1];

export function tradeFrame(t: Trade): string {
  return `{"e":"trade","E":${eventMs(t)},"s":"${t.symbol}","t":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","T":${t.eventTime},"m":${t.side === 'sell'},"M":true}`;
}

/** f and l: see aggTradeFirstLast. */
export function aggTradeFrame(t: Trade): string {
  return `{"e":"aggTrade","E":${eventMs(t)},"s":"${t.symbol}","a":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","f":${t.firstTradeId ?? -1},"l":${t.lastTradeId ?? -1},"T":${t.eventTime},"m":${t.side === 'sell'},"M":true}`;
}

export function bookTickerFrame(b: BookTicker): string {
  return `{"u":${b.updateId ?? 0},"s":"${b.symbol}","b":"${b.bidPrice}","B":"${b.bidSize}","a":"${b.askPrice}","A":"${b.askSize}"}`;
}

export function depthUpdateFrame(d: BookDelta): string {
  return `{"e":"depthUpdate","E":${eventMs(d)},"s":"${d.symbol}","U":${d.firstUpdateId},"u":${d.lastUpdateId},"b":${levelsText(d.bids)},"a":${levelsText(d.asks)}}`;
}

/** Partial book stream (<s>@depth5/10/20) and REST /depth: the same body. */
export function partialDepthFrame(lastUpdateId: number, bids: readonly Level[], asks: readonly Level[]): string {
  return `{"lastUpdateId":${lastUpdateId},"bids":${levelsText(bids)},"asks":${levelsText(asks)}}`;
}

/** The combined-stream envelope. */
export function combinedFrame(stream: string, data: string): string {
  return `{"stream":"${stream}","data":${data}}`;
}

/** REST /api/v3/trades and /historicalTrades item. */
export function tradeRestItem(t: Trade, quoteQty: string): string {
  return `{"id":${t.seq ?? Number(t.tradeId)},"price":"${t.price}","qty":"${t.size}","quoteQty":"${quoteQty}","time":${t.eventTime},"isBuyerMaker":${t.side === 'sell'},"isBestMatch":true}`;
}

/** REST /api/v3/aggTrades item (f/l as in aggTradeFrame). */
export function aggTradeRestItem(t: Trade): string {
  return `{"a":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","f":${t.firstTradeId ?? -1},"l":${t.lastTradeId ?? -1},"T":${t.eventTime},"m":${t.side === 'sell'},"M":true}`;
}

/** Binance spot (`/api/v3`, stream speeds 100/1000 ms, klines from 1s). */
export const SPOT_DIALECT: Dialect = {
  name: 'spot',
  restPrefix: '/api/v3',
  forwardable: /^\/api\//,
  signed: /^\/(?:api\/v3\/(?:order|orderList|oco|sor|account|myTrades|myPreventedMatches|myAllocations|openOrders|allOrders|allOrderList|openOrderList|rateLimit|userDataStream|commission)|sapi\/|wapi\/)/,
  depthSpeedsMs: [100, 1000],
  defaultDepthSpeedMs: 1000,
  klineIntervalsMs: KLINE_INTERVALS_MS,
  wsCategories: [''],
  markPrice: false,
  avgPrice: true,
  weightOf,
  trade: tradeFrame,
  aggTrade: aggTradeFrame,
  bookTicker: bookTickerFrame,
  depthUpdate: depthUpdateFrame,
  partialDepth: (_symbol, lastUpdateId, _pu, bids, asks) => partialDepthFrame(lastUpdateId, bids, asks),
  ticker: tickerFrame,
  markPriceFrame: (m: MarkPrice) => { throw new Error(`spot has no mark price (${m.symbol})`); },
  restDepth: (lastUpdateId, bids, asks) => partialDepthFrame(lastUpdateId, bids, asks),
  restTrade: tradeRestItem,
  restAggTrade: aggTradeRestItem,
  restTickerPrice: (symbol, price) => `{"symbol":"${symbol}","price":"${price}"}`,
  restBookTicker: (symbol, b, B, a, A) => `{"symbol":"${symbol}","bidPrice":"${b}","bidQty":"${B}","askPrice":"${a}","askQty":"${A}"}`,
  restTicker24hr: ticker24hrRest,
  restPremiumIndex: (m: MarkPrice) => { throw new Error(`spot has no premium index (${m.symbol})`); },
};
