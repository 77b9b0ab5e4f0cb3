/**
 * The clock hold: while integrity says a trade stream is behind, quiet seconds are not emitted
 * (so a backfill lands in its windows on time, not as late amendments); trades still close windows
 * by event time; 'whole' or a TradeGap releases; a hold that never releases expires (counted).
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot1s } from '../../../src/model/aggregates.js';
import type { StreamState, Trade, TradeGap } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { byTimeKey, groupBy, refOhlcv, view } from './reference.js';

const T0 = 1_700_000_000_000;
let nextId = 1;
function trade(symbol: string, eventTime: number, price = '10', receiveTime = eventTime + 5): Trade {
  const id = nextId++;
  return { type: 'trade', venue: 'v', symbol, eventTime, receiveTime, tradeId: String(id), seq: id, price, size: '1', side: 'buy', source: 'trade' };
}
const state = (symbol: string, s: 'behind' | 'whole'): StreamState => ({ type: 'stream_state', venue: 'v', symbol, source: 'trade', state: s, reason: s === 'behind' ? 'disconnected' : 'caught_up', eventTime: 0, receiveTime: 0 });
const gap = (symbol: string): TradeGap => ({ type: 'trade_gap', venue: 'v', symbol, source: 'trade', fromId: 1, toId: 2, reason: 'backfill_failed', detail: 'test', eventTime: 0, receiveTime: 0 });

function make(holdMaxMs = 60_000, restartHoldMaxMs = 60_000): { agg: Aggregator; snaps: (symbol: string) => Snapshot1s[] } {
  const out: AggregatorOutput[] = [];
  const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000], streamHoldMaxMs: holdMaxMs, restartHoldMaxMs });
  return { agg, snaps: (symbol) => out.filter((o): o is Snapshot1s => o.kind === 'snapshot' && o.symbol === symbol) };
}

describe('stream hold', () => {
  it('behind: the clock emits no quiet second for that symbol (others go on); whole: they are emitted, carrying the close', () => {
    const { agg, snaps } = make();
    agg.ingest(trade('AAA', T0 + 100, '11'));
    agg.ingest(trade('BBB', T0 + 100));
    agg.ingest(state('AAA', 'behind'));
    agg.onClock(T0 + 10_000);
    expect(snaps('AAA').map((s) => s.startTime)).toEqual([]);
    expect(snaps('BBB').length).toBeGreaterThanOrEqual(8);
    expect(agg.stats().held).toBe(1);
    agg.ingest(state('AAA', 'whole'));
    agg.onClock(T0 + 10_000);
    const a = snaps('AAA');
    expect(a.map((s) => s.startTime)).toEqual(Array.from({ length: 8 }, (_, i) => T0 + i * 1000));
    expect(a.slice(1).every((s) => s.empty && s.close === '11' && s.revision === 0)).toBe(true);
    expect(agg.stats().holds).toEqual({ started: 1, released: 1, expired: 0 });
  });

  it('a backfill after a 10-minute outage lands on time: no late trade, every second exact against the reference, empties only where truly quiet', () => {
    const { agg, snaps } = make(15 * 60_000);
    const live = [trade('AAA', T0 + 10, '5')];
    for (const t of live) agg.ingest(t);
    agg.ingest(state('AAA', 'behind'));
    for (let now = T0; now < T0 + 600_000; now += 250) agg.onClock(now); // outage: the clock ticks on
    // The backfill (receive time = fetch time), then live trades, in id order; seconds 20..29 s are truly quiet.
    const backfill: Trade[] = [];
    for (let t = T0 + 1_000; t < T0 + 600_000; t += 700) if (t < T0 + 20_000 || t >= T0 + 30_000) backfill.push(trade('AAA', t, String(5 + (t % 7)), T0 + 600_000));
    for (const t of backfill) { agg.ingest(t); agg.onClock(T0 + 600_000); }
    agg.ingest(state('AAA', 'whole'));
    agg.flush();
    const s = agg.stats();
    expect(s.snapshots.late).toBe(0);
    const all = [...live, ...backfill];
    const bySecond = groupBy(all, (t) => Math.floor(t.eventTime / 1000) * 1000);
    const got = snaps('AAA');
    expect(got.every((x) => x.revision === 0)).toBe(true);
    for (const x of got) {
      const inSecond = bySecond.get(x.startTime);
      if (inSecond) expect({ ...view(x as never), vwap: null }).toEqual({ ...view(refOhlcv(byTimeKey(inSecond))), vwap: null });
      else expect(x.empty).toBe(true);
    }
    const starts = got.map((x) => x.startTime);
    expect(starts).toEqual(Array.from({ length: starts.length }, (_, i) => T0 + i * 1000)); // no second missing
    expect(starts.length).toBeGreaterThanOrEqual(599);
  });

  it('a declared TradeGap releases the hold: the hole gets no invented empty seconds, the next trade follows it; a hold never released expires after streamHoldMaxMs (counted)', () => {
    const { agg, snaps } = make(5_000);
    agg.ingest(trade('AAA', T0 + 100, '3'));
    agg.ingest(trade('BBB', T0 + 100));
    agg.ingest(state('AAA', 'behind'));
    agg.ingest(state('BBB', 'behind'));
    agg.onClock(T0 + 3_000);
    expect(snaps('AAA').length + snaps('BBB').length).toBe(0);
    agg.ingest(gap('AAA'));
    agg.onClock(T0 + 4_000);
    expect(snaps('AAA')).toEqual([]); // the hole's seconds are unknown: the clock waits for the next trade
    agg.ingest(trade('AAA', T0 + 10_500, '4'));
    agg.onClock(T0 + 12_005);
    expect(snaps('AAA').map((s) => [s.startTime - T0, s.empty, s.close])).toEqual([[0, false, '3'], [10_000, false, '4']]);
    agg.onClock(T0 + 13_005);
    expect(snaps('AAA').at(-1)).toMatchObject({ startTime: T0 + 11_000, empty: true, close: '4' }); // quiet after the hole: empty again
    // BBB's hold (first seen by the clock at +3 s) expired at the +12 s tick: its quiet seconds 0..11 are out.
    expect(snaps('BBB').length).toBe(12);
    expect(agg.stats().holds).toEqual({ started: 3, released: 2, expired: 1 });
  });

  it('trades of a behind stream still close their windows by event time', () => {
    const { agg, snaps } = make();
    agg.ingest(state('AAA', 'behind'));
    agg.ingest(trade('AAA', T0 + 100));
    agg.ingest(trade('AAA', T0 + 5_100));
    agg.onClock(T0 + 60_000);
    expect(snaps('AAA').map((s) => [s.startTime - T0, s.empty])).toEqual([[0, false], [1000, true], [2000, true], [3000, true]]);
  });

  it('restart: a seeded symbol gets no empty seconds from the clock until its first new trade, then the quiet ones in between, carrying the stored close', () => {
    const { agg, snaps } = make();
    const stored: Snapshot1s = {
      kind: 'snapshot', venue: 'v', symbol: 'AAA', startTime: T0, empty: false, enrichment: null, open: '10', high: '12', low: '9.5', close: '11.25',
      volume: '3', notional: '33.75', vwap: 11.25, tradeCount: 3, buyVolume: '3', sellVolume: '0', firstTradeId: '100', lastTradeId: '102', revision: 0,
    };
    const resume = agg.seed({ venue: 'v', symbol: 'AAA', seconds: [stored], lastNonEmpty: stored, firstNonEmpty: stored, timeCandles: [], tickCandles: [] });
    expect(resume).toBe(102);
    agg.onClock(T0 + 30_000);
    expect(snaps('AAA')).toEqual([]);
    // The backfill: an already covered trade (skipped), a trade of the stored second (amends it), a later one.
    const mk = (id: number, t: number, price: string): Trade => ({ type: 'trade', venue: 'v', symbol: 'AAA', eventTime: t, receiveTime: T0 + 30_000, tradeId: String(id), seq: id, price, size: '1', side: 'sell', source: 'trade' });
    agg.ingest(mk(102, T0 + 900, '11.25'));
    agg.ingest(mk(103, T0 + 950, '8'));
    agg.ingest(mk(104, T0 + 4_500, '13'));
    agg.flush();
    const got = snaps('AAA');
    expect(got.map((s) => [s.startTime - T0, s.revision, s.empty, s.close, s.tradeCount])).toEqual([
      [0, 1, false, '8', 4], [1000, 0, true, '8', 0], [2000, 0, true, '8', 0], [3000, 0, true, '8', 0], [4000, 0, false, '13', 1],
    ]);
    expect(got[0]).toMatchObject({ open: '10', high: '12', low: '8', volume: '4', notional: '41.75', sellVolume: '1', firstTradeId: '100', lastTradeId: '103' });
    expect(agg.stats().resumeSkipped.time).toBe(1);
  });

  it('a symbol quiet after a restart gets its empty seconds once restartHoldMaxMs passed without a trade (counted as expired)', () => {
    const { agg, snaps } = make(15 * 60_000, 10_000);
    const stored: Snapshot1s = {
      kind: 'snapshot', venue: 'v', symbol: 'QQQ', startTime: T0, empty: false, enrichment: null, open: '1', high: '1', low: '1', close: '1',
      volume: '1', notional: '1', vwap: 1, tradeCount: 1, buyVolume: '1', sellVolume: '0', firstTradeId: '7', lastTradeId: '7', revision: 0,
    };
    expect(agg.seed({ venue: 'v', symbol: 'QQQ', seconds: [stored], lastNonEmpty: stored, firstNonEmpty: stored, timeCandles: [], tickCandles: [] })).toBe(7);
    agg.onClock(T0 + 5_000);
    agg.onClock(T0 + 14_000);
    expect(snaps('QQQ')).toEqual([]);
    agg.onClock(T0 + 15_000);
    expect(snaps('QQQ').map((s) => [s.startTime - T0, s.empty, s.close])).toEqual(Array.from({ length: 13 }, (_, i) => [(i + 1) * 1000, true, '1']));
    expect(agg.stats().holds.expired).toBe(1);
  });
});
