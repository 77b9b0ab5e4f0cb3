import { describe, expect, it } from 'vitest';
import { MarketState } from '../../../src/compat/binance/market-state.js';
import { BinanceRestRoutes } from '../../../src/compat/binance/rest.js';
import type { RestForwarder } from '../../../src/compat/binance/rest-forward.js';
import { TickerState } from '../../../src/compat/binance/ticker-state.js';
import type { Trade } from '../../../src/model/events.js';

const H = 3_600_000;
const t0 = 1_700_000_040_000; // a minute boundary
const trade = (seq: number, price: string, size: string, t: number): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: t, receiveTime: t, tradeId: String(seq), seq, price, size, side: 'buy', source: 'trade',
});

describe('REST /api/v3/ticker/24hr from the rolling window', () => {
  const setup = (now: number) => {
    const tickers = new TickerState();
    const w = tickers.of('BTCUSDT');
    for (const t of [trade(1, '10.00', '1.00000', t0), trade(2, '12.00', '2.00000', t0 + 2 * H), trade(3, '9.00', '1.00000', t0 + 20 * H), trade(4, '11.00', '0.50000', t0 + 25 * H)]) w.add(t);
    const forwarded: string[] = [];
    const fwd = { get: async (path: string) => { forwarded.push(path); return { status: 200, body: '"forwarded"' }; } } as unknown as RestForwarder;
    const rest = new BinanceRestRoutes(new MarketState({ venue: 'binance', tradesPerSymbol: 10, maxSymbols: 4 }), fwd, () => now, tickers);
    return { rest, forwarded };
  };

  it('is served from state once the window is whole: trades 2..4 (trade 1 is before the window and gives prevClosePrice)', async () => {
    const now = t0 + 25 * H + 1000;
    const { rest, forwarded } = setup(now);
    const a = await rest.answer('GET', '/api/v3/ticker/24hr', new URLSearchParams('symbol=BTCUSDT'));
    expect(forwarded).toEqual([]);
    expect(JSON.parse(a.body)).toEqual({
      symbol: 'BTCUSDT', priceChange: '-1.00000000', priceChangePercent: '-8.333', weightedAvgPrice: '11.00000000', prevClosePrice: '10.00000000',
      lastPrice: '11.00000000', lastQty: '0.50000000', bidPrice: '0.00000000', bidQty: '0.00000000', askPrice: '0.00000000', askQty: '0.00000000',
      openPrice: '12.00000000', highPrice: '12.00000000', lowPrice: '9.00000000', volume: '3.50000000', quoteVolume: '38.50000000',
      openTime: t0 + H, closeTime: now, firstId: 2, lastId: 4, count: 3,
    });
    expect(Object.keys(JSON.parse(a.body))[0]).toBe('symbol');
  });

  it('is forwarded while the window is not whole, for all symbols, and for the MINI form', async () => {
    const { rest, forwarded } = setup(t0 + 23 * H);
    await rest.answer('GET', '/api/v3/ticker/24hr', new URLSearchParams('symbol=BTCUSDT'));
    const whole = setup(t0 + 25 * H + 1000);
    await whole.rest.answer('GET', '/api/v3/ticker/24hr', new URLSearchParams(''));
    await whole.rest.answer('GET', '/api/v3/ticker/24hr', new URLSearchParams('symbol=BTCUSDT&type=MINI'));
    await whole.rest.answer('GET', '/api/v3/ticker/24hr', new URLSearchParams('symbol=ETHUSDT'));
    expect(forwarded.length).toBe(1);
    expect(whole.forwarded.length).toBe(3);
  });
});
