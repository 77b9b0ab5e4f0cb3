import { describe, expect, it } from 'vitest';
import { parseStream, upstreamStreamOf } from '../../../src/compat/binance/streams.js';

describe('Binance stream names', () => {
  it('parses every served form with its symbol, speed, levels and interval', () => {
    expect(parseStream('btcusdt@trade')).toMatchObject({ symbol: 'BTCUSDT', kind: 'trade' });
    expect(parseStream('btcusdt@aggTrade')).toMatchObject({ kind: 'aggTrade' });
    expect(parseStream('btcusdt@bookTicker')).toMatchObject({ kind: 'bookTicker' });
    expect(parseStream('btcusdt@depth')).toMatchObject({ kind: 'depth', speedMs: 1000 });
    expect(parseStream('btcusdt@depth@100ms')).toMatchObject({ kind: 'depth', speedMs: 100 });
    expect(parseStream('btcusdt@depth5')).toMatchObject({ kind: 'partialDepth', levels: 5, speedMs: 1000 });
    expect(parseStream('btcusdt@depth20@100ms')).toMatchObject({ kind: 'partialDepth', levels: 20, speedMs: 100 });
    expect(parseStream('btcusdt@kline_1m')).toMatchObject({ kind: 'kline', interval: '1m' });
    expect(parseStream('btcusdt@kline_1w')).toMatchObject({ kind: 'kline', interval: '1w' });
    expect(parseStream('btcusdt@miniTicker')).toMatchObject({ symbol: 'BTCUSDT', kind: 'miniTicker' });
    expect(parseStream('btcusdt@ticker')).toMatchObject({ symbol: 'BTCUSDT', kind: 'ticker' });
    expect(parseStream('!miniTicker@arr')).toMatchObject({ symbol: '*', kind: 'miniTickerArr' });
    expect(parseStream('!ticker@arr')).toMatchObject({ symbol: '*', kind: 'tickerArr' });
  });

  it('tickers fold the trade stream; the !…@arr forms need no upstream stream of their own', () => {
    expect(upstreamStreamOf(parseStream('ethusdt@ticker')!)).toBe('ethusdt@trade');
    expect(upstreamStreamOf(parseStream('ethusdt@miniTicker')!, 'aggTrade')).toBe('ethusdt@aggTrade');
    expect(upstreamStreamOf(parseStream('!ticker@arr')!)).toBeNull();
    expect(upstreamStreamOf(parseStream('!miniTicker@arr')!)).toBeNull();
    for (const n of ['!ticker@arr@100ms', '!bookTicker', '!ticker_1h@arr', 'btcusdt@ticker_1h', 'BTCUSDT@ticker']) expect(parseStream(n), n).toBeNull();
  });

  it('refuses what Binance does not serve: upper-case symbols, unknown kinds, bad depth levels and intervals', () => {
    for (const n of ['BTCUSDT@trade', 'btcusdt@trades', 'btcusdt@depth15', 'btcusdt@depth@250ms', 'btcusdt@kline_2m', '@trade', 'btcusdt', 'btc usdt@trade']) {
      expect(parseStream(n), n).toBeNull();
    }
  });

  it('maps every depth form to the one maintained diff stream, klines to the trade stream', () => {
    expect(upstreamStreamOf(parseStream('ethusdt@depth10')!)).toBe('ethusdt@depth@100ms');
    expect(upstreamStreamOf(parseStream('ethusdt@depth')!)).toBe('ethusdt@depth@100ms');
    expect(upstreamStreamOf(parseStream('ethusdt@kline_5m')!)).toBe('ethusdt@trade');
    expect(upstreamStreamOf(parseStream('ethusdt@kline_5m')!, 'aggTrade')).toBe('ethusdt@aggTrade');
    expect(upstreamStreamOf(parseStream('ethusdt@bookTicker')!)).toBe('ethusdt@bookTicker');
  });
});
