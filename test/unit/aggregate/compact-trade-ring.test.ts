/**
 * CompactTradeRing keeps trades as columns: every read must give back a Trade equal (deep) to the
 * one pushed, in push order, with the oldest overwritten exactly like the object RingBuffer
 * (the ground truth here: a plain array of the pushed objects, sliced).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompactTradeRing } from '../../../src/aggregate/compact-trade-ring.js';
import { newParsedTrade, parseTrade } from '../../../src/aggregate/ohlcv-acc.js';
import type { Trade } from '../../../src/model/events.js';

function trade(i: number, over: Partial<Trade> = {}): Trade {
  return {
    type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_700_000_000_000 + i * 7, receiveTime: 1_700_000_000_003 + i * 7,
    tradeId: String(1000 + i), seq: 1000 + i, price: `${50_000 + (i % 5)}.12345678`, size: `0.${String(i).padStart(8, '0')}`,
    side: i % 3 === 0 ? 'buy' : i % 3 === 1 ? 'sell' : 'unknown', source: i % 2 === 0 ? 'trade' : 'backfill', ...over,
  };
}

describe('CompactTradeRing', () => {
  it('gives back every pushed trade, deep-equal, oldest first, across several wrap-arounds', () => {
    const ring = new CompactTradeRing('binance', 'BTCUSDT', 7);
    const pushed: Trade[] = [];
    for (let i = 0; i < 40; i++) {
      const t = trade(i);
      ring.push(t);
      pushed.push(t);
      const want = pushed.slice(-7);
      expect(ring.size).toBe(want.length);
      expect(ring.toArray()).toEqual(want);
      expect(ring.last()).toEqual(want[want.length - 1]);
      for (let k = 0; k < want.length; k++) {
        expect(ring.seqAt(k)).toBe(want[k]!.seq);
        expect(ring.eventTimeAt(k)).toBe(want[k]!.eventTime);
      }
    }
    expect(ring.at(-1)).toBeUndefined();
    expect(ring.at(7)).toBeUndefined();
    expect(ring.seqAt(7)).toBeNull();
    expect(ring.eventTimeAt(7)).toBeNaN();
  });

  it('keeps what the columns do not cover: null seq with a UUID id, an unknown source, an execType, an id unlike its seq', () => {
    const ring = new CompactTradeRing('bybit', 'ETHUSDT', 4);
    const odd: Trade[] = [
      { ...trade(1), venue: 'bybit', symbol: 'ETHUSDT', seq: null, tradeId: '6f1c2a7e-3b1d-4c5e-9f00-0123456789ab', source: 'publicTrade' },
      { ...trade(2), venue: 'bybit', symbol: 'ETHUSDT', source: 'somethingElse' },
      { ...trade(3), venue: 'bybit', symbol: 'ETHUSDT', execType: 'INSURANCE_FUND' },
      { ...trade(4), venue: 'bybit', symbol: 'ETHUSDT', tradeId: 'x-1004' },
    ];
    for (const t of odd) ring.push(t);
    expect(ring.toArray()).toEqual(odd);
    expect(ring.seqAt(0)).toBeNull();
  });

  it('an id whose digits differ from String(seq) in form (leading zero, sign, beyond 2^53) is kept as it was', () => {
    const ring = new CompactTradeRing('binance', 'BTCUSDT', 8);
    const big = 9007199254740992;
    const odd: Trade[] = [
      trade(1, { tradeId: '01001' }), trade(2, { tradeId: '+1002' }), trade(3, { tradeId: '1003.0' }), trade(4, { tradeId: '' }),
      trade(5, { tradeId: '9007199254740993', seq: big }), trade(6, { tradeId: '0', seq: 0 }), trade(7, { tradeId: '9007199254740991', seq: 9007199254740991 }),
    ];
    for (const t of odd) ring.push(t);
    expect(ring.toArray()).toEqual(odd);
    expect(ring.seqAt(0)).toBe(1001);
  });

  it('a run of equal prices and sizes reads back equal (shared strings), and a changed one is its own', () => {
    const ring = new CompactTradeRing('binance', 'BTCUSDT', 3);
    const same = [trade(0, { price: '50000.10000000', size: '1.00000000' }), trade(1, { price: '50000.10000000', size: '1.00000000' }), trade(2, { price: '50000.20000000', size: '1.00000000' })];
    for (const t of same) ring.push(t);
    expect(ring.toArray().map((t) => [t.price, t.size])).toEqual(same.map((t) => [t.price, t.size]));
    ring.push(trade(3, { price: '49999.90000000', size: '2.50000000' }));
    expect(ring.toArray().map((t) => [t.seq, t.price, t.size])).toEqual([[1001, '50000.10000000', '1.00000000'], [1002, '50000.20000000', '1.00000000'], [1003, '49999.90000000', '2.50000000']]);
  });

  it('pushParsed keeps prices and sizes as numbers and gives back the exact texts (trailing zeros, zero, long, signed, leading zeros)', () => {
    const texts = fc.oneof(
      fc.constantFrom('0', '0.0', '0.00000000', '5', '5.0', '100', '100.00', '0.5', '61234.01000000', '00.5', '007', '-1.50', '-0', '-0.000',
        '123456789012345678.5', '0.0000000000000001234', '1.2300000000000000000000', '9007199254740993', '99999999999999.99'),
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 17n }), fc.nat({ max: 20 }), fc.nat({ max: 6 }), fc.boolean()).map(([v, scale, pad, neg]) => {
        const d = v.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? d : `${d.slice(0, d.length - scale)}.${d.slice(d.length - scale)}`;
        return `${neg ? '-' : ''}${text}${pad > 0 ? (scale === 0 ? '.' : '') + '0'.repeat(pad) : ''}`;
      }),
    );
    fc.assert(fc.property(fc.array(fc.tuple(texts, texts), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 9 }), (pairs, cap) => {
      const ring = new CompactTradeRing('binance', 'BTCUSDT', cap);
      const scales = { priceScale: 0, sizeScale: 0 };
      const scratch = newParsedTrade(trade(0));
      const pushed: Trade[] = [];
      pairs.forEach(([price, size], i) => {
        const t = trade(i, { price, size });
        ring.pushParsed(t, parseTrade(t, scales, scratch));
        pushed.push(t);
      });
      expect(ring.toArray()).toEqual(pushed.slice(-cap));
    }), { numRuns: 300 });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new CompactTradeRing('v', 's', 0)).toThrow(RangeError);
    expect(() => new CompactTradeRing('v', 's', 1.5)).toThrow(RangeError);
  });
});
