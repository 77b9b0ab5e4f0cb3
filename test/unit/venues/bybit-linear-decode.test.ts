/**
 * Bybit v5 linear on frames in the documented formats: tickers snapshot + delta (deltas carry only
 * the changed fields and are merged into the last state per symbol), kline.<interval>.<symbol>,
 * allLiquidation.
 */
import { describe, expect, it } from 'vitest';
import { BybitDecoder, bybitIntervalName, decodeBybitFrame } from '../../../src/venues/bybit/decode.js';
import { TickerState } from '../../../src/venues/bybit/ticker-state.js';

const SNAPSHOT = '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"17216.00","prevPrice24h":"16926.50","highPrice24h":"17281.50","lowPrice24h":"16915.00","prevPrice1h":"17238.00","markPrice":"17217.33","indexPrice":"17227.36","openInterest":"68744.761","openInterestValue":"1183601235.91","turnover24h":"1570383121.943499","volume24h":"91705.276","nextFundingTime":"1673280000000","fundingRate":"-0.000212","bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020"},"cs":24987956059,"ts":1673272861686}';
const DELTA_BID = '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"17215.00","bid1Size":"3.2"},"cs":24987956060,"ts":1673272861786}';
const DELTA_NO_QUOTE = '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"17218.01","openInterest":"68744.800"},"cs":24987956061,"ts":1673272861886}';
const DELTA_ASK = '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Price":"17215.50","ask1Size":"0.5"},"cs":24987956062,"ts":1673272861986}';
const ETH_DELTA = '{"topic":"tickers.ETHUSDT","type":"delta","data":{"symbol":"ETHUSDT","bid1Price":"1200.00","bid1Size":"1"},"cs":5,"ts":1673272861986}';
const KLINE = '{"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"}';
const KLINE_D_CLOSED = '{"topic":"kline.D.BTCUSDT","data":[{"start":1672272000000,"end":1672358399999,"interval":"D","open":"16500","close":"16677","high":"16800","low":"16400","volume":"1000.5","turnover":"16650000.5","confirm":true,"timestamp":1672358399999}],"ts":1672358400010,"type":"snapshot"}';
const LIQUIDATION = '{"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}';

describe('Bybit linear tickers: snapshot + delta', () => {
  it('merges deltas into the last state and emits complete quotes, in order', () => {
    const d = new BybitDecoder();
    const quotes = [SNAPSHOT, DELTA_BID, DELTA_NO_QUOTE, DELTA_ASK].flatMap((f, i) => d.decode(f, i).events);
    expect(quotes.map((q) => q.type === 'book_ticker' && [q.bidPrice, q.bidSize, q.askPrice, q.askSize, q.updateId, q.eventTime])).toEqual([
      ['17215.50', '84.489', '17216.00', '83.020', 24987956059, 1673272861686],
      ['17215.00', '3.2', '17216.00', '83.020', 24987956060, 1673272861786],
      // A delta that changed no quote field still yields the (unchanged) full quote: a state, not a change.
      ['17215.00', '3.2', '17216.00', '83.020', 24987956061, 1673272861886],
      ['17215.00', '3.2', '17215.50', '0.5', 24987956062, 1673272861986],
    ]);
    expect(d.stats().malformed).toBe(0);
  });

  it('drops and counts a delta of a symbol without a snapshot; state is per symbol', () => {
    const d = new BybitDecoder();
    d.decode(SNAPSHOT, 1);
    expect(d.decode(ETH_DELTA, 2).events).toEqual([]);
    expect(d.tickers.deltasWithoutSnapshot).toBe(1);
    expect(d.decode(DELTA_BID, 3).events[0]).toMatchObject({ symbol: 'BTCUSDT', bidPrice: '17215.00', askPrice: '17216.00' });
  });

  it('without state (the pure function) a partial delta yields no quote, as before', () => {
    expect(decodeBybitFrame(DELTA_BID, 1).events).toEqual([]);
  });

  it('the ticker map is bounded: symbols beyond the limit are refused and counted', () => {
    const t = new TickerState(1);
    expect(t.apply('A', 'snapshot', { symbol: 'A' })).not.toBeNull();
    expect(t.apply('B', 'snapshot', { symbol: 'B' })).toBeNull();
    expect(t.refusedSymbols).toBe(1);
    expect(t.size).toBe(1);
  });
});

describe('Bybit klines and liquidations', () => {
  it('decodes kline.<interval>.<symbol> (interval named like Binance: 5 -> 5m, D -> 1d)', () => {
    expect(decodeBybitFrame(KLINE, 9).events).toEqual([{
      type: 'kline', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1672324988882, receiveTime: 9, interval: '5m',
      openTime: 1672324800000, closeTime: 1672325099999, open: '16649.5', high: '16677', low: '16608', close: '16677',
      volume: '2.081', quoteVolume: '34666.4005', trades: 0, closed: false,
    }]);
    expect(decodeBybitFrame(KLINE_D_CLOSED, 9).events[0]).toMatchObject({ interval: '1d', closed: true });
    expect(['1', '60', '240', '720', 'W', 'M'].map(bybitIntervalName)).toEqual(['1m', '1h', '4h', '12h', '1w', '1M']);
  });

  it('a kline with an unknown interval is a DecodeError', () => {
    const r = decodeBybitFrame(KLINE.replace('"interval":"5"', '"interval":"X"'), 1);
    expect(r.error).toMatchObject({ code: 'E_DECODE', stream: 'kline.5.BTCUSDT' });
  });

  it('decodes allLiquidation (S is the position side; the liquidation order goes the other way)', () => {
    expect(decodeBybitFrame(LIQUIDATION, 1).events).toEqual([{ type: 'liquidation', venue: 'bybit', symbol: 'ROSEUSDT', eventTime: 1739502302929, receiveTime: 1, side: 'buy', price: '0.04499', size: '20000' }]);
  });
});
