import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../../src/integrity/sequence-tracker.js';
import { DedupWindow, MonotonicDedup } from '../../../src/integrity/dedup.js';

describe('SequenceTracker', () => {
  it('classifies next, gap (with its range), duplicate and late out-of-order ids per stream', () => {
    const t = new SequenceTracker();
    expect(t.observe('a', 10)).toEqual({ kind: 'first' });
    expect(t.observe('a', 11)).toEqual({ kind: 'next' });
    expect(t.observe('a', 15)).toEqual({ kind: 'gap', from: 12, to: 14 });
    expect(t.observe('b', 1)).toEqual({ kind: 'first' });
    expect(t.observe('a', 13)).toEqual({ kind: 'out_of_order' });
    expect(t.openGaps('a')).toEqual([[12, 12], [14, 14]]);
    expect(t.observe('a', 13)).toEqual({ kind: 'duplicate' });
    expect(t.observe('a', 15)).toEqual({ kind: 'duplicate' });
    expect(t.observe('a', 12)).toEqual({ kind: 'out_of_order' });
    expect(t.observe('a', 14)).toEqual({ kind: 'out_of_order' });
    expect(t.openGaps('a')).toEqual([]);
    expect(t.stats()).toEqual({ observed: 9, gaps: 1, missingIds: 3, duplicates: 2, outOfOrder: 3 });
    expect(t.last('a')).toBe(15);
  });

  it('a kept stream() state classifies exactly like observe() by key, and stays the live state after reset', () => {
    const byKey = new SequenceTracker();
    const byState = new SequenceTracker();
    const st = byState.stream('a');
    expect(byState.last('a')).toBeUndefined();
    const ids = [10, 11, 15, 13, 13, 12, 14, 16, 20, 3];
    expect(ids.map((id) => byState.observeOn(st, id))).toEqual(ids.map((id) => byKey.observe('a', id)));
    expect(byState.stats()).toEqual(byKey.stats());
    expect(byState.openGaps('a')).toEqual(byKey.openGaps('a'));
    byState.reset('a');
    byKey.reset('a');
    expect(byState.last('a')).toBeUndefined();
    expect(byState.observeOn(st, 100)).toEqual({ kind: 'first' });
    expect(byKey.observe('a', 100)).toEqual({ kind: 'first' });
    expect(byState.observe('a', 101)).toEqual({ kind: 'next' });
    expect(byState.last('a')).toBe(101);
  });

  it('flags a gap in the middle of a long run, not only at the start', () => {
    const t = new SequenceTracker();
    for (let i = 1; i <= 1000; i++) t.observe('s', i);
    expect(t.observe('s', 1002)).toEqual({ kind: 'gap', from: 1001, to: 1001 });
  });
});

describe('dedup', () => {
  it('DedupWindow drops a repeat within the window and forgets beyond it', () => {
    const d = new DedupWindow(3);
    expect(['a', 'b', 'a', 'c', 'd', 'e', 'a'].map((k) => d.firstSeen('s', k))).toEqual([true, true, false, true, true, true, true]);
    expect(d.firstSeen('other', 'a')).toBe(true);
    expect(d.dropped).toBe(1);
  });

  it('DedupWindow stays bounded over many keys', () => {
    const d = new DedupWindow(100);
    for (let i = 0; i < 100_000; i++) d.firstSeen('s', String(i));
    expect(d.firstSeen('s', '99999')).toBe(false);
    expect(d.firstSeen('s', '0')).toBe(true);
  });

  it('MonotonicDedup accepts only ids above the high-water mark', () => {
    const m = new MonotonicDedup();
    expect([5, 6, 6, 4, 7].map((id) => m.accept('x', id))).toEqual([true, true, false, false, true]);
    expect(m.dropped).toBe(2);
    expect(m.highWater('x')).toBe(7);
  });

  it('MonotonicDedup keeps each stream apart when they interleave (the last-stream shortcut), also for equal names built anew', () => {
    const m = new MonotonicDedup();
    const name = (s: string): string => [...s].join('');
    const seq: [string, number, boolean][] = [['x', 5, true], ['y', 1, true], [name('x'), 5, false], ['y', 2, true], [name('y'), 2, false], ['x', 6, true], ['x', 6, false], ['y', 1, false]];
    for (const [s, id, want] of seq) expect(m.accept(s, id), `${s} ${id}`).toBe(want);
    expect([m.highWater('x'), m.highWater('y'), m.dropped]).toEqual([6, 2, 4]);
  });
});
