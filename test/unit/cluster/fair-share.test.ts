import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byPreference, fairShare, shardsOverShare } from '../../../src/cluster/fair-share.js';

describe('fair share of shards', () => {
  it('is every shard alone, the ceiling of shards / collectors otherwise, never more than the shards', () => {
    expect(fairShare(16, 1, 0)).toBe(16);
    expect(fairShare(16, 1, 1)).toBe(16);
    expect(fairShare(16, 1, 2)).toBe(8);
    expect(fairShare(16, 1, 3)).toBe(6);
    expect(fairShare(16, 1, 40)).toBe(1);
    expect(fairShare(16, 2, 2)).toBe(16);
  });

  it('shares always cover every slot: collectors x share >= shards x redundancy', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 64 }), (shards, r, n) => {
      expect(n * fairShare(shards, r, n)).toBeGreaterThanOrEqual(Math.min(shards * r, n * shards));
    }));
  });

  it('preference is a deterministic permutation per instance; what goes over the share is the least preferred', () => {
    const all = Array.from({ length: 16 }, (_, i) => i);
    const a = byPreference('A', all);
    expect([...a].sort((x, y) => x - y)).toEqual(all);
    expect(byPreference('A', [...all].reverse())).toEqual(a);
    expect(byPreference('B', all)).not.toEqual(a);
    expect(shardsOverShare('A', all, 10)).toEqual(a.slice(10));
    expect(shardsOverShare('A', all, 16)).toEqual([]);
  });
});
