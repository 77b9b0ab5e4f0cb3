/**
 * The USD-M dialect: its stream names (speeds 100/250/500 ms, no 1s klines, markPrice), the
 * depth merge chained by pu, and its frame and REST texts with Binance USD-M's field names and
 * order (T beside E, pu, X, no M / isBestMatch, times on REST depth/price/bookTicker).
 */
import { describe, expect, it } from 'vitest';
import { DepthMerge } from '../../../src/compat/binance/depth-merge.js';
import { SPOT_DIALECT } from '../../../src/compat/binance/frames.js';
import { parseStream, upstreamStreamOf } from '../../../src/compat/binance/streams.js';
import { USDM_DIALECT as D, usdmWeightOf } from '../../../src/compat/binance/usdm-frames.js';
import type { BookDelta, BookTicker, Level, MarkPrice, Trade } from '../../../src/model/events.js';

const delta = (U: number, u: number, pu: number, bids: Level[] = []): BookDelta => ({
  type: 'book_delta', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: u, receiveTime: u + 1, firstUpdateId: U, lastUpdateId: u, prevUpdateId: pu, seq: null, bids, asks: [],
});
const trade = (execType?: string): Trade => ({
  type: 'trade', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 1000, receiveTime: 1005, tradeId: '7', seq: 7, price: '60000.10', size: '0.005', side: 'sell', source: 'trade',
  ...(execType ? { execType } : {}),
});

describe('USD-M stream names', () => {
  it('diff and partial depth at 250 ms by default, 100 and 500 ms by name; 1000 ms and 1s klines are not USD-M\'s', () => {
    expect(parseStream('btcusdt@depth', D)).toMatchObject({ kind: 'depth', speedMs: 250 });
    expect(parseStream('btcusdt@depth@500ms', D)).toMatchObject({ kind: 'depth', speedMs: 500 });
    expect(parseStream('btcusdt@depth@100ms', D)).toMatchObject({ kind: 'depth', speedMs: 100 });
    expect(parseStream('btcusdt@depth10', D)).toMatchObject({ kind: 'partialDepth', levels: 10, speedMs: 250 });
    expect(parseStream('btcusdt@depth@1000ms', D)).toBeNull();
    expect(parseStream('btcusdt@kline_1s', D)).toBeNull();
    expect(parseStream('btcusdt@depth@250ms')).toBeNull(); // spot has no 250 ms
  });

  it('markPrice (3 s) and markPrice@1s are served from the venue\'s @markPrice@1s; spot has neither', () => {
    const three = parseStream('btcusdt@markPrice', D)!;
    expect(three).toMatchObject({ kind: 'markPrice', speedMs: 3000 });
    expect(parseStream('btcusdt@markPrice@1s', D)).toMatchObject({ kind: 'markPrice', speedMs: 1000 });
    expect(upstreamStreamOf(three)).toBe('btcusdt@markPrice@1s');
    expect(parseStream('btcusdt@markPrice')).toBeNull();
  });
});

describe('DepthMerge on USD-M deltas (chained by pu)', () => {
  it('merges deltas whose pu is the previous u (U need not be u + 1), the batch keeps the first pu', () => {
    const m = new DepthMerge();
    expect(m.add(delta(100, 105, 99, [['1.0', '1']]))).toBeNull();
    expect(m.add(delta(109, 112, 105, [['1.0', '2']]))).toBeNull();
    const b = m.take()!;
    expect([b.firstUpdateId, b.lastUpdateId, b.prevUpdateId]).toEqual([100, 112, 99]);
    expect(b.bids).toEqual([['1.0', '2']]);
  });

  it('a pu that is not the previous u (a resync upstream) is never merged over', () => {
    const m = new DepthMerge();
    m.add(delta(100, 105, 99));
    const before = m.add(delta(120, 125, 118))!;
    expect([before.lastUpdateId, before.prevUpdateId]).toEqual([105, 99]);
    expect(m.take()!.prevUpdateId).toBe(118);
  });
});

