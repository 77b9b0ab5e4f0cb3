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

  it('a hung consumer is abandoned once, keeps its slot (no second call piles up), is marked unhealthy, and never stalls a fast one', async () => {
    const { logger, lines } = captureLogger();
    const d = new Dispatcher<Ev>({ logger, timeoutWarnIntervalMs: 10_000 });
    const fast: number[] = [];
    let hungCalls = 0;
    d.addConsumer({ name: 'hung', policy: 'drop-oldest', maxQueueItems: 3, handler: () => { hungCalls++; return new Promise(() => {}); } });
    d.addConsumer({ name: 'fast', policy: 'drop-oldest', handler: (e) => { fast.push(e.n); } });
    for (let i = 0; i < 5; i++) d.publish(ev(i, i % 2 ? 'ETHUSDT' : 'BTCUSDT'));
    await settle();
    expect(fast).toEqual([0, 1, 2, 3, 4]);
    expect(hungCalls).toBe(1);
    // The burst came before the drain loop ran: 2 dropped, 1 running, 2 queued.
    expect(d.stats().consumers.hung).toMatchObject({ healthy: true, inFlight: 1, abandonedInFlight: 0, queueDepth: 2, dropped: { dropOldest: 2 } });
    await vi.advanceTimersByTimeAsync(3_001);
    expect(d.stats().consumers.hung).toMatchObject({ timeouts: 1, healthy: false, inFlight: 0, abandonedInFlight: 1, hungEpisodes: 1, queueDepth: 2 });
    expect(d.unhealthy()).toEqual(['hung']);
    // Time passes and events keep coming: still one call, the queue absorbs with its policy.
    for (let i = 5; i < 10; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(hungCalls).toBe(1);
    expect(d.stats().consumers.hung).toMatchObject({ timeouts: 1, processed: 0, queueDepth: 3, dropped: { dropOldest: 6 }, abandonedInFlight: 1 });
    expect(fast).toHaveLength(10);
    expect(lines.filter((l) => l.code === 'E_HANDLER_TIMEOUT')).toMatchObject([{ consumer: 'hung', symbol: 'BTCUSDT', timeoutMs: 3_000, timeouts: 1 }]);
    expect(lines.filter((l) => String(l.msg).startsWith('consumer unhealthy'))).toMatchObject([{ consumer: 'hung', symbol: 'BTCUSDT', queueDepth: 2, policy: 'drop-oldest' }]);
    d.close();
  });

  it('an abandoned call that settles late frees its slot: the consumer recovers (logged) and processes the queue in order', async () => {
    const { logger, lines } = captureLogger();
    const d = new Dispatcher<Ev>({ logger });
    const calls: number[] = [];
    let running = 0; let maxRunning = 0;
    d.addConsumer({ name: 'slowpoke', policy: 'drop-oldest', timeoutMs: 100, handler: async (e) => {
      calls.push(e.n); running++; maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, e.n === 0 ? 1_000 : 10));
      running--;
    } });
    for (let i = 0; i < 4; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toEqual([0]);
    expect(d.stats().consumers.slowpoke).toMatchObject({ healthy: false, timeouts: 1, abandonedInFlight: 1 });
    await vi.advanceTimersByTimeAsync(600);
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(maxRunning).toBe(1);
    expect(d.stats().consumers.slowpoke).toMatchObject({ healthy: true, timeouts: 1, abandonedInFlight: 0, abandonedSettled: 1, processed: 3, hungEpisodes: 1 });
    expect(lines.filter((l) => String(l.msg).startsWith('consumer healthy again'))).toMatchObject([{ consumer: 'slowpoke', hungMs: 900, abandonedSettled: 1 }]);
    d.close();
  });

  it('hung/recovered lines are rate-limited per consumer (a worker consumer that times out often logs one pair per interval), counts stay exact', async () => {
    const { logger, lines } = captureLogger();
    const d = new Dispatcher<Ev>({ logger, timeoutWarnIntervalMs: 10_000 });
    d.addConsumer({ name: 'flappy', policy: 'drop-oldest', timeoutMs: 100, handler: () => new Promise((r) => setTimeout(r, 150)) });
    for (let i = 0; i < 10; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(d.stats().consumers.flappy).toMatchObject({ timeouts: 10, hungEpisodes: 10, abandonedSettled: 10, healthy: true });
    expect(lines.filter((l) => String(l.msg).startsWith('consumer unhealthy'))).toHaveLength(1);
    expect(lines.filter((l) => String(l.msg).startsWith('consumer healthy again'))).toHaveLength(1);
    d.close();
  });

  it('concurrency N: never more than N calls at once, timed-out ones included', async () => {
    const d = new Dispatcher<Ev>();
    let running = 0; let maxRunning = 0; let calls = 0;
    d.addConsumer({ name: 'par', policy: 'drop-oldest', concurrency: 3, timeoutMs: 50, handler: async (e) => {
      calls++; running++; maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, e.n % 2 ? 500 : 20));
      running--;
    } });
    for (let i = 0; i < 40; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toBe(40);
    expect(maxRunning).toBe(3);
    const s = d.stats().consumers.par!;
    expect(s).toMatchObject({ processed: 20, timeouts: 20, abandonedSettled: 20, abandonedInFlight: 0, healthy: true, inFlight: 0 });
    d.close();
  });

  it('a sync handler that blocks the loop past slowSyncHandlerMs is counted and warned (declare it as a worker consumer)', async () => {
    vi.useRealTimers();
    const { logger, lines } = captureLogger();
    const d = new Dispatcher<Ev>({ logger, slowSyncHandlerMs: 5 });
    d.addConsumer({ name: 'heavy', policy: 'drop-oldest', handler: () => { const end = performance.now() + 8; while (performance.now() < end) { /* burn */ } } });
    d.publish(ev(0));
    d.publish(ev(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(d.stats().consumers.heavy).toMatchObject({ processed: 2, slowSyncCalls: 2 });
    expect(lines.filter((l) => l.consumer === 'heavy' && String(l.msg).includes('worker consumer'))).toHaveLength(1);
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

  it('spill is lossless and in order: a full queue spills its oldest events, so the consumer sees exactly the published sequence', async () => {
    const d = new Dispatcher<Ev>();
    // Like the gateway's aggregator: the spill target is the same fold as the handler.
    const seen: { n: number; via: 'spill' | 'handler' }[] = [];
    d.addConsumer({ name: 'sink', policy: 'spill', maxQueueItems: 5, spill: (e) => seen.push({ n: e.n, via: 'spill' }), handler: async (e) => { seen.push({ n: e.n, via: 'handler' }); await new Promise((r) => setTimeout(r, 10)); } });
    for (let i = 0; i < 20; i++) d.publish(ev(i));
    await vi.advanceTimersByTimeAsync(500);
    expect(seen.map((s) => s.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // The drain loop had not started when the burst came: the 15 oldest spilled, the newest 5 queued.
    expect(seen.map((s) => s.via)).toEqual([...Array<string>(15).fill('spill'), ...Array<string>(5).fill('handler')]);
    expect(d.stats().consumers.sink!).toMatchObject({ spilled: 15, processed: 5, dropped: { total: 0 } });
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
