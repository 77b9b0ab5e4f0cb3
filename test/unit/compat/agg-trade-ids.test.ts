/**
 * The compat endpoint's aggTrade f/l and E come from the venue's frame: decoded (both decoder
 * paths) into Trade.firstTradeId/lastTradeId/frameTime, kept by the CompactTradeRing that serves
 * REST pages from memory, and written into the downstream frame and REST row. Ground truth: the
 * venue frame's own numbers.
 */
import { describe, expect, it } from 'vitest';
import { CompactTradeRing } from '../../../src/aggregate/compact-trade-ring.js';
import { SPOT_DIALECT } from '../../../src/compat/binance/frames.js';
import { USDM_DIALECT } from '../../../src/compat/binance/usdm-frames.js';
import type { Trade } from '../../../src/model/events.js';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';

const AGG = (a: number, f: number, l: number, E: number, T: number): string =>
  `{"e":"aggTrade","E":${E},"s":"BTCUSDT","a":${a},"p":"61000.10","q":"0.5","f":${f},"l":${l},"T":${T},"m":true,"M":true}`;

function decoded(frame: string, fastPath: boolean): Trade {
  const ev = new BinanceDecoder({ fastPath }).decode(frame, 1_900_000_000_000).events[0];
  if (ev?.type !== 'trade') throw new Error(`not a trade: ${frame}`);
  return ev;
}

describe('aggTrade f/l and E from the venue to the downstream frame', () => {
  it('the spot frame downstream is the venue\'s frame, byte for byte, on both decoder paths; the USD-M one has its numbers', () => {
    const frame = AGG(5_933_014, 100_000_000_001, 100_000_000_007, 1_723_161_255_343, 1_723_161_255_340);
    for (const fastPath of [true, false]) {
      const t = decoded(frame, fastPath);
      expect(SPOT_DIALECT.aggTrade(t)).toBe(frame);
      expect(JSON.parse(USDM_DIALECT.aggTrade(t))).toMatchObject({ E: 1_723_161_255_343, a: 5_933_014, f: 100_000_000_001, l: 100_000_000_007, T: 1_723_161_255_340 });
      expect(JSON.parse(SPOT_DIALECT.restAggTrade(t))).toMatchObject({ a: 5_933_014, f: 100_000_000_001, l: 100_000_000_007 });
    }
  });

  it('the ring serving REST aggTrades gives back f/l and frameTime as pushed (keys in the decoder\'s order), across wrap-arounds', () => {
    const ring = new CompactTradeRing('binance', 'BTCUSDT', 5);
    const pushed: Trade[] = [];
    for (let i = 0; i < 23; i++) {
      // Every third a plain trade (no f/l, no E) between aggregates: the columns must not leak into it.
      const t = i % 3 === 2
        ? decoded(`{"e":"trade","s":"BTCUSDT","t":${700 + i},"p":"1","q":"2","T":${1_000 + i},"m":false,"M":true}`, false)
        : decoded(AGG(900 + i, 5_000 + i * 4, 5_000 + i * 4 + (i % 4), 2_000 + i * 3, 1_990 + i * 3), i % 2 === 0);
      ring.push(t);
      pushed.push(t);
      expect(JSON.stringify(ring.toArray())).toBe(JSON.stringify(pushed.slice(-5)));
    }
    const last = ring.last()!;
    expect(SPOT_DIALECT.restAggTrade(last)).toBe(SPOT_DIALECT.restAggTrade(pushed.at(-1)!));
  });

  it('values the columns cannot hold (one of f/l, l < f, a span beyond 32 bits, a frame time far from T) are kept as they were', () => {
    const base: Trade = {
      type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_700_000_000_000, receiveTime: 1_700_000_000_005,
      tradeId: '1', seq: 1, price: '1', size: '1', side: 'buy', source: 'aggTrade',
    };
    const odd: Trade[] = [
      { ...base, tradeId: '1', seq: 1, firstTradeId: 10 },
      { ...base, tradeId: '2', seq: 2, lastTradeId: 11 },
      { ...base, tradeId: '3', seq: 3, firstTradeId: 20, lastTradeId: 19 },
      { ...base, tradeId: '4', seq: 4, firstTradeId: 0, lastTradeId: 2 ** 40 },
      { ...base, tradeId: '5', seq: 5, frameTime: 1_700_000_000_000 + 2 ** 33 },
      { ...base, tradeId: '6', seq: 6, frameTime: 0 },
      { ...base, tradeId: '7', seq: 7, frameTime: 1_700_000_000_000.5 },
      { ...base, tradeId: '8', seq: 8, frameTime: 1_700_000_000_003, firstTradeId: Number.MAX_SAFE_INTEGER - 1, lastTradeId: Number.MAX_SAFE_INTEGER },
    ];
    const ring = new CompactTradeRing('binance', 'BTCUSDT', odd.length);
    for (const t of odd) ring.push(t);
    expect(ring.toArray()).toStrictEqual(odd);
  });
});
