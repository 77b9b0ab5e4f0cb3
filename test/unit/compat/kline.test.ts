import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KlineState } from '../../../src/compat/binance/kline.js';
import type { Trade } from '../../../src/model/events.js';

const trade = (seq: number, price: string, size: string, t: number, side: 'buy' | 'sell'): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: t, receiveTime: t, tradeId: String(seq), seq, price, size, side, source: 'trade',
});

/** Naive reference in float-free cents/satoshis: prices with 2 decimals, sizes with 5. */
function reference(trades: readonly Trade[]): { o: string; h: string; l: string; c: string; v: string; q: string; V: string; n: number } {
  const p = (s: string): bigint => BigInt(s.replace('.', ''));
  const fmt = (v: bigint, scale: number): string => {
    const s = v.toString().padStart(scale + 1, '0');
    return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale).padEnd(8, '0').slice(0, 8)}`;
  };
  let h = p(trades[0]!.price);
  let l = h;
  let v = 0n;
  let q = 0n;
  let tv = 0n;
  for (const t of trades) {
    const x = p(t.price);
    if (x > h) h = x;
    if (x < l) l = x;
    v += p(t.size);
    q += x * p(t.size);
    if (t.side === 'buy') tv += p(t.size);
  }
  return { o: fmt(p(trades[0]!.price), 2), h: fmt(h, 2), l: fmt(l, 2), c: fmt(p(trades.at(-1)!.price), 2), v: fmt(v, 5), q: fmt(q, 7), V: fmt(tv, 5), n: trades.length };
}

describe('KlineState', () => {
  it('folds trades exactly (OHLC, volume, quote and taker-buy volume) against a naive reference', () => {
    const arb = fc.array(fc.record({ cents: fc.integer({ min: 1, max: 10_000_000 }), sats: fc.integer({ min: 1, max: 99_999_999 }), buy: fc.boolean() }), { minLength: 1, maxLength: 50 });
    fc.assert(fc.property(arb, (rows) => {
      const trades = rows.map((r, i) => trade(i + 1, `${Math.floor(r.cents / 100)}.${String(r.cents % 100).padStart(2, '0')}`, `${Math.floor(r.sats / 100_000)}.${String(r.sats % 100_000).padStart(5, '0')}`, 60_000 + i, r.buy ? 'buy' : 'sell'));
      const k = new KlineState('BTCUSDT', '1m', 60_000);
      for (const t of trades) expect(k.add(t, 60_100)).toBeNull();
      const f = JSON.parse(k.frame(60_100, false)) as { k: Record<string, unknown> };
      const r = reference(trades);
      expect(f.k).toMatchObject({ t: 60_000, T: 119_999, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v, q: r.q, V: r.V, n: r.n, f: 1, L: trades.length, x: false, i: '1m' });
    }), { numRuns: 200 });
  });

  it('closes a quiet interval on the clock and opens the next at the last close with n=0', () => {
    const k = new KlineState('BTCUSDT', '1m', 60_000);
    k.add(trade(1, '100.50', '1.00000', 60_500, 'buy'), 60_500);
    expect(k.tick(119_999)).toBeNull();
    const closed = JSON.parse(k.tick(120_001)!) as { k: Record<string, unknown> };
    expect(closed.k).toMatchObject({ t: 60_000, x: true, n: 1, c: '100.50000000' });
    const next = JSON.parse(k.frame(120_002, false)) as { k: Record<string, unknown> };
    expect(next.k).toMatchObject({ t: 120_000, n: 0, o: '100.50000000', c: '100.50000000', v: '0.00000000', f: -1, L: -1 });
    // A trade two intervals later closes the running one first.
    const c2 = JSON.parse(k.add(trade(2, '101.00', '2.00000', 185_000, 'sell'), 185_000)!) as { k: Record<string, unknown> };
    expect(c2.k).toMatchObject({ t: 120_000, x: true, n: 0 });
  });
});
