import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { EnrichmentRunner } from '../../../src/aggregate/enrich/enrichment-runner.js';
import { startFlushTimer } from '../../../src/aggregate/flush-timer.js';
import type { Snapshot1s } from '../../../src/model/aggregates.js';

describe('flush timer (the clock edge)', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('emits one snapshot per second during a quiet period and attaches fresh enrichment computed in the background', async () => {
    const out: AggregatorOutput[] = [];
    const runner = new EnrichmentRunner();
    const agg = new Aggregator({ onOutput: (o) => out.push(o), enrichment: runner, allowedLatenessMs: 200, tickCandleTicks: null, timeCandleIntervalsMs: [], enrichWindowMs: 5_000 });
    const stop = startFlushTimer(agg, { enrichment: runner, tickMs: 250, enrichWindowMs: 5_000 });
    const now = Date.now();
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: now + 100, receiveTime: now + 100, tradeId: '1', seq: 1, price: '10', size: '2', side: 'buy', source: 't' });
    await vi.advanceTimersByTimeAsync(5_000);
    stop();
    const snaps = out.filter((o): o is Snapshot1s => o.kind === 'snapshot');
    // Seconds 0..3 closed (second 4 ends at +5 s, closes at +5.2 s): one trade then three quiet ones.
    expect(snaps.map((s) => [s.startTime - now, s.empty])).toEqual([[0, false], [1_000, true], [2_000, true], [3_000, true]]);
    expect(snaps[0]!.enrichment).toBeNull(); // nothing computed before the first second closed
    expect(snaps[3]!.enrichment).toMatchObject({ buyVolume: '2', imbalance: 1 });
    const count = out.length;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(out.length).toBe(count); // stopped: no timer left behind
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not run ahead of what is still queued for the aggregator (queuedSince), and catches up once it drained', async () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 200, tickCandleTicks: null, timeCandleIntervalsMs: [] });
    const now = Date.now();
    let queued: number | undefined = now + 150; // a trade received at +150 is still waiting in the queue
    const stop = startFlushTimer(agg, { tickMs: 250, queuedSince: () => queued });
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: now + 100, receiveTime: now + 100, tradeId: '1', seq: 1, price: '10', size: '2', side: 'buy', source: 't' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(out).toEqual([]); // the clock waits at +150: no second closed
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: now + 150, receiveTime: now + 150, tradeId: '2', seq: 2, price: '11', size: '1', side: 'sell', source: 't' });
    queued = undefined; // drained
    await vi.advanceTimersByTimeAsync(250);
    stop();
    const snaps = out.filter((o): o is Snapshot1s => o.kind === 'snapshot');
    expect(snaps.map((s) => [s.startTime - now, s.tradeCount, s.revision])).toEqual([[0, 2, 0], [1_000, 0, 0], [2_000, 0, 0], [3_000, 0, 0], [4_000, 0, 0]]);
    expect(agg.stats().snapshots.late).toBe(0);
  });
});
