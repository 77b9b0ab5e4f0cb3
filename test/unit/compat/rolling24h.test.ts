import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rolling24h, WINDOW_BUCKETS } from '../../../src/compat/binance/rolling24h.js';
import { percentText, tickerFigures } from '../../../src/compat/binance/ticker-frames.js';
import type { Trade } from '../../../src/model/events.js';

const trade = (seq: number, price: string, size: string, t: number): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: t, receiveTime: t, tradeId: String(seq), seq, price, size, side: 'buy', source: 'trade',
});

/** Naive exact reference: prices with 2 decimals, sizes with 5, as integers; every trade kept. */
function reference(all: readonly Trade[], now: number) {
  const int = (s: string): bigint => BigInt(s.replace('.', ''));
  const fmt = (v: bigint, scale: number): string => {
    const neg = v < 0n;
    const s = (neg ? -v : v).toString().padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${s.slice(0, s.length - scale)}.${s.slice(s.length - scale).padEnd(8, '0').slice(0, 8)}`;
  };
  // The window opens at the start of the minute holding now - 24 h.
  const open = Math.floor((now - 86_400_000) / 60_000) * 60_000;
  const inside = all.filter((t) => t.eventTime >= open);
  const before = all.filter((t) => t.eventTime < open);
  const x = before.length > 0 ? fmt(int(before.at(-1)!.price), 2) : '0.00000000';
  const lastQty = all.length > 0 ? fmt(int(all.at(-1)!.size), 5) : '0.00000000';
  if (inside.length === 0) return { n: 0, x, Q: lastQty, c: all.length > 0 ? fmt(int(all.at(-1)!.price), 2) : '0.00000000', v: '0.00000000', first: -1, last: -1 };
  const prices = inside.map((t) => int(t.price));
  let v = 0n;
  let q = 0n;
  for (const t of inside) {
    v += int(t.size);
    q += int(t.price) * int(t.size);
  }
  const o = prices[0]!;
  const c = prices.at(-1)!;
  // w = q / v at 8 decimals, truncated: q has 7 decimals, v has 5.
  const w = (q * 10n ** 8n * 10n ** 5n) / (v * 10n ** 7n);
  return {
    n: inside.length, first: inside[0]!.seq, last: inside.at(-1)!.seq, x, Q: lastQty,
    o: fmt(o, 2), c: fmt(c, 2), h: fmt(prices.reduce((a, b) => (b > a ? b : a)), 2), l: fmt(prices.reduce((a, b) => (b < a ? b : a)), 2),
    v: fmt(v, 5), q: fmt(q, 7), p: fmt(c - o, 2), w: fmt(w, 8), openTime: open,
  };
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('trade' as const), dt: fc.integer({ min: 0, max: 3 * 3_600_000 }), price: fc.integer({ min: 1, max: 5_000_000 }), size: fc.integer({ min: 1, max: 50_000_000 }) }),
  fc.record({ kind: fc.constant('query' as const), dt: fc.integer({ min: 0, max: 6 * 3_600_000 }) }),
);

describe('Rolling24h (24 h ticker window, per-minute buckets)', () => {
  it('equals a naive exact reference over every trade at every query time', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }), (steps, t0) => {
      const w = new Rolling24h();
      const seen: Trade[] = [];
      let clock = t0;
      let seq = 100;
      for (const s of steps) {
        clock += s.dt;
        if (s.kind === 'trade') {
          const t = trade(seq++, (s.price / 100).toFixed(2), (s.size / 100_000).toFixed(5), clock);
          seen.push(t);
          w.add(t);
          continue;
        }
        const st = w.stats(clock);
        const f = tickerFigures(st);
        const r = reference(seen, clock);
        expect(st.n).toBe(r.n);
        expect(st.first).toBe(r.first);
        expect(st.last).toBe(r.last);
        expect(f.x).toBe(r.x);
        expect(f.Q).toBe(r.Q);
        expect(f.c).toBe(r.c);
        expect(f.v).toBe(r.v);
        if (r.n > 0) {
          expect({ o: f.o, h: f.h, l: f.l, q: f.q, p: f.p, w: f.w, openTime: st.openTime }).toEqual({ o: r.o, h: r.h, l: r.l, q: r.q, p: r.p, w: r.w, openTime: r.openTime });
        }
        expect(w.bucketCount).toBeLessThanOrEqual(WINDOW_BUCKETS);
      }
    }), { numRuns: 300 });
  });

  it('holds at most one bucket per minute of the window however many trades arrive', () => {
    const w = new Rolling24h();
    let t = 1_700_000_000_000;
    for (let i = 0; i < 200_000; i++) {
      t += 900; // 48 h of trades
      w.add(trade(i, '100.00', '0.00100', t));
      if (i % 1000 === 0) w.advance(t);
    }
    w.advance(t);
    expect(w.bucketCount).toBeLessThanOrEqual(WINDOW_BUCKETS);
    const st = w.stats(t);
    // 24 h plus the part of the open minute at 0.9 s per trade.
    expect(st.n).toBeGreaterThan(86_400_000 / 900 - 1);
    expect(st.n).toBeLessThan((86_400_000 + 60_000) / 900 + 1);
  });

  it('covers the window only once the first trade seen is before its open, and not after a declared gap', () => {
    const w = new Rolling24h();
    const t0 = 1_700_000_000_000;
    w.add(trade(1, '1.00', '1.00000', t0));
    expect(w.covers(t0 + 1000)).toBe(false);
    expect(w.covers(t0 + 86_400_000 + 120_000)).toBe(true);
    w.markGap();
    expect(w.covers(t0 + 86_400_000 + 120_000)).toBe(false);
  });

  it('an id jump (trades never seen) restarts coverage at the trade after it', () => {
    const w = new Rolling24h();
    const t0 = 1_700_000_000_000;
    w.add(trade(1, '1.00', '1.00000', t0));
    w.add(trade(2, '1.00', '1.00000', t0 + 60_000));
    w.add(trade(9, '1.00', '1.00000', t0 + 2 * 3_600_000));
    expect(w.counters.idJumps).toBe(1);
    expect(w.covers(t0 + 86_400_000 + 120_000)).toBe(false);
    expect(w.covers(t0 + 2 * 3_600_000 + 86_400_000 + 120_000)).toBe(true);
  });

  it('prints the change percent with 3 decimals, rounded half away from zero', () => {
    expect(percentText(1n, 3n)).toBe('33.333');
    expect(percentText(2n, 3n)).toBe('66.667');
    expect(percentText(-2n, 3n)).toBe('-66.667');
    expect(percentText(-1n, 300_000n)).toBe('0.000');
    expect(percentText(0n, 0n)).toBe('0.000');
    expect(percentText(5n, 1_000_000n)).toBe('0.001'); // 0.0005 % rounds up
    expect(percentText(100_000_000n, 100_000_000n)).toBe('100.000');
  });
});
