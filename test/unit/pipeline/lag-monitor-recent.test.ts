/** The lag monitor's recent window: p99 over the last window only, stalls weighted by their length. */
import { describe, expect, it } from 'vitest';
import { RecentLagWindow } from '../../../src/pipeline/lag-monitor.js';

const NS = 1e6;

describe('RecentLagWindow', () => {
  it('reports the p99 of the window and forgets what left it', () => {
    let now = 0;
    const w = new RecentLagWindow(1_000, 10, 100, () => now);
    // 1 s calm: 100 samples ~1 ms late.
    for (; now < 1_000; now += 10) w.record(1, now);
    expect(w.p99Ms()).toBeCloseTo(1, 1);
    // A 300 ms stall is one late firing; corrected, it weighs as the 30 samples the loop missed.
    now += 300;
    w.record(300, now);
    expect(w.p99Ms()).toBeGreaterThan(250);
    // Calm again for more than a window (+ one slot): the stall is gone.
    for (const end = now + 1_200; now < end; now += 10) w.record(1, now);
    expect(w.p99Ms()).toBeLessThan(2);
  });

  it('a short blip among many calm samples does not move the p99 (it is not a max)', () => {
    let now = 0;
    const w = new RecentLagWindow(10_000, 10, 500, () => now);
    for (; now < 9_000; now += 10) w.record(0.5, now);
    w.record(15, now);
    expect(w.p99Ms()).toBeLessThan(1);
  });

  it('rebuilds an ELD interval from its percentile curve, as lateness beyond the resolution, and counts the live interval', () => {
    let now = 0;
    const w = new RecentLagWindow(1_000, 10, 100, () => now);
    // 99 firings at 11 ms (1 ms late) and one at 210 ms (200 ms late): ELD's curve of that interval.
    w.addInterval({ count: 100, percentiles: new Map([[0, 11 * NS], [50, 11 * NS], [98.4375, 11 * NS], [100, 210 * NS]]) });
    expect(w.p99Ms()).toBeGreaterThan(150);
    now = 5_000;
    expect(w.p99Ms()).toBe(0);
    expect(w.p99Ms({ count: 10, percentiles: new Map([[0, 60 * NS], [100, 60 * NS]]) })).toBeCloseTo(50, 0);
  });

  it('is 0 without samples and rejects a non-positive window', () => {
    expect(new RecentLagWindow(1_000, 10, 100, () => 0).p99Ms()).toBe(0);
    expect(() => new RecentLagWindow(0, 10, 100)).toThrow(RangeError);
  });
});
