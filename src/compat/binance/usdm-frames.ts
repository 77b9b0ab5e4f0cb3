/**
 * Binance USD-M futures (`/fapi/v1`, fstream) texts, as its documentation shows them: stream
 * frames carry the transaction time `T` beside `E`; depthUpdate chains by `pu` (the previous
 * event's `u`) and the partial-depth streams are depthUpdate frames too; `@trade` says its kind
 * in `X`; aggTrade and REST rows have no `M`/`isBestMatch`; REST depth, ticker/price and
 * bookTicker carry times. Decimals are the venue's strings, passed through.
 *
 * Not carried by tickgate's normalized events, so filled as documented here: `T` of depth and
 * bookTicker frames is the event time; premiumIndex's estimatedSettlePrice is the index price
 * and interestRate USD-M's fixed 0.01 % per funding interval.
 */
import type { BookDelta, BookTicker, Level, MarkPrice, Trade } from '../../model/events.js';
import { levelsText, type Dialect } from './dialect.js';
import { aggTradeFirstLast, eventMs } from './frames.js';
import type { RollingStats } from './rolling24h.js';
import { usdmWeightOf } from './rest-weight.js';
import { KLINE_INTERVALS_MS } from './streams.js';
import { tickerFigures } from './ticker-frames.js';

export { usdmWeightOf };

/** USD-M klines: spot's without 1s (1M is calendar-based and forwarded). */
const USDM_KLINE_INTERVALS_MS: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(KLINE_INTERVALS_MS).filter(([k]) => k !== '1s'));

/** USD-M's documented interest rate (0.01 % per funding interval), as premiumIndex shows it. */
const USDM_INTEREST_RATE = '0.00010000';

const pu = (d: BookDelta): number => d.prevUpdateId ?? d.firstUpdateId - 1;

export function usdmTradeFrame(t: Trade): string {
  return `{"e":"trade","E":${eventMs(t)},"T":${t.eventTime},"s":"${t.symbol}","t":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","X":"${t.execType ?? 'MARKET'}","m":${t.side === 'sell'}}`;
}

export function usdmAggTradeFrame(t: Trade): string {
  const [f, l] = aggTradeFirstLast(t);
  return `{"e":"aggTrade","E":${eventMs(t)},"s":"${t.symbol}","a":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","f":${f},"l":${l},"T":${t.eventTime},"m":${t.side === 'sell'}}`;
}

export function usdmBookTickerFrame(b: BookTicker): string {
  return `{"e":"bookTicker","u":${b.updateId ?? 0},"s":"${b.symbol}","b":"${b.bidPrice}","B":"${b.bidSize}","a":"${b.askPrice}","A":"${b.askSize}","T":${b.eventTime},"E":${eventMs(b)}}`;
}

export function usdmDepthUpdateFrame(d: BookDelta): string {
  return `{"e":"depthUpdate","E":${eventMs(d)},"T":${d.eventTime},"s":"${d.symbol}","U":${d.firstUpdateId},"u":${d.lastUpdateId},"pu":${pu(d)},"b":${levelsText(d.bids)},"a":${levelsText(d.asks)}}`;
}

/** `<s>@depth<N>`: the top N levels of the maintained book as a depthUpdate (U = u = its id). */
export function usdmPartialDepthFrame(symbol: string, lastUpdateId: number, prevUpdateId: number, bids: readonly Level[], asks: readonly Level[], nowMs: number): string {
  return `{"e":"depthUpdate","E":${nowMs},"T":${nowMs},"s":"${symbol}","U":${lastUpdateId},"u":${lastUpdateId},"pu":${prevUpdateId},"b":${levelsText(bids)},"a":${levelsText(asks)}}`;
}

export function usdmTickerFrame(symbol: string, s: RollingStats, _bt: BookTicker | null, nowMs: number): string {
  const f = tickerFigures(s);
  return `{"e":"24hrTicker","E":${nowMs},"s":"${symbol}","p":"${f.p}","P":"${f.P}","w":"${f.w}","c":"${f.c}","Q":"${f.Q}","o":"${f.o}","h":"${f.h}","l":"${f.l}","v":"${f.v}","q":"${f.q}","O":${s.openTime},"C":${s.closeTime},"F":${s.first},"L":${s.last},"n":${s.n}}`;
}

