import { describe, expect, it } from 'vitest';
import { channelNamer } from '../../../src/gateway/channel-names.js';

describe('channelNamer', () => {
  it('gives <kind>.<venue>.<symbol>, the same string on repeat', () => {
    const name = channelNamer('trades');
    expect(name('binance', 'BTCUSDT')).toBe('trades.binance.BTCUSDT');
    expect(name('bybit', 'BTCUSDT')).toBe('trades.bybit.BTCUSDT');
    expect(name('binance', 'ETHUSDT')).toBe('trades.binance.ETHUSDT');
    expect(name('binance', 'BTCUSDT')).toBe('trades.binance.BTCUSDT');
  });

  it('is bounded: past maxNames names are still right, just not kept', () => {
    const name = channelNamer('book', 2);
    const got = ['A', 'B', 'C', 'D', 'A', 'C'].map((s) => name('v', s));
    expect(got).toEqual(['book.v.A', 'book.v.B', 'book.v.C', 'book.v.D', 'book.v.A', 'book.v.C']);
  });
});
