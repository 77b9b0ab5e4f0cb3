/**
 * Output objects built with every property written out (same key order as the spread they
 * replace): an object literal of known shape is much cheaper than rest/spread copies, which
 * showed in the fold's profile once per emitted second.
 */
import type { Candle, Enrichment, Snapshot1s } from '../model/aggregates.js';
import type { OhlcvFields } from './ohlcv-acc.js';

export function snapshotOf(f: OhlcvFields, startTime: number, empty: boolean, enrichment: Enrichment | null): Snapshot1s {
  return {
    kind: 'snapshot', startTime, empty, enrichment,
    venue: f.venue, symbol: f.symbol, open: f.open, high: f.high, low: f.low, close: f.close,
    volume: f.volume, notional: f.notional, vwap: f.vwap, tradeCount: f.tradeCount,
    buyVolume: f.buyVolume, sellVolume: f.sellVolume, firstTradeId: f.firstTradeId, lastTradeId: f.lastTradeId,
    revision: f.revision,
  };
}

export function candleOf(f: OhlcvFields, interval: string, candleType: Candle['candleType'], startTime: number, endTime: number): Candle {
  return {
    kind: 'candle', interval, candleType, startTime, endTime,
    venue: f.venue, symbol: f.symbol, open: f.open, high: f.high, low: f.low, close: f.close,
    volume: f.volume, notional: f.notional, vwap: f.vwap, tradeCount: f.tradeCount,
    buyVolume: f.buyVolume, sellVolume: f.sellVolume, firstTradeId: f.firstTradeId, lastTradeId: f.lastTradeId,
    revision: f.revision,
  };
}
