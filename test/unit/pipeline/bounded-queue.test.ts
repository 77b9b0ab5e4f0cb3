import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedQueue } from '../../../src/pipeline/bounded-queue.js';

type Op = { push: number; key: string } | { shift: true };
const ops = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.record({ push: fc.integer(), key: fc.constantFrom('a', 'b', 'c', 'd', 'e') }) },
  { weight: 1, arbitrary: fc.constant({ shift: true as const }) },
), { maxLength: 200 });

describe('bounded queue policies vs a naive model', () => {
  it('drop-oldest keeps the newest `capacity` items in order and counts every eviction', () => {
    fc.assert(fc.property(ops, fc.integer({ min: 1, max: 8 }), (list: Op[], cap) => {
      const q = new BoundedQueue<number>({ capacity: cap, policy: 'drop-oldest' });
      const model: number[] = [];
      let dropped = 0;
      for (const op of list) {
        if ('push' in op) {
          q.push(op.push); model.push(op.push);
          if (model.length > cap) { model.shift(); dropped++; }
        } else expect(q.shift()).toBe(model.shift());
      }
      expect(q.drain()).toEqual(model);
      expect(q.drops.dropOldest).toBe(dropped);
    }));
  });

  it('conflate-by-key replaces a queued item of the same key in place; a full queue evicts the oldest key', () => {
    fc.assert(fc.property(ops, fc.integer({ min: 1, max: 6 }), (list: Op[], cap) => {
      const q = new BoundedQueue<{ v: number; key: string }>({ capacity: cap, policy: 'conflate-by-key', key: (x) => x.key });
      const model: { v: number; key: string }[] = [];
      let conflated = 0; let evicted = 0;
      for (const op of list) {
        if ('push' in op) {
          const item = { v: op.push, key: op.key };
          const i = model.findIndex((m) => m.key === op.key);
          if (i >= 0) { model[i] = item; conflated++; }
          else { if (model.length === cap) { model.shift(); evicted++; } model.push(item); }
          q.push(item);
        } else expect(q.shift()).toEqual(model.shift());
      }
      expect(q.drain()).toEqual(model);
      expect(q.drops).toMatchObject({ conflated, dropOldest: evicted });
    }));
  });

  it('spill is lossless and keeps arrival order: spill calls and shifts together see exactly the pushed sequence', () => {
    fc.assert(fc.property(ops, fc.integer({ min: 1, max: 8 }), (list: Op[], cap) => {
      // One log in call order for both exits of the queue: no sorting, the order is the claim.
      const seen: number[] = [];
      const pushed: number[] = [];
      let spills = 0;
      const q = new BoundedQueue<number>({ capacity: cap, policy: 'spill', spill: (x) => { spills++; seen.push(x); } });
      for (const op of list) {
        if ('push' in op) { q.push(op.push); pushed.push(op.push); } else { const x = q.shift(); if (x !== undefined) seen.push(x); }
        expect(q.size).toBeLessThanOrEqual(cap);
      }
      seen.push(...q.drain());
      expect(seen).toEqual(pushed);
      expect(q.spilled).toBe(spills);
      expect(q.drops).toEqual({ dropOldest: 0, conflated: 0, spillFailed: 0 });
    }));
  });

  it('a full spill queue hands its oldest item to the spill function, never the newcomer', () => {
    const spilled: number[] = [];
    const q = new BoundedQueue<number>({ capacity: 3, policy: 'spill', spill: (x) => spilled.push(x) });
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(spilled).toEqual([1, 2]);
    expect(q.drain()).toEqual([3, 4, 5]);
  });

  it('a throwing spill function is counted as spillFailed and reported, never thrown at the producer', () => {
    const errors: unknown[] = [];
    const q = new BoundedQueue<number>({ capacity: 1, policy: 'spill', spill: () => { throw new Error('disk full'); }, onSpillError: (e) => errors.push(e) });
    q.push(1);
    expect(() => q.push(2)).not.toThrow();
    expect(q.drops.spillFailed).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('rejects impossible configurations', () => {
    expect(() => new BoundedQueue({ capacity: 0, policy: 'drop-oldest' })).toThrow(/capacity/);
    expect(() => new BoundedQueue({ capacity: 1, policy: 'spill' })).toThrow(/spill/);
    expect(() => new BoundedQueue({ capacity: 1, policy: 'conflate-by-key' })).toThrow(/key/);
  });
});
