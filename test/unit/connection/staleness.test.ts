import { describe, expect, it } from 'vitest';
import { StalenessTracker } from '../../../src/connection/staleness.js';

describe('StalenessTracker', () => {
  it('reports the connection stale once no data came for staleAfterMs', () => {
    const s = new StalenessTracker(1_000, 5_000, 0);
    s.noteData('a', 500);
    expect(s.check(1_499, ['a']).connection).toBeNull();
    expect(s.check(1_500, ['a']).connection).toEqual({ silentMs: 1_000, lastDataTime: 500 });
  });

  it('reports a silent stream while others flow, once per threshold, with strikes', () => {
    const s = new StalenessTracker(10_000, 1_000, 0);
    s.watch('a', 0);
    s.watch('b', 0);
    for (let t = 100; t <= 3_000; t += 100) s.noteData('a', t);
    const first = s.check(1_000, ['a', 'b']);
    expect(first.streams).toEqual([{ stream: 'b', silentMs: 1_000, lastDataTime: 0, strike: 1 }]);
    expect(s.check(1_500, ['a', 'b']).streams).toEqual([]);
    expect(s.check(2_000, ['a', 'b']).streams.map((r) => r.strike)).toEqual([2]);
    s.noteData('b', 2_100);
    expect(s.check(2_200, ['a', 'b'])).toMatchObject({ streams: [], recovered: ['b'] });
  });

  it('does not blame single streams when the whole connection is silent', () => {
    const s = new StalenessTracker(10_000, 1_000, 0);
    s.watch('a', 0);
    s.watch('b', 0);
    expect(s.check(2_000, ['a', 'b']).streams).toEqual([]);
  });

  it('ignores streams that are not confirmed and prunes removed ones', () => {
    const s = new StalenessTracker(10_000, 1_000, 0);
    s.watch('a', 0);
    s.noteData('x', 1_500);
    expect(s.check(1_600, []).streams).toEqual([]);
    s.prune(new Set(['x']));
    expect(s.lastStreamDataTime('a')).toBeUndefined();
    expect(s.lastStreamDataTime('x')).toBe(1_500);
  });
});
