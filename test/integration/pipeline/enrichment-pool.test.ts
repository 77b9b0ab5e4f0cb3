/**
 * Enrichment on the real worker pool (piscina): a calculator that burns 200 ms of CPU per symbol
 * keeps the event loop free, and its timeout, set below 200 ms, fires and aborts the task. The
 * same calculator inline blocks the loop for its whole duration (the contrast).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WorkerPool } from '../../../src/pipeline/worker-pool.js';
import { EnrichmentRunner } from '../../../src/aggregate/enrich/enrichment-runner.js';
import { computeOrderFlow, type FlowBin, type OrderFlowInput } from '../../../src/aggregate/enrich/order-flow.js';

const SLOW = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/slow-enrich.ts');

let pool: WorkerPool | null = null;
afterEach(async () => { await pool?.close(); pool = null; });

/** Three symbols, bins chosen so the expected volumes are easy to state by hand. */
function inputs(): OrderFlowInput[] {
  const bins = (buy: string, sell: string): FlowBin[] => [
    { startTime: 8_000, buyVolume: buy, sellVolume: '0', tradeCount: 3 },
    { startTime: 9_000, buyVolume: '0', sellVolume: sell, tradeCount: 1 },
    { startTime: 10_000, buyVolume: '99', sellVolume: '99', tradeCount: 9 }, // not closed at 10_000: outside
  ];
  return [
    { venue: 'x', symbol: 'A', time: 10_000, windowMs: 5_000, bins: bins('3', '1') },
    { venue: 'x', symbol: 'B', time: 10_000, windowMs: 5_000, bins: bins('0.5', '1.5') },
    { venue: 'x', symbol: 'C', time: 10_000, windowMs: 5_000, bins: bins('2.25', '0') },
  ];
}

/** Max event-loop delay (ms) while `fn` runs. */
async function maxLoopDelay(fn: () => Promise<void>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    await fn();
  } finally {
    h.disable();
  }
  return h.max / 1e6;
}

describe('enrichment on the worker pool', () => {
  it('a 200 ms-per-symbol calculator on the pool keeps loop lag low and gives the exact results; inline it blocks the loop', async () => {
    pool = new WorkerPool({ threads: 1 });
    const onPool = new EnrichmentRunner({ pool, workerFilename: SLOW, workerName: 'slowOrderFlow', timeoutMs: 5_000, now: () => 0 });
    await onPool.runOnce(inputs().slice(0, 1)); // warm: thread start and module load are not measured
    const poolLag = await maxLoopDelay(() => onPool.runOnce(inputs()));
    expect(onPool.stats()).toMatchObject({ mode: 'pool', results: 4, timeouts: 0, failures: 0 });
    // 600 ms of calculator CPU happened meanwhile; the loop never waited for it.
    expect(poolLag).toBeLessThan(100);
    expect(onPool.latest('x', 'A')).toMatchObject({ buyVolume: '3', sellVolume: '1', imbalance: 0.5, intensity: 0.8 });
    expect(onPool.latest('x', 'B')).toMatchObject({ buyVolume: '0.5', sellVolume: '1.5', imbalance: -0.5, intensity: 0.8 });
    expect(onPool.latest('x', 'C')).toMatchObject({ buyVolume: '2.25', sellVolume: '0', imbalance: 1, intensity: 0.8 });

    const burnInline = (input: OrderFlowInput) => {
      const end = Date.now() + 200;
      while (Date.now() < end) { /* the same work on the loop */ }
      return computeOrderFlow(input);
    };
    const inline = new EnrichmentRunner({ calculator: burnInline, timeoutMs: 5_000, now: () => 0 });
    const inlineLag = await maxLoopDelay(() => inline.runOnce(inputs()));
    expect(inline.stats()).toMatchObject({ mode: 'inline', results: 3 });
    expect(inlineLag).toBeGreaterThanOrEqual(190);
    // Inline runs one symbol per loop turn: the loop waited one call (~200 ms), not the whole run (~600 ms).
    expect(inlineLag).toBeLessThan(450);
  });

  it('a timeout below the 200 ms calculator fires on the pool: the task is aborted, counted, and no result replaces the last one', async () => {
    pool = new WorkerPool({ threads: 1 });
    const runner = new EnrichmentRunner({ pool, workerFilename: SLOW, workerName: 'slowOrderFlow', timeoutMs: 100, now: () => 0 });
    // First run: the thread loads the module; it gets the first-run grace and completes.
    await runner.runOnce(inputs().slice(0, 1));
    expect(runner.stats()).toMatchObject({ results: 1, timeouts: 0 });
    const completedBefore = pool.stats().completed;
    const t0 = performance.now();
    await runner.runOnce([{ ...inputs()[0]!, time: 11_000 }]);
    const tookMs = performance.now() - t0;
    expect(runner.stats()).toMatchObject({ results: 1, timeouts: 1, failures: 0, inFlight: false });
    // Killed before it could finish: aborted, never completed; the run ended at the timeout.
    expect(pool.stats().aborted).toBe(1);
    expect(pool.stats().completed).toBe(completedBefore);
    expect(tookMs).toBeLessThan(1_000);
    expect(runner.results('x', 'A').map((r) => r.time)).toEqual([10_000]);
  });
});
