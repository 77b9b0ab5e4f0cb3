import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook, priceKey } from '../../../src/integrity/order-book.js';
import { compareDecimal, normalizeDecimal } from '../../../src/model/decimal.js';
import type { Level } from '../../../src/model/events.js';

/** Naive reference: a Map keyed by normalized price, sorted on every read. */
class NaiveBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  apply(bids: readonly Level[], asks: readonly Level[]): void {
    for (const [p, s] of bids) this.set(this.bids, p, s);
    for (const [p, s] of asks) this.set(this.asks, p, s);
  }
  private set(m: Map<string, string>, p: string, s: string): void {
    const k = normalizeDecimal(p);
    if (compareDecimal(s, '0') === 0) m.delete(k);
    else m.set(k, normalizeDecimal(s));
  }
  sorted(side: 'b' | 'a'): [string, string][] {
    const m = side === 'b' ? this.bids : this.asks;
    return [...m.entries()].sort((x, y) => (side === 'b' ? -compareDecimal(x[0], y[0]) : compareDecimal(x[0], y[0])));
  }
}

const norm = (levels: Level[]): [string, string][] => levels.map(([p, s]) => [normalizeDecimal(p), normalizeDecimal(s)]);

// Prices drawn from a small grid (so updates hit existing levels), written with varying trailing
// zeros and, sometimes, more digits than a double can tell apart.
const price = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([n, zeros, long]) =>
  long ? `900719925474099${n % 4}.${n}${'0'.repeat(zeros)}` : `${100 + n}.${String(n % 10)}${'0'.repeat(zeros)}`,
);
const size = fc.oneof(fc.constant('0'), fc.constant('0.000'), fc.integer({ min: 1, max: 999 }).map((n) => `${n}.${n % 7}0`));
const levels = fc.array(fc.tuple(price, size), { maxLength: 12 });

describe('OrderBook', () => {
  it('matches a naive Map+sort reference for any sequence of snapshots and deltas', () => {
    fc.assert(
      fc.property(levels, levels, fc.array(fc.tuple(levels, levels), { maxLength: 30 }), (sb, sa, deltas) => {
        const book = new OrderBook('X');
        const ref = new NaiveBook();
        book.applySnapshot(sb, sa, 1);
        ref.apply(sb, sa);
        let id = 1;
        for (const [b, a] of deltas) {
          book.applyDelta(b, a, ++id);
          ref.apply(b, a);
          expect(norm(book.bids())).toEqual(ref.sorted('b'));
          expect(norm(book.asks())).toEqual(ref.sorted('a'));
        }
        expect(book.lastUpdateId).toBe(id);
        const bb = ref.sorted('b')[0];
        expect(book.bestBid() ? normalizeDecimal(book.bestBid()![0]) : undefined).toBe(bb?.[0]);
      }),
      { numRuns: 400 },
    );
  });

  it('matches the reference when the fixed-point scale grows mid-book, with negative prices and leading zeros', () => {
    // Prices of 0..9 significant decimals (the side's scale grows, stored keys are rescaled) and,
    // now and then, one too long for an exact integer (the side moves to the exact implementation).
    const p2 = fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.integer({ min: 0, max: 30 })).map(([n, dec, zeros, lead, huge]) => {
      if (huge === 0) return `${n < 0 ? '-' : ''}12345678901234.5678${'0'.repeat(zeros)}`;
      const frac = dec === 0 ? '' : `.${String(Math.abs(n) % 10).repeat(dec)}`;
      return `${n < 0 ? '-' : ''}${lead ? '00' : ''}${Math.abs(n)}${frac}${frac === '' ? '' : '0'.repeat(zeros)}`;
    });
    const lv = fc.array(fc.tuple(p2, size), { maxLength: 10 });
    fc.assert(
      fc.property(lv, lv, fc.array(fc.tuple(lv, lv), { maxLength: 25 }), (sb, sa, deltas) => {
        const book = new OrderBook('X');
        const ref = new NaiveBook();
        book.applySnapshot(sb, sa, 1);
        ref.apply(sb, sa);
        for (const [b, a] of deltas) {
          book.applyDelta(b, a, 2);
          ref.apply(b, a);
          expect(norm(book.bids())).toEqual(ref.sorted('b'));
          expect(norm(book.asks())).toEqual(ref.sorted('a'));
          for (const [p] of b) expect(book.sizeAt('bid', p) === undefined ? undefined : normalizeDecimal(book.sizeAt('bid', p)!)).toBe(ref.bids.get(normalizeDecimal(p)));
        }
        expect(book.depth).toEqual({ bids: ref.bids.size, asks: ref.asks.size });
      }),
      { numRuns: 300, seed: 1414 },
    );
  });

  it('refuses a malformed price with the DecimalError of the exact side', () => {
    const b = new OrderBook('X');
    for (const bad of ['', '.5', '5.', '+5', '1e3', 'x']) expect(() => b.applyDelta([[bad, '1']], [], 1)).toThrow(/invalid decimal/);
  });

  it('treats "61837.63000000" and "61837.63" as one level and removes it with "0.00000000"', () => {
    const b = new OrderBook('X');
    b.applySnapshot([['61837.63000000', '1.0']], [], 1);
    b.applyDelta([['61837.63', '2.5']], [], 2);
    expect(b.depth.bids).toBe(1);
    expect(b.sizeAt('bid', '61837.630')).toBe('2.5');
    b.applyDelta([['61837.6300', '0.00000000']], [], 3);
    expect(b.depth.bids).toBe(0);
    expect(priceKey('007.50')).toBe('7.5');
    expect(priceKey('10')).toBe('10');
  });

  it('orders prices a double cannot distinguish exactly, whatever the insertion order', () => {
    // 9007199254740993.1 and .2 are the same double (9007199254740994).
    const prices = ['9007199254740993.1', '9007199254740993.2', '9007199254740992.9', '9007199254740993.15'];
    const perms = [prices, [...prices].reverse(), [prices[1]!, prices[3]!, prices[0]!, prices[2]!]];
    for (const order of perms) {
      const b = new OrderBook('X');
      b.applySnapshot(order.map((p) => [p, '1'] as const), order.map((p) => [p, '1'] as const), 1);
      expect(b.bids().map((l) => l[0])).toEqual(['9007199254740993.2', '9007199254740993.15', '9007199254740993.1', '9007199254740992.9']);
      expect(b.asks().map((l) => l[0])).toEqual(['9007199254740992.9', '9007199254740993.1', '9007199254740993.15', '9007199254740993.2']);
    }
  });

  it('canonical/checksum/equals ignore formatting but see any size difference', () => {
    const a = new OrderBook('X');
    const b = new OrderBook('X');
    a.applySnapshot([['1.10', '2.0']], [['1.20', '3']], 1);
    b.applySnapshot([['1.1', '2']], [['1.2000', '3.00']], 9);
    expect(a.equals(b)).toBe(true);
    expect(a.checksum()).toBe(b.checksum());
    b.applyDelta([], [['1.2', '3.01']], 10);
    expect(a.equals(b)).toBe(false);
    expect(a.checksum()).not.toBe(b.checksum());
    expect(a.equals(b, 0)).toBe(true);
  });
});
