import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';

interface Ev { readonly venue: string; readonly symbol: string; readonly n: number }
const ev = (n: number, symbol = 'BTCUSDT'): Ev => ({ venue: 'binance', symbol, n });

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { logger, lines };
}

/** Let microtask-driven drain loops run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('dispatcher', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('a hung consumer times out per event (counted exactly, warned with consumer and symbol, rate-limited) and never stalls a fast one', async () => {
    const { logger, lines } = captureLogger();
    const d = new Dispatcher<Ev>({ logger, timeoutWarnIntervalMs: 10_000 });
    const fast: number[] = [];
    let hungCalls = 0;
    d.addConsumer({ name: 'hung', policy: 'drop-oldest', handler: () => { hungCalls++; return new Promise(() => {}); } });
    d.addConsumer({ name: 'fast', policy: 'drop-oldest', handler: (e) => { fast.push(e.n); } });
    for (let i = 0; i < 5; i++) d.publish(ev(i, i % 2 ? 'ETHUSDT' : 'BTCUSDT'));
    await settle();
    expect(fast).toEqual([0, 1, 2, 3, 4]);
    expect(hungCalls).toBe(1);
    for (let i = 1; i <= 5; i++) {
      // +1 ms: the drain loop may yield one macrotask turn (setImmediate) between events.
      await vi.advanceTimersByTimeAsync(3_001);
      expect(d.stats().consumers.hung!.timeouts).toBe(i);
    }
    expect(hungCalls).toBe(5);
    const s = d.stats().consumers.hung!;
    expect(s).toMatchObject({ timeouts: 5, processed: 0, errors: 0, queueDepth: 0 });
    const warns = lines.filter((l) => l.code === 'E_HANDLER_TIMEOUT');
    // ~3 s warns; ~6, 9, 12 s are suppressed; ~15 s warns again reporting 3 suppressed.
    expect(warns).toMatchObject([
      { consumer: 'hung', symbol: 'BTCUSDT', timeoutMs: 3_000, suppressed: 0 },
      { consumer: 'hung', symbol: 'BTCUSDT', suppressed: 3, timeouts: 5 },
    ]);
    d.close();
  });

  it('a slow consumer with drop-oldest loses exactly the overflow and processes the newest; the other consumer gets everything', async () => {
    const d = new Dispatcher<Ev>();
    const slow: number[] = [];
    const all: number[] = [];
    d.addConsumer({ name: 'slow', policy: 'drop-oldest', maxQueueItems: 10, handler: async (e) => { await new Promise((r) => setTimeout(r, 100)); slow.push(e.n); } });
    d.addConsumer({ name: 'all', policy: 'drop-oldest', maxQueueItems: 100, handler: (e) => { all.push(e.n); } });
    for (let i = 0; i < 50; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(all).toHaveLength(50);
    expect(slow).toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
    const s = d.stats().consumers.slow!;
    expect(s.dropped).toEqual({ dropOldest: 40, conflated: 0, spillFailed: 0, total: 40 });
    expect(s).toMatchObject({ processed: 10, maxQueueDepth: 10, enqueued: 50, timeouts: 0 });
    d.close();
  });

  it('conflate-by-key keeps only the latest event per symbol while the consumer is busy', async () => {
    const d = new Dispatcher<Ev>();
    const seen: string[] = [];
    d.addConsumer({ name: 'ui', policy: 'conflate-by-key', handler: async (e) => { await new Promise((r) => setTimeout(r, 50)); seen.push(`${e.symbol}:${e.n}`); } });
    for (let i = 0; i < 30; i++) d.publish(ev(i, ['A', 'B', 'C'][i % 3]!));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual(['A:27', 'B:28', 'C:29']);
    expect(d.stats().consumers.ui!.dropped.conflated).toBe(27);
  });

  it('spill is lossless: the overflow reaches the spill function, queued events are processed, nothing dropped', async () => {
    const d = new Dispatcher<Ev>();
    const spilled: number[] = [];
    const done: number[] = [];
    d.addConsumer({ name: 'sink', policy: 'spill', maxQueueItems: 5, spill: (e) => spilled.push(e.n), handler: async (e) => { await new Promise((r) => setTimeout(r, 10)); done.push(e.n); } });
    for (let i = 0; i < 20; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(500);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    expect(spilled).toEqual(Array.from({ length: 15 }, (_, i) => 5 + i));
    expect(d.stats().consumers.sink!).toMatchObject({ spilled: 15, dropped: { total: 0 } });
  });

  it('a throwing or rejecting handler is counted as an error and the consumer continues', async () => {
    const d = new Dispatcher<Ev>();
    const ok: number[] = [];
    d.addConsumer({ name: 'flaky', policy: 'drop-oldest', handler: (e) => {
      if (e.n === 1) throw new Error('sync boom');
      if (e.n === 2) return Promise.reject(new Error('async boom'));
      ok.push(e.n);
      return undefined;
    } });
    for (let i = 0; i < 4; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(10);
    expect(ok).toEqual([0, 3]);
    expect(d.stats().consumers.flaky).toMatchObject({ errors: 2, processed: 2 });
  });

  it('publish is synchronous and returns while every consumer is stuck', () => {
    const d = new Dispatcher<Ev>();
    d.addConsumer({ name: 'stuck', policy: 'drop-oldest', maxQueueItems: 3, handler: () => new Promise(() => {}) });
    for (let i = 0; i < 1_000; i++) expect(d.publish(ev(i))).toBeUndefined();
    expect(d.published).toBe(1_000);
    expect(d.stats().consumers.stuck!.dropped.dropOldest).toBe(997);
  });

  it('rejects a consumer without a handler, with both, a duplicate name, or workers without a pool', () => {
    const d = new Dispatcher<Ev>();
    expect(() => d.addConsumer({ name: 'x', policy: 'drop-oldest' })).toThrow(/exactly one/);
    expect(() => d.addConsumer({ name: 'w', policy: 'drop-oldest', worker: { filename: '/x.mjs' } })).toThrow(/no pool/);
    d.addConsumer({ name: 'a', policy: 'drop-oldest', handler: () => {} });
    expect(() => d.addConsumer({ name: 'a', policy: 'drop-oldest', handler: () => {} })).toThrow(/already/);
  });
});
