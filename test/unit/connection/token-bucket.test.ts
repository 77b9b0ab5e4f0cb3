import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket, sleep } from '../../../src/connection/token-bucket.js';

afterEach(() => vi.useRealTimers());

describe('TokenBucket', () => {
  it('grants capacity at once, then each token comes back one window after its use', () => {
    let t = 0;
    const b = new TokenBucket(300, 300_000, () => t);
    for (let i = 0; i < 299; i++) expect(b.tryTake()).toBe(true);
    t = 1_000;
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    expect(b.msUntilAvailable()).toBe(299_000);
    t = 299_999;
    expect(b.tryTake()).toBe(false);
    t = 300_000;
    for (let i = 0; i < 299; i++) expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    expect(b.msUntilAvailable()).toBe(1_000);
    t += 10_000_000;
    expect(b.stats().tokens).toBe(300);
  });

  it('take() paces a burst at 5/s without dropping any (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const b = new TokenBucket(5, 1_000, Date.now);
    const sent: number[] = [];
    const start = Date.now();
    const all = Promise.all(Array.from({ length: 12 }, async () => {
      await b.take();
      sent.push(Date.now() - start);
    }));
    await vi.advanceTimersByTimeAsync(5_000);
    await all;
    expect(sent).toHaveLength(12);
    expect(sent.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(sent).toEqual([0, 0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000]);
    // Never more than 5 in any 1 s window after the initial burst.
    for (let i = 5; i < sent.length; i++) expect(sent[i]! - sent[i - 5]!).toBeGreaterThanOrEqual(1_000 - 1);
  });

  it('an aborted take() rejects and leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const b = new TokenBucket(1, 60_000, Date.now);
    b.tryTake();
    const ac = new AbortController();
    const p = b.take(ac.signal);
    ac.abort(new Error('closed'));
    await expect(p).rejects.toThrow('closed');
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(10, ac.signal)).rejects.toThrow('closed');
  });

  it('rejects a zero capacity or window', () => {
    expect(() => new TokenBucket(0, 1)).toThrow();
    expect(() => new TokenBucket(1, 0)).toThrow();
  });
});