describe('USD-M frame and REST texts', () => {
  it('@trade carries T and X (MARKET when the venue did not say), no M; aggTrade no M', () => {
    expect(D.trade(trade('ADL'))).toBe('{"e":"trade","E":1005,"T":1000,"s":"BTCUSDT","t":7,"p":"60000.10","q":"0.005","X":"ADL","m":true}');
    expect(JSON.parse(D.trade(trade())).X).toBe('MARKET');
    expect(Object.keys(JSON.parse(D.aggTrade({ ...trade(), source: 'aggTrade' })))).toEqual(['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm']);
  });

  it('aggTrade f/l and E from the decoder when it carries them (spot and USD-M), -1 and the receive time when not', () => {
    const agg: Trade = { ...trade(), source: 'aggTrade', firstTradeId: 70, lastTradeId: 72, frameTime: 1003 };
    for (const text of [D.aggTrade(agg), SPOT_DIALECT.aggTrade(agg)]) expect(JSON.parse(text)).toMatchObject({ E: 1003, f: 70, l: 72 });
    expect(JSON.parse(D.restAggTrade(agg))).toMatchObject({ f: 70, l: 72 });
    expect(JSON.parse(SPOT_DIALECT.trade({ ...trade(), frameTime: 1002 })).E).toBe(1002);
    expect(JSON.parse(SPOT_DIALECT.aggTrade({ ...trade(), source: 'aggTrade' }))).toMatchObject({ E: 1005, f: -1, l: -1 });
  });

  it('depthUpdate carries T and pu; bookTicker e, T and E', () => {
    expect(D.depthUpdate(delta(100, 105, 99, [['1.0', '2']]))).toBe('{"e":"depthUpdate","E":106,"T":105,"s":"BTCUSDT","U":100,"u":105,"pu":99,"b":[["1.0","2"]],"a":[]}');
    const bt: BookTicker = { type: 'book_ticker', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 50, receiveTime: 52, bidPrice: '1.0', bidSize: '2', askPrice: '1.1', askSize: '3', updateId: 9 };
    expect(Object.keys(JSON.parse(D.bookTicker(bt)))).toEqual(['e', 'u', 's', 'b', 'B', 'a', 'A', 'T', 'E']);
  });

  it('markPriceUpdate and premiumIndex from the last mark price', () => {
    const m: MarkPrice = { type: 'mark_price', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 70, receiveTime: 71, markPrice: '60000.1', indexPrice: '60001.2', fundingRate: '0.00010000', nextFundingTime: 28_800_000 };
    expect(D.markPriceFrame(m)).toBe('{"e":"markPriceUpdate","E":70,"s":"BTCUSDT","p":"60000.1","i":"60001.2","P":"60001.2","r":"0.00010000","T":28800000}');
    expect(JSON.parse(D.restPremiumIndex(m))).toEqual({
      symbol: 'BTCUSDT', markPrice: '60000.1', indexPrice: '60001.2', estimatedSettlePrice: '60001.2', lastFundingRate: '0.00010000', interestRate: '0.00010000', nextFundingTime: 28_800_000, time: 70,
    });
  });

  it('REST rows: trades without isBestMatch, depth/price/bookTicker with their times', () => {
    expect(Object.keys(JSON.parse(D.restTrade(trade(), '300.0005')))).toEqual(['id', 'price', 'qty', 'quoteQty', 'time', 'isBuyerMaker']);
    expect(Object.keys(JSON.parse(D.restDepth(5, [], [], 9)))).toEqual(['lastUpdateId', 'E', 'T', 'bids', 'asks']);
    expect(JSON.parse(D.restTickerPrice('BTCUSDT', '1.0', 3))).toEqual({ symbol: 'BTCUSDT', price: '1.0', time: 3 });
    expect(Object.keys(JSON.parse(D.restBookTicker('BTCUSDT', '1', '2', '3', '4', 5)))).toEqual(['symbol', 'bidPrice', 'bidQty', 'askPrice', 'askQty', 'time']);
  });

  it('weights as USD-M documents them (depth by limit, aggTrades 20, klines by limit)', () => {
    const q = (s: string) => new URLSearchParams(s);
    expect([5, 50, 100, 500, 1000].map((l) => usdmWeightOf('/fapi/v1/depth', q(`limit=${l}`)))).toEqual([2, 2, 5, 10, 20]);
    expect(usdmWeightOf('/fapi/v1/aggTrades', q('symbol=BTCUSDT'))).toBe(20);
    expect([99, 100, 500, 1500].map((l) => usdmWeightOf('/fapi/v1/klines', q(`limit=${l}`)))).toEqual([1, 2, 5, 10]);
    expect(usdmWeightOf('/fapi/v1/ticker/24hr', q(''))).toBe(40);
  });
});
