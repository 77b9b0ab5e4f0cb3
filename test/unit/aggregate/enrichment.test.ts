import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Enrichment } from '../../../src/model/aggregates.js';
import { computeOrderFlow, type FlowBin } from '../../../src/aggregate/enrich/order-flow.js';
import { EnrichmentRunner } from '../../../src/aggregate/enrich/enrichment-runner.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { decimalPlaces, fromScaled, toScaled } from '../../../src/model/decimal.js';
import { decimalArb } from './reference.js';

const input = (bins: FlowBin[], time = 10_000, windowMs = 5_000) => ({ venue: 'x', symbol: 'S', time, windowMs, bins });

describe('order-flow calculator', () => {
  it('buy/sell volume exact over the closed seconds of the window only; imbalance and intensity from them', () => {
    fc.assert(fc.property(fc.array(fc.record({ buyVolume: decimalArb, sellVolume: decimalArb, tradeCount: fc.integer({ min: 0, max: 50 }), startTime: fc.integer({ min: 3, max: 12 }).map((s) => s * 1000) })), (bins) => {
      const r = computeOrderFlow(input(bins));
      const inWin = bins.filter((b) => b.startTime >= 5_000 && b.startTime + 1000 <= 10_000);
      const sum = (pick: (b: FlowBin) => string) => {
        const qs = Math.max(0, ...inWin.map((b) => decimalPlaces(pick(b))));
        return fromScaled(inWin.reduce((a, b) => a + toScaled(pick(b), qs), 0n), qs);
      };
      expect(r.buyVolume).toBe(sum((b) => b.buyVolume));
      expect(r.sellVolume).toBe(sum((b) => b.sellVolume));
      const b = Number(r.buyVolume); const s = Number(r.sellVolume);
      expect(r.imbalance).toBeCloseTo(b + s === 0 ? 0 : (b - s) / (b + s), 9);
      expect(r.intensity).toBe(inWin.reduce((n, x) => n + x.tradeCount, 0) / 5);
    }));
  });
});

describe('enrichment runner', () => {
  it('attaches the latest result while fresh and null once it is older than freshnessMs', async () => {
    let now = 100_000;
    const runner = new EnrichmentRunner({ now: () => now, freshnessMs: 2_000 });
    await runner.runOnce([input([{ startTime: 9_000, buyVolume: '2', sellVolume: '0', tradeCount: 1 }])]);
    expect(runner.latest('x', 'S')).toMatchObject({ buyVolume: '2', imbalance: 1 });
    now += 2_000;
    expect(runner.latest('x', 'S')).not.toBeNull();
    now += 1;
    expect(runner.latest('x', 'S')).toBeNull();
  });

  it('keeps only the latest 10 results', async () => {
    const runner = new EnrichmentRunner({ now: () => 0 });
    for (let i = 0; i < 15; i++) await runner.runOnce([input([], 10_000 + i)]);
    expect(runner.results('x', 'S').map((r) => r.time)).toEqual(Array.from({ length: 10 }, (_, i) => 10_005 + i));
  });

  it('a throwing calculator is counted and snapshots still flow with enrichment null', async () => {
    const runner = new EnrichmentRunner({ calculator: () => { throw new Error('boom'); } });
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), enrichment: runner, tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: 0 });
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: 1_100, receiveTime: 1_100, tradeId: '1', seq: 1, price: '1', size: '1', side: 'buy', source: 't' });
    agg.onClock(2_000);
    await runner.runOnce(agg.enrichmentInputs(1_000));
    agg.onClock(3_000);
    expect(runner.stats()).toMatchObject({ failures: 1, results: 0 });
    expect(out).toMatchObject([{ kind: 'snapshot', startTime: 1_000, enrichment: null }, { kind: 'snapshot', startTime: 2_000, empty: true, enrichment: null }]);
  });

  it('a hung calculator never delays a snapshot: it times out, is counted, and the next run is skipped while busy', async () => {
    const runner = new EnrichmentRunner({ calculator: () => new Promise<Enrichment>(() => {}), timeoutMs: 50 });
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), enrichment: runner, tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: 0 });
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: 1_100, receiveTime: 1_100, tradeId: '1', seq: 1, price: '1', size: '1', side: 'buy', source: 't' });
    agg.onClock(2_000);
    const run = runner.runOnce(agg.enrichmentInputs(1_000));
    agg.onClock(3_000); // while the calculator hangs
    expect(out).toHaveLength(2);
    await runner.runOnce([]);
    expect(runner.stats().skippedBusy).toBe(1);
    await run;
    expect(runner.stats()).toMatchObject({ timeouts: 1, inFlight: false });
  });

  it('a fresh result is attached to the snapshot', async () => {
    const runner = new EnrichmentRunner({ now: () => 0 });
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), enrichment: runner, tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: 0 });
    const t = { type: 'trade', venue: 'x', symbol: 'S', receiveTime: 0, seq: null, price: '1', source: 't' } as const;
    agg.ingest({ ...t, eventTime: 1_100, tradeId: '1', size: '3', side: 'buy' });
    agg.ingest({ ...t, eventTime: 1_200, tradeId: '2', size: '1', side: 'sell' });
    // receiveTime 0 vs eventTime ~1_200: venue time runs 1_200 ms ahead of the wall clock.
    agg.onClock(900); // second 1 closes (venue 2_100)
    expect(out[0]).toMatchObject({ kind: 'snapshot', startTime: 1_000, enrichment: null });
    await runner.runOnce(agg.enrichmentInputs(1_000));
    agg.onClock(1_900); // quiet second 2 closes, carrying the fresh result for the window ending at 2_000
    expect(out[1]).toMatchObject({ kind: 'snapshot', startTime: 2_000, empty: true, enrichment: { time: 2_000, buyVolume: '3', sellVolume: '1', imbalance: 0.5, intensity: 2, windowMs: 1_000 } });
  });
});

