import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SymbolMarket, cryptoSpec, formatUnits, formatUnitsTrimmed, Prng } from '../../../simulator/index.js';

const mk = (seed: number): SymbolMarket => new SymbolMarket(cryptoSpec('BTCUSDT'), { seed, venue: 'binance', levelsPerSide: 20, aggHistory: 1000, firstTradeId: 100, firstUpdateId: 1000 });

describe('SymbolMarket', () => {
  it('never crosses the book, keeps ids contiguous and each aggTrade a run of its trades', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
      const m = mk(seed);
      let nextTrade = 100;
      let nextAgg: number | null = null;
      for (let i = 0; i < 400; i++) {
        const r = m.step(1_000 + i);
        const bid = m.bestBid();
        const ask = m.bestAsk();
        if (bid && ask && bid[0] >= ask[0]) return false;
        for (const t of r.trades) if (t.id !== nextTrade++) return false;
        if (r.agg) {
          if (nextAgg !== null && r.agg.a !== nextAgg) return false;
          nextAgg = r.agg.a + 1;
          if (r.agg.firstId !== r.trades[0]?.id || r.agg.lastId !== r.trades[r.trades.length - 1]?.id) return false;
          if (r.agg.qty !== r.trades.reduce((s, t) => s + t.qty, 0)) return false;
          if (r.trades.some((t) => t.price !== r.agg?.price)) return false;
        }
      }
      return true;
    }), { numRuns: 30 });
  });

  it('pending depth changes applied to an earlier book give the current book', () => {
    const m = mk(3);
    for (let i = 0; i < 50; i++) m.step(i);
    m.takePending();
    const before = m.book();
    for (let i = 0; i < 80; i++) m.step(100 + i);
    const d = m.takePending();
    expect(d?.firstId).toBe(before.lastUpdateId + 1);
    const bids = new Map(before.bids.map(([p, q]) => [p, q]));
    const asks = new Map(before.asks.map(([p, q]) => [p, q]));
    for (const [p, q] of d?.bids ?? []) (q === 0 ? bids.delete(p) : bids.set(p, q));
    for (const [p, q] of d?.asks ?? []) (q === 0 ? asks.delete(p) : asks.set(p, q));
    const now = m.book();
    expect([...bids.entries()].sort((a, b) => b[0] - a[0])).toEqual(now.bids);
    expect([...asks.entries()].sort((a, b) => a[0] - b[0])).toEqual(now.asks);
    expect(d?.lastId).toBe(now.lastUpdateId);
  });

  it('the same seed gives the same sequence', () => {
    const a = mk(9);
    const b = mk(9);
    for (let i = 0; i < 200; i++) expect(a.step(i)).toEqual(b.step(i));
  });
});

describe('price formatting', () => {
  it('formats integer units as exact decimals on the grid', () => {
    expect(formatUnits(6_183_763, 2, 8)).toBe('61837.63000000');
    expect(formatUnits(5, 2, 8)).toBe('0.05000000');
    expect(formatUnits(5621, 4, 4)).toBe('0.5621');
    expect(formatUnits(12, 0, 0)).toBe('12');
    expect(formatUnitsTrimmed(22_730, 2)).toBe('227.3');
    expect(formatUnitsTrimmed(22_700, 2)).toBe('227');
    expect(formatUnitsTrimmed(22_731, 2)).toBe('227.31');
  });

  it('round-trips through Number for every unit count at scale 2 (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (u) => formatUnits(u, 2, 2) === (u / 100).toFixed(2)));
  });
});

describe('Prng', () => {
  it('is deterministic per seed and label, uniform-ish in [0,1)', () => {
    const a = Prng.derive(1, 'x');
    const b = Prng.derive(1, 'x');
    const c = Prng.derive(1, 'y');
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
