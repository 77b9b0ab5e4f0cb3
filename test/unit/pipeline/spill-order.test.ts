/**
 * Property: a 'spill' consumer (the gateway's aggregator is one) sees every published event
 * exactly once and in publish order, whatever the queue size, the bursts, the handler's async
 * delays and its timeouts. "Sees" = the handler call or the spill call, logged in call order into
 * one list; it is compared with the published list as is (never sorted).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';

interface Ev { readonly venue: string; readonly symbol: string; readonly n: number }

const scenario = fc.record({
  capacity: fc.integer({ min: 1, max: 16 }),
  concurrency: fc.constantFrom(1, 1, 1, 2, 4),
  timeoutMs: fc.integer({ min: 5, max: 60 }),
  bursts: fc.array(fc.record({ events: fc.integer({ min: 1, max: 60 }), pauseMs: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 12 }),
  // -1: a synchronous handler call; otherwise the call's async delay in ms (may exceed the timeout).
  delaysMs: fc.array(fc.integer({ min: -1, max: 80 }), { minLength: 1, maxLength: 50 }),
});

describe('spill consumer order (property)', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('sees exactly the published sequence for random queue sizes, bursts, async delays and timeouts', async () => {
    let spilledRuns = 0; let timedOutRuns = 0;
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const d = new Dispatcher<Ev>();
      const seen: number[] = [];
      let call = 0;
      const fold = (e: Ev): void => { seen.push(e.n); };
      d.addConsumer({
        name: 'agg', policy: 'spill', maxQueueItems: sc.capacity, timeoutMs: sc.timeoutMs,
        // With concurrency > 1 calls overlap; their starts (what is logged) stay in order.
        concurrency: sc.concurrency,
        spill: fold,
        handler: (e) => {
          fold(e);
          const delay = sc.delaysMs[call++ % sc.delaysMs.length]!;
          if (delay < 0) return undefined;
          return new Promise((r) => setTimeout(r, delay));
        },
      });
      const published: number[] = [];
      let n = 0;
      for (const b of sc.bursts) {
        for (let i = 0; i < b.events; i++) { d.publish({ venue: 'v', symbol: 'S', n }); published.push(n++); }
        await vi.advanceTimersByTimeAsync(b.pauseMs);
      }
      await vi.advanceTimersByTimeAsync(80 * published.length + 1_000);
      const s = d.stats().consumers.agg!;
      expect(s.queueDepth).toBe(0);
      expect(seen).toEqual(published);
      expect(s.processed + s.timeouts + s.errors + s.spilled).toBe(published.length);
      expect(s.dropped.total).toBe(0);
      spilledRuns += s.spilled > 0 ? 1 : 0;
      timedOutRuns += s.timeouts > 0 ? 1 : 0;
      d.close();
    }), { numRuns: 60 });
    // The scenarios did exercise the paths in question.
    expect(spilledRuns).toBeGreaterThan(10);
    expect(timedOutRuns).toBeGreaterThan(5);
  });
});
