import { describe, expect, it } from 'vitest';
import { BusDedup } from '../../../src/cluster/bus-dedup.js';
import { TradeFloors, tradeKindOfSource } from '../../../src/cluster/trade-floor.js';
import type { BookTicker, Trade, TradeGap } from '../../../src/model/events.js';

const trade = (id: number, symbol = 'BTCUSDT', source = 'trade'): Trade => ({
  type: 'trade', venue: 'binance', symbol, eventTime: 1_000 + id, receiveTime: 1_000 + id, tradeId: String(id), seq: id, price: '1', size: '1', side: 'buy', source,
});
const ticker: BookTicker = { type: 'book_ticker', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 1, bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1', updateId: 5 };

describe('TradeFloors (collector: what goes to the bus)', () => {
  it('a declared hole the stream already covers is dropped, one reaching past the floor is narrowed to after it', () => {
    const gap = (fromId: number, toId: number | null, source = 'trade'): TradeGap => ({ type: 'trade_gap', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 1, source, fromId, toId, reason: 'history_window_exceeded', detail: '' });
    const f = new TradeFloors();
    expect(f.admitGap(gap(5, 9))).toEqual(gap(5, 9)); // no floor known: published as declared
    f.raiseStreamFloor('binance', 'BTCUSDT', 'trade', 100);
    expect(f.admitGap(gap(5, 100))).toBeNull();
    expect(f.admitGap(gap(50, 120))).toEqual(gap(101, 120));
    expect(f.admitGap(gap(50, null))).toEqual(gap(101, null));
    expect(f.admitGap(gap(101, 130))).toEqual(gap(101, 130));
    expect(f.admitGap(gap(5, 9, 'aggTrade'))).toEqual(gap(5, 9, 'aggTrade')); // another id space
    expect(f.stats.gapsInStream).toBe(3);
  });

  it('a trade at or below the own high-water mark is not re-published; others pass in order', () => {
    const f = new TradeFloors();
    const out = [1, 2, 3, 2, 3, 4, 1, 5].filter((id) => f.admit(trade(id)));
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(f.stats).toEqual({ skippedOwn: 3, skippedInStream: 0, gapsInStream: 0 });
  });

  it('a stream floor (a peer stored through 10) skips the backfill up to it, per symbol and kind', () => {
    const f = new TradeFloors();
    f.raiseStreamFloor('binance', 'BTCUSDT', 'trade', 10);
    f.raiseStreamFloor('binance', 'BTCUSDT', 'trade', 7); // only raises
    const ids = [8, 9, 10, 11, 12].filter((id) => f.admit(trade(id)));
    expect(ids).toEqual([11, 12]);
    expect(f.admit(trade(3, 'ETHUSDT'))).toBe(true); // another symbol
    expect(f.admit(trade(3, 'BTCUSDT', 'aggTrade'))).toBe(true); // another id space
    expect(f.admit(ticker)).toBe(true);
    expect(f.stats.skippedInStream).toBe(3);
    expect(f.highWater('binance', 'BTCUSDT', 'trade')).toBe(12);
    expect([tradeKindOfSource('aggTrade'), tradeKindOfSource('trade'), tradeKindOfSource('publicTrade')]).toEqual(['agg_trade', 'trade', 'trade']);
  });
});

describe('BusDedup (processor: each trade once)', () => {
  it('drops doubles and what storage holds, keeps a late trade once', () => {
    const d = new BusDedup(100);
    d.setFloor('binance', 'BTCUSDT', 'trade', 5);
    const got = [4, 5, 6, 7, 7, 9, 8, 8, 10].filter((id) => d.admit(trade(id)));
    expect(got).toEqual([6, 7, 9, 8, 10]);
    expect(d.stats).toEqual({ belowFloor: 2, doubles: 2 });
    expect(d.admit(ticker) && d.admit(ticker)).toBe(true);
  });
});