export function usdmMarkPriceFrame(m: MarkPrice): string {
  return `{"e":"markPriceUpdate","E":${m.eventTime},"s":"${m.symbol}","p":"${m.markPrice}","i":"${m.indexPrice}","P":"${m.indexPrice}","r":"${m.fundingRate ?? ''}","T":${m.nextFundingTime}}`;
}

export function usdmTicker24hrRest(symbol: string, s: RollingStats): string {
  const f = tickerFigures(s);
  return `{"symbol":"${symbol}","priceChange":"${f.p}","priceChangePercent":"${f.P}","weightedAvgPrice":"${f.w}","lastPrice":"${f.c}","lastQty":"${f.Q}","openPrice":"${f.o}","highPrice":"${f.h}","lowPrice":"${f.l}","volume":"${f.v}","quoteVolume":"${f.q}","openTime":${s.openTime},"closeTime":${s.closeTime},"firstId":${s.first},"lastId":${s.last},"count":${s.n}}`;
}

export const USDM_DIALECT: Dialect = {
  name: 'usdm',
  restPrefix: '/fapi/v1',
  forwardable: /^\/(?:fapi\/v[123]\/|futures\/data\/)/,
  signed: /^\/(?:fapi\/v[123]\/(?:order|batchOrders|allOpenOrders|countdownCancelAll|openOrder|openOrders|allOrders|account|balance|positionRisk|positionSide|multiAssetsMargin|userTrades|income|leverage|leverageBracket|marginType|positionMargin|listenKey|commissionRate|apiTradingStatus|adlQuantile|forceOrders|rateLimit|orderAmendment|symbolConfig|accountConfig|feeBurn|convert)|sapi\/|wapi\/)/,
  depthSpeedsMs: [100, 250, 500],
  defaultDepthSpeedMs: 250,
  klineIntervalsMs: USDM_KLINE_INTERVALS_MS,
  wsCategories: ['', '/public', '/market'],
  markPrice: true,
  avgPrice: false,
  weightOf: usdmWeightOf,
  trade: usdmTradeFrame,
  aggTrade: usdmAggTradeFrame,
  bookTicker: usdmBookTickerFrame,
  depthUpdate: usdmDepthUpdateFrame,
  partialDepth: usdmPartialDepthFrame,
  ticker: usdmTickerFrame,
  markPriceFrame: usdmMarkPriceFrame,
  restDepth: (lastUpdateId, bids, asks, nowMs) => `{"lastUpdateId":${lastUpdateId},"E":${nowMs},"T":${nowMs},"bids":${levelsText(bids)},"asks":${levelsText(asks)}}`,
  restTrade: (t, quoteQty) => `{"id":${t.seq ?? Number(t.tradeId)},"price":"${t.price}","qty":"${t.size}","quoteQty":"${quoteQty}","time":${t.eventTime},"isBuyerMaker":${t.side === 'sell'}}`,
  restAggTrade: (t) => {
    const [f, l] = aggTradeFirstLast(t);
    return `{"a":${t.seq ?? Number(t.tradeId)},"p":"${t.price}","q":"${t.size}","f":${f},"l":${l},"T":${t.eventTime},"m":${t.side === 'sell'}}`;
  },
  restTickerPrice: (symbol, price, timeMs) => `{"symbol":"${symbol}","price":"${price}","time":${timeMs}}`,
  restBookTicker: (symbol, b, B, a, A, timeMs) => `{"symbol":"${symbol}","bidPrice":"${b}","bidQty":"${B}","askPrice":"${a}","askQty":"${A}","time":${timeMs}}`,
  restTicker24hr: (symbol, s) => usdmTicker24hrRest(symbol, s),
  restPremiumIndex: (m) => `{"symbol":"${m.symbol}","markPrice":"${m.markPrice}","indexPrice":"${m.indexPrice}","estimatedSettlePrice":"${m.indexPrice}","lastFundingRate":"${m.fundingRate ?? ''}","interestRate":"${USDM_INTEREST_RATE}","nextFundingTime":${m.nextFundingTime},"time":${m.eventTime}}`,
};
