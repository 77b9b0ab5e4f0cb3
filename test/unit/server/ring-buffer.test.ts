import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RingBuffer } from '../../../src/server/ring-buffer.js';

describe('RingBuffer', () => {
  it('returns exactly the items after a seq while they are held, null once overwritten', () => {
    const r = new RingBuffer<string>(3);
    for (let s = 1; s <= 5; s++) r.push(s, `m${s}`);
    expect(r.oldestSeq).toBe(3);
    expect(r.after(2, 5)).toEqual(['m3', 'm4', 'm5']);
    expect(r.after(4, 5)).toEqual(['m5']);
    expect(r.after(5, 5)).toEqual([]);
    expect(r.after(1, 5)).toBeNull();
    expect(r.last()).toBe('m5');
  });

  it('matches a naive array for any capacity, length and resume point', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), (cap, n, from) => {
      const r = new RingBuffer<number>(cap);
      for (let s = 1; s <= n; s++) r.push(s, s * 10);
      const all = Array.from({ length: n }, (_, i) => (i + 1) * 10);
      const oldest = Math.max(1, n - cap + 1);
      const got = r.after(from, n);
      if (from >= n) expect(got).toEqual([]);
      else if (from + 1 < oldest) expect(got).toBeNull();
      else expect(got).toEqual(all.slice(from));
    }));
  });

  it('rejects a capacity below 1', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
