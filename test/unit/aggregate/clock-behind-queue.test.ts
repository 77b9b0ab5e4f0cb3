/**
 * The wall clock must not run ahead of trades still queued for the aggregator. When the
 * aggregate consumer's queue lags, a clock that closes windows by wall time makes every queued
 * trade of those windows late (each one amending its window); with the queue's oldest receive
 * time passed in (Pipeline/Dispatcher.queuedSince), the clock waits for them: nothing is late and
 * every second is emitted once, equal to the reference.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';
import { byTimeKey, expectVwapClose, groupBy, refOhlcv, view } from './reference.js';

const T0 = 1_700_000_000_000;

function trade(eventTime: number, id: number): Trade {
  return { type: 'trade', venue: 'v', symbol: 'AAA', eventTime, receiveTime: eventTime + 3, tradeId: String(id), seq: id, price: `${100 + (id % 9)}.25`, size: '0.5', side: id % 2 === 0 ? 'buy' : 'sell', source: 'trade' };
}

/** 10 s of trades queued at once while the consumer has not run yet, a clock tick 8 s later, then the drain. */
async function lagged(withQueuedSince: boolean): Promise<{ out: Snapshot1s[]; trades: Trade[]; agg: Aggregator }> {
  const out: Snapshot1s[] = [];
  const agg = new Aggregator({ onOutput: (o: AggregatorOutput) => { if (o.kind === 'snapshot') out.push(o); }, tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: 500 });
  const dispatcher = new Dispatcher<Trade>({ defaultMaxQueueItems: 100_000 });
  dispatcher.addConsumer({ name: 'aggregate', policy: 'spill', handler: (e) => agg.ingest(e), spill: (e) => agg.ingest(e) });
  const trades: Trade[] = [];
  const first = trade(T0 + 10, 1);
  trades.push(first);
  dispatcher.publish(first);
  await new Promise((r) => setImmediate(r)); // folded: the clock now knows the venue offset
  for (let k = 1; k <= 2_000; k++) {
    const t = trade(T0 + 10 + k * 5, k + 1);
    trades.push(t);
    dispatcher.publish(t);
  }
  // The timer fires while all of it is still queued (published in one synchronous run).
  expect(dispatcher.queuedSince('aggregate')).toBe(trades[1]!.receiveTime);
  agg.onClock(T0 + 8_000, withQueuedSince ? dispatcher.queuedSince('aggregate') : undefined);
  while (dispatcher.stats().consumers.aggregate!.processed < trades.length) await new Promise((r) => setImmediate(r));
  expect(dispatcher.queuedSince('aggregate')).toBeUndefined();
  dispatcher.close();
  agg.flush();
  return { out, trades, agg };
}

describe('the clock and a lagging aggregate queue', () => {
  it('with the queue\'s oldest receive time: no trade is late, each second emitted once and equal to the reference', async () => {
    const { out, trades, agg } = await lagged(true);
    expect(agg.stats().snapshots).toMatchObject({ late: 0, amendEmissions: 0 });
    const bySec = groupBy(trades, (t) => t.eventTime - (t.eventTime % 1000));
    expect(out.map((s) => s.startTime)).toEqual([...bySec.keys()]);
    for (const s of out) {
      expect(s.revision).toBe(0);
      const { vwap, ...rest } = view(refOhlcv(byTimeKey(bySec.get(s.startTime)!)));
      const { vwap: av, ...arest } = view(s);
      expect(arest).toEqual(rest);
      expectVwapClose(av, vwap);
    }
  });

  it('without it (the old wiring) the clock closes seconds ahead of the queue: their trades come late and amend them', async () => {
    const { agg } = await lagged(false);
    expect(agg.stats().snapshots.late).toBeGreaterThan(1_000);
  });
});
