/**
 * Config -> feed definitions for every venue: USD-M with its own URLs, limits, stream names
 * (markPrice, per-symbol forceOrder, one market-wide !forceOrder@arr, klines of any interval) and
 * pu book rules; Binance spot klines of any interval; Bybit linear klines and allLiquidation; a
 * clear error for streams a venue does not have.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { feedsFromConfig } from '../../../src/gateway/feeds-from-config.js';
import { silentLogger } from '../../../src/observability/logger.js';

const parse = (venues: Record<string, unknown>) => configSchema.parse({ venues });

describe('feedsFromConfig: every venue', () => {
  it('builds a binance-futures feed with its own URL, limits, streams and pu rules', () => {
    const cfg = parse({
      binanceFutures: {
        enabled: true, wsBaseUrl: 'ws://127.0.0.1:1/binance-futures', restBaseUrl: 'http://127.0.0.1:1/binance-futures', symbols: ['btcusdt', 'ETHUSDT'],
        streams: ['trade', 'aggTrade', 'bookTicker', 'depth', 'markPrice', 'forceOrder', 'forceOrderAll', 'kline_15m'],
        maxStreamsPerConnection: 50, maxMessagesPerSecond: 7, connectionLifetimeMs: 3_600_000,
      },
    });
    const [f] = feedsFromConfig(cfg, silentLogger());
    expect(f!.venue).toBe('binance-futures');
    expect(f!.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(f!.streams).toEqual([
      'btcusdt@trade', 'btcusdt@aggTrade', 'btcusdt@bookTicker', 'btcusdt@depth@100ms', 'btcusdt@markPrice@1s', 'btcusdt@forceOrder', 'btcusdt@kline_15m',
      'ethusdt@trade', 'ethusdt@aggTrade', 'ethusdt@bookTicker', 'ethusdt@depth@100ms', 'ethusdt@markPrice@1s', 'ethusdt@forceOrder', 'ethusdt@kline_15m',
      '!forceOrder@arr',
    ]);
    expect(f!.protocol.name).toBe('binance-futures');
    expect(f!.protocol.url([])).toBe('ws://127.0.0.1:1/binance-futures/stream');
    expect(f!.protocol.limits).toEqual({ maxStreamsPerConnection: 50, maxMessagesPerSecond: 7, connectionLifetimeMs: 3_600_000 });
    expect(f!.integrity.bookRules).toBe('binance-futures');
    expect(typeof f!.integrity.fetchTrades).toBe('function');
    expect(f!.decoder().decode('{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":false}', 1).events[0]).toMatchObject({ venue: 'binance-futures' });
  });

  it('defaults USD-M to fstream/fapi hosts, its limits and MARKET-only candles', () => {
    const cfg = parse({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'] } });
    expect(cfg.venues.binanceFutures).toMatchObject({
      wsBaseUrl: 'wss://fstream.binance.com', restBaseUrl: 'https://fapi.binance.com', streams: ['aggTrade', 'bookTicker', 'depth'],
      restWeightPerMinute: 2400, maxStreamsPerConnection: 200, maxMessagesPerSecond: 10, connectionLifetimeMs: 86_400_000, candleTradeKinds: ['MARKET'],
    });
    expect(feedsFromConfig(cfg, silentLogger())[0]!.protocol.url([])).toBe('wss://fstream.binance.com/stream');
  });

  it('spot takes klines of any interval; forceOrder stays USD-M only', () => {
    const cfg = parse({ binance: { enabled: true, symbols: ['BTCUSDT'], streams: ['trade', 'kline_1s', 'kline_1h', 'forceOrder'] } });
    expect(feedsFromConfig(cfg, silentLogger())[0]!.streams).toEqual(['btcusdt@trade', 'btcusdt@kline_1s', 'btcusdt@kline_1h']);
  });

  it('bybit linear: kline.<interval>, tickers and allLiquidation topics on the linear path', () => {
    const cfg = parse({ bybit: { enabled: true, categoryPath: '/v5/public/linear', symbols: ['BTCUSDT'], streams: ['publicTrade', 'tickers', 'kline.1', 'kline.D', 'allLiquidation'] } });
    const [f] = feedsFromConfig(cfg, silentLogger());
    expect(f!.streams).toEqual(['publicTrade.BTCUSDT', 'tickers.BTCUSDT', 'kline.1.BTCUSDT', 'kline.D.BTCUSDT', 'allLiquidation.BTCUSDT']);
    expect(f!.protocol.url([])).toBe('wss://stream.bybit.com/v5/public/linear');
  });

  it('rejects streams and intervals a venue does not have, naming the key', () => {
    expect(() => parse({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'], streams: ['kline_1s'] } })).toThrow(/1s/);
    expect(() => parse({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'], streams: ['kline_7m'] } })).toThrow(/kline_<interval>/);
    expect(() => parse({ bybit: { enabled: true, symbols: ['BTCUSDT'], streams: ['kline.2'] } })).toThrow(/kline.<interval>/);
    expect(() => parse({ binanceFutures: { enabled: true, symbols: [] } })).toThrow(/binanceFutures is enabled but has no symbols/);
    expect(() => parse({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'], candleTradeKinds: ['LIMIT'] } })).toThrow();
  });
});
