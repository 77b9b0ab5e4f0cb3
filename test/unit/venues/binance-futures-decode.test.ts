/**
 * Binance USD-M futures decoding on frames in the documented formats (fstream payload examples):
 * depth with pu, trade with X, aggTrade, bookTicker with T, markPriceUpdate, forceOrder (single
 * and the !forceOrder@arr envelope), klines of any interval; events carry venue "binance-futures".
 */
import { describe, expect, it } from 'vitest';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import { countsInCandles } from '../../../src/venues/binance-futures/rules.js';

const wrap = (stream: string, data: string): string => `{"stream":"${stream}","data":${data}}`;
const DEPTH = '{"e":"depthUpdate","E":123456789,"T":123456788,"s":"BTCUSDT","U":157,"u":160,"pu":149,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}';
const TRADE = (x: string): string => `{"e":"trade","E":1672515782136,"T":1672515782130,"s":"BTCUSDT","t":5200000001,"p":"16500.10","q":"0.004","X":"${x}","m":true}`;
const AGG = '{"e":"aggTrade","E":123456789,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":true}';
const BOOK_TICKER = '{"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}';
const MARK = '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","ap":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}';
const MARK_DELIVERY = '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT_250627","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"","T":0}';
const FORCE = '{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}';
const KLINE_4H = '{"e":"kline","E":1638747660000,"s":"BTCUSDT","k":{"t":1638734400000,"T":1638748799999,"s":"BTCUSDT","i":"4h","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}';

const dec = (): BinanceDecoder => new BinanceDecoder({ venue: 'binance-futures' });

describe('Binance USD-M decoder', () => {
  it('decodes depthUpdate with pu (previous u) as prevUpdateId', () => {
    const ev = dec().decode(wrap('btcusdt@depth@100ms', DEPTH), 5).events;
    expect(ev).toEqual([{
      type: 'book_delta', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 123456789, receiveTime: 5,
      firstUpdateId: 157, lastUpdateId: 160, prevUpdateId: 149, seq: null, bids: [['0.0024', '10']], asks: [['0.0026', '100']],
    }]);
  });

  it('keeps X (MARKET / INSURANCE_FUND / ADL / NA) on trades; only MARKET counts in candles', () => {
    for (const x of ['MARKET', 'INSURANCE_FUND', 'ADL', 'NA']) {
      const [t] = dec().decode(wrap('btcusdt@trade', TRADE(x)), 1).events;
      expect(t).toEqual({
        type: 'trade', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 1672515782130, receiveTime: 1, tradeId: '5200000001',
        seq: 5200000001, price: '16500.10', size: '0.004', side: 'sell', source: 'trade', frameTime: 1672515782136, execType: x,
      });
      expect(countsInCandles(t as { execType?: string })).toBe(x === 'MARKET');
    }
    // Trades without a kind (spot, aggTrade, REST rows) always count.
    expect(countsInCandles({})).toBe(true);
    expect(countsInCandles({ execType: 'ADL' }, ['MARKET', 'ADL'])).toBe(true);
  });

  it('decodes aggTrade without X (no execType field at all), with its f/l and the frame\'s E', () => {
    const [t] = dec().decode(AGG, 1).events;
    expect(t).toEqual({ type: 'trade', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 123456785, receiveTime: 1, tradeId: '5933014', seq: 5933014, price: '0.001', size: '100', side: 'sell', source: 'aggTrade', frameTime: 123456789, firstTradeId: 100, lastTradeId: 105 });
    expect('execType' in t!).toBe(false);
  });

  it('decodes the futures bookTicker (has e, E and T)', () => {
    expect(dec().decode(wrap('bnbusdt@bookTicker', BOOK_TICKER), 1).events).toEqual([{
      type: 'book_ticker', venue: 'binance-futures', symbol: 'BNBUSDT', eventTime: 1568014460893, receiveTime: 1,
      bidPrice: '25.35190000', bidSize: '31.21000000', askPrice: '25.36520000', askSize: '40.66000000', updateId: 400900217,
    }]);
  });

  it('decodes markPriceUpdate (perpetual with funding; delivery without)', () => {
    expect(dec().decode(wrap('btcusdt@markPrice@1s', MARK), 2).events).toEqual([{
      type: 'mark_price', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 1562305380000, receiveTime: 2,
      markPrice: '11794.15000000', indexPrice: '11784.62659091', fundingRate: '0.00038167', nextFundingTime: 1562306400000,
    }]);
    expect(dec().decode(MARK_DELIVERY, 2).events[0]).toMatchObject({ type: 'mark_price', symbol: 'BTCUSDT_250627', fundingRate: null, nextFundingTime: 0 });
  });

  it('decodes forceOrder per symbol and from the market-wide !forceOrder@arr stream', () => {
    const want = { type: 'liquidation', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: 1568014460893, receiveTime: 3, side: 'sell', price: '9910', size: '0.014' };
    expect(dec().decode(wrap('btcusdt@forceOrder', FORCE), 3).events).toEqual([want]);
    expect(dec().decode(wrap('!forceOrder@arr', FORCE), 3).events).toEqual([want]);
  });

  it('decodes klines of any interval', () => {
    expect(dec().decode(wrap('btcusdt@kline_4h', KLINE_4H), 1).events[0]).toMatchObject({
      type: 'kline', venue: 'binance-futures', interval: '4h', openTime: 1638734400000, closeTime: 1638748799999, trades: 100, closed: false, quoteVolume: '1.0000',
    });
  });

  it('a malformed markPrice is a DecodeError naming the stream, never a throw', () => {
    const r = dec().decode(wrap('btcusdt@markPrice@1s', '{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":12.5,"i":"1"}'), 1);
    expect(r.events).toEqual([]);
    expect(r.error).toMatchObject({ code: 'E_DECODE', venue: 'binance-futures', stream: 'btcusdt@markPrice@1s' });
  });
});
