import { afterEach, describe, expect, it, vi } from 'vitest';
import { burstProfile, Generator, RateProfileError } from '../../../simulator/generator.js';
import { ColumnRing, TradeRing, TruthModeError } from '../../../simulator/trade-ring.js';

const codec = { price: (u: number) => (u / 100).toFixed(2), qty: (u: number) => String(u) };

describe('TradeRing', () => {
  it('grows to its cap, then keeps exactly the newest cap rows in order, counting every trade', () => {
    const r = new TradeRing(1000, codec);
    for (let id = 1; id <= 5_000; id++) r.recordUnits(id, Math.floor(id / 3), 100 + (id % 7), id % 11, id * 10, id % 2 === 0, id % 50 === 0 ? 0 : 1);
    expect(r.size).toBe(1000);
    const s = r.summary();
    expect(s).toMatchObject({ total: 5000, held: 1000, evicted: 4000, firstId: 1, oldestHeldId: 4001, lastId: 5000, unpublished: 100 });
    for (let i = 0; i < r.size; i++) {
      const t = r.row(i);
      const id = 4001 + i;
      expect(t).toEqual({ id, aggId: Math.floor(id / 3), price: codec.price(100 + (id % 7)), qty: String(id % 11), timeMs: id * 10, buyerMaker: id % 2 === 0, published: id % 50 === 0 ? 0 : 1 });
    }
    expect(r.indexOfId(1)).toBe(0);
    expect(r.indexOfId(4500)).toBe(499);
    expect(r.indexOfId(9999)).toBe(1000);
    expect(r.indexOfTime(45_005)).toBe(500);
    // aggId of the newest evicted row: agg 1333 (ids 3999..4001) lost its first trades.
    expect(r.evictedAggId).toBe(1333);
    expect(r.bytes()).toBe(1000 * 6 * 8);
  });

  it('text rows keep their strings; mixing modes is refused with a code', () => {
    const r = new TradeRing(10, null);
    r.record({ id: 7, aggId: null, price: '1.50', qty: '100', timeMs: 1, buyerMaker: null, published: 2 });
    expect(r.last()).toEqual({ id: 7, aggId: null, price: '1.50', qty: '100', timeMs: 1, buyerMaker: null, published: 2 });
    expect(r.summary().repeated).toBe(1);
    const u = new TradeRing(10, codec);
    expect(() => u.record({ id: 1, aggId: null, price: '1', qty: '1', timeMs: 1, buyerMaker: false, published: 1 })).toThrow(TruthModeError);
  });

  it('binary-searches ids that are not contiguous', () => {
    const r = new TradeRing(100, codec);
    for (const id of [2, 4, 8, 16, 32]) r.recordUnits(id, id, 1, 1, id, false, 1);
    expect(r.indexOfId(9)).toBe(3);
    expect(r.indexOfId(1)).toBe(0);
    expect(() => new ColumnRing(2, 0)).toThrow(RangeError);
  });
});

describe('Generator rate profile', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows a repeating burst profile exactly (1000/s base, 10000/s for 500 ms every 1.5 s)', () => {
    vi.useFakeTimers();
    let steps = 0;
    const g = new Generator({ seed: 1, rate: 5, tickMs: 10, now: () => Date.now(), afterBatch: () => undefined, profile: burstProfile(1000, 10_000, 1500, 500) });
    g.addLane({ venue: 'v', symbol: 'A', step: () => steps++ });
    g.start();
    vi.advanceTimersByTime(3000);
    g.stop();
    // 1000 + 5000 + 1000 + 5000; a 10 ms tick straddling a boundary may go either way.
    expect(Math.abs(steps - 12_000)).toBeLessThanOrEqual(200);
    expect(g.stats().bursts, 'no random bursts under a profile').toBe(0);
  });

  it('holds the last step rate after a non-repeating profile; setRate ends it; bad profiles are refused', () => {
    vi.useFakeTimers();
    let steps = 0;
    const g = new Generator({ seed: 1, rate: 0, tickMs: 10, now: () => Date.now(), afterBatch: () => undefined, randomBursts: false });
    g.addLane({ venue: 'v', symbol: 'A', step: () => steps++ });
    g.start();
    g.setProfile({ steps: [{ durationMs: 500, rate: 0 }, { durationMs: 500, rate: 2000 }] });
    vi.advanceTimersByTime(2000);
    expect(Math.abs(steps - 3000)).toBeLessThanOrEqual(40);
    g.setRate(0);
    const n = steps;
    vi.advanceTimersByTime(500);
    expect(steps).toBe(n);
    g.stop();
    expect(() => g.setProfile({ steps: [] })).toThrow(RateProfileError);
    expect(() => g.setProfile({ steps: [{ durationMs: 0, rate: 1 }] })).toThrow(RateProfileError);
  });
});
