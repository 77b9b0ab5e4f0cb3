/** Builders of realistic sink records for tests and benches (exact decimal strings, unique keys). */
import type { Candle, Snapshot1s } from '../../../../src/model/aggregates.js';
import type { Trade, TradeGap } from '../../../../src/model/events.js';

const T0 = 1_700_000_000_000;

export function snapshot(i: number, over: Partial<Snapshot1s> = {}): Snapshot1s {
  return {
    kind: 'snapshot', venue: 'binance', symbol: 'BTCUSDT', startTime: T0 + i * 1000,
    open: '61234.01000000', high: '61240.50000000', low: '61230.00000000', close: `6123${i % 10}.10000000`,
    volume: '0.01234000', notional: '755.71346700', vwap: 61240.1, tradeCount: 3 + (i % 5),
    buyVolume: '0.01000000', sellVolume: '0.00234000', firstTradeId: String(1000 + i * 10), lastTradeId: String(1009 + i * 10),
    revision: 0, empty: false,
    enrichment: { time: T0 + i * 1000 + 999, windowMs: 1000, buyVolume: '0.01', sellVolume: '0.00234', imbalance: 0.62, intensity: 3 },
    ...over,
  };
}

export function timeCandle(i: number, over: Partial<Candle> = {}): Candle {
  return {
    kind: 'candle', candleType: 'time', interval: '1m', venue: 'binance', symbol: 'ETHUSDT',
    startTime: T0 + i * 60_000, endTime: T0 + (i + 1) * 60_000,
    open: '3000.10', high: '3010.00', low: '2999.99', close: '3005.55', volume: '12.345', notional: '37087.1234567890123456',
    vwap: 3004.2, tradeCount: 40, buyVolume: '6.000', sellVolume: '6.345', firstTradeId: String(5000 + i * 40), lastTradeId: String(5039 + i * 40),
    revision: 0, ...over,
  };
}

export function tickCandle(i: number, over: Partial<Candle> = {}): Candle {
  return {
    kind: 'candle', candleType: 'tick', interval: 't100', venue: 'bybit', symbol: 'SOLUSDT',
    // Same start time for neighbours: tick candles are keyed by first trade id, not time.
    startTime: T0 + Math.floor(i / 2) * 10, endTime: T0 + Math.floor(i / 2) * 10 + 5,
    open: '150.1', high: '150.9', low: '149.8', close: '150.2', volume: '100.5', notional: '15085.10',
    vwap: 150.1, tradeCount: 100, buyVolume: '50', sellVolume: '50.5', firstTradeId: `uuid-${i}-a`, lastTradeId: `uuid-${i}-z`,
    revision: 0, ...over,
  };
}

export function trade(i: number, over: Partial<Trade> = {}): Trade {
  return {
    type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: T0 + i, receiveTime: T0 + i + 3,
    tradeId: String(9_000_000 + i), seq: 9_000_000 + i, price: '61234.01000000', size: '0.00100000', side: i % 2 ? 'buy' : 'sell', source: 'trade',
    ...over,
  };
}

/** A mixed batch of distinct aggregates: snapshots, time candles and tick candles. */
export function mixed(from: number, count: number): (Snapshot1s | Candle)[] {
  const out: (Snapshot1s | Candle)[] = [];
  for (let i = from; i < from + count; i++) out.push(i % 3 === 0 ? snapshot(i) : i % 3 === 1 ? timeCandle(i) : tickCandle(i));
  return out;
}

/** A declared trade gap (ids fromId..toId never delivered); toId null = open-ended. */
export function gap(i: number, over: Partial<TradeGap> = {}): TradeGap {
  return {
    type: 'trade_gap', venue: 'binance', symbol: 'BTCUSDT', source: 'trade', eventTime: T0 + i * 1000, receiveTime: T0 + i * 1000 + 7,
    fromId: 8_000_000 + i * 1000, toId: i % 2 ? null : 8_000_000 + i * 1000 + 499, reason: 'max_resume_exceeded',
    detail: `missed ${i} trades beyond maxResumeTrades "quoted"`, ...over,
  };
}