describe('enrichment runner placement (inline vs pool)', () => {
  it('inline: one symbol per event-loop turn, so other work runs between calculator calls', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => { turns++; if (ticking) setImmediate(tick); };
    setImmediate(tick);
    const seenTurns: number[] = [];
    const runner = new EnrichmentRunner({ calculator: (i) => { seenTurns.push(turns); return computeOrderFlow(i); } });
    await runner.runOnce(['A', 'B', 'C', 'D'].map((symbol) => ({ ...input([]), symbol })));
    ticking = false;
    expect(runner.stats()).toMatchObject({ mode: 'inline', results: 4 });
    for (let i = 1; i < seenTurns.length; i++) expect(seenTurns[i]!).toBeGreaterThan(seenTurns[i - 1]!);
  });

  it('inline: a synchronous call longer than timeoutMs is counted as a timeout and its result discarded', async () => {
    const runner = new EnrichmentRunner({ timeoutMs: 20, calculator: (i) => { const end = performance.now() + 30; while (performance.now() < end) { /* burn */ } return computeOrderFlow(i); } });
    await runner.runOnce([input([{ startTime: 9_000, buyVolume: '1', sellVolume: '0', tradeCount: 1 }])]);
    expect(runner.stats()).toMatchObject({ timeouts: 1, results: 0 });
    expect(runner.stats().maxCallMs).toBeGreaterThanOrEqual(30);
    expect(runner.latest('x', 'S')).toBeNull();
  });

  it('pool: tasks carry an abort signal that fires at the timeout; at most poolTasksInFlight run at once; first tasks get the warm-up grace', async () => {
    let running = 0; let maxRunning = 0;
    const signals: AbortSignal[] = [];
    const delays = new Map<string, number>([['SLOW', 10_000]]);
    const pool = {
      run<I, O>(task: I, opts: { filename: string; name?: string; signal?: AbortSignal }): Promise<O> {
        const t = task as unknown as { symbol: string };
        signals.push(opts.signal!);
        running++; maxRunning = Math.max(maxRunning, running);
        return new Promise<O>((resolve, reject) => {
          const timer = setTimeout(() => { running--; resolve(computeOrderFlow(task as unknown as Parameters<typeof computeOrderFlow>[0]) as O); }, delays.get(t.symbol) ?? 5);
          opts.signal?.addEventListener('abort', () => { clearTimeout(timer); running--; reject(opts.signal!.reason); });
        });
      },
    };
    const runner = new EnrichmentRunner({ pool, timeoutMs: 50, poolTasksInFlight: 2, poolFirstRunTimeoutMs: 1_000, now: () => 0 });
    // First run: not warm yet, so SLOW gets 1 s, not 50 ms, before it is aborted.
    const t0 = Date.now();
    await runner.runOnce([{ ...input([]), symbol: 'SLOW' }]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(runner.stats()).toMatchObject({ mode: 'pool', timeouts: 1, results: 0 });
    expect(signals[0]!.aborted).toBe(true);
    await runner.runOnce(['A', 'B', 'C', 'D', 'E'].map((symbol) => ({ ...input([]), symbol })));
    expect(runner.stats()).toMatchObject({ results: 5, timeouts: 1 });
    expect(maxRunning).toBe(2);
    // Warm now: SLOW is aborted at 50 ms.
    const t1 = Date.now();
    await runner.runOnce([{ ...input([]), symbol: 'SLOW' }]);
    expect(Date.now() - t1).toBeLessThan(900);
    expect(runner.stats()).toMatchObject({ timeouts: 2, failures: 0 });
    expect(signals.at(-1)!.aborted).toBe(true);
  });
});
