import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamDemand, type UpstreamControl } from '../../../src/compat/binance/upstream-demand.js';
import { CompatError } from '../../../src/compat/binance/errors.js';

function control(configured: string[] = []): UpstreamControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isConfigured: (s) => configured.includes(s),
    subscribe: async (s) => { calls.push(`+${s}`); },
    unsubscribe: async (s) => { calls.push(`-${s}`); },
  };
}

describe('UpstreamDemand', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('subscribes once for any number of references and releases only after the grace period', async () => {
    vi.useFakeTimers();
    const c = control();
    const d = new UpstreamDemand({ control: c, maxOnDemandStreams: 10, releaseGraceMs: 1_000 });
    await Promise.all(Array.from({ length: 20 }, () => d.acquire('ethusdt@trade')));
    expect(c.calls).toEqual(['+ethusdt@trade']);
    for (let i = 0; i < 19; i++) d.release('ethusdt@trade');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(c.calls).toEqual(['+ethusdt@trade']);
    d.release('ethusdt@trade');
    await vi.advanceTimersByTimeAsync(999);
    expect(d.stats()).toEqual({ asked: 0, heldOnDemand: 1, pendingRelease: 1 });
    // A client coming back within the grace period keeps the subscription (no churn).
    await d.acquire('ethusdt@trade');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(c.calls).toEqual(['+ethusdt@trade']);
    d.release('ethusdt@trade');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.calls).toEqual(['+ethusdt@trade', '-ethusdt@trade']);
    expect(d.stats()).toEqual({ asked: 0, heldOnDemand: 0, pendingRelease: 0 });
  });

  it('never touches configured streams and refuses past the on-demand limit with a Binance error', async () => {
    const c = control(['btcusdt@trade']);
    const d = new UpstreamDemand({ control: c, maxOnDemandStreams: 1, releaseGraceMs: 0 });
    await d.acquire('btcusdt@trade');
    d.release('btcusdt@trade');
    await d.acquire('ethusdt@trade');
    const err = await d.acquire('solusdt@trade').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompatError);
    expect((err as CompatError).binanceCode).toBe(2);
    expect(c.calls).toEqual(['+ethusdt@trade']);
    expect(d.stats().asked).toBe(1); // btcusdt released, ethusdt held; the refused one took nothing
  });

  it('a failed upstream subscribe rejects every waiter and leaves nothing held', async () => {
    const d = new UpstreamDemand({ control: { isConfigured: () => false, subscribe: () => Promise.reject(new Error('down')), unsubscribe: async () => undefined }, maxOnDemandStreams: 5, releaseGraceMs: 0 });
    const r = await Promise.allSettled([d.acquire('x@trade'), d.acquire('x@trade')]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    expect(d.stats()).toEqual({ asked: 0, heldOnDemand: 0, pendingRelease: 0 });
  });
});
