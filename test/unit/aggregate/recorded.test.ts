import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { byTimeKey, expectVwapClose, groupBy, refOhlcv, view } from './reference.js';
import { BINANCE_FRAMES } from '../../helpers/recorded-data.js';

const FILE = BINANCE_FRAMES;

/** Tiny local decoder for @trade frames (the venue decoders are built elsewhere). */
export function recordedTrades(): Trade[] {
  const out: Trade[] = [];
  for (const line of gunzipSync(readFileSync(FILE)).toString('utf8').split('\n')) {
    if (!line.includes('@trade')) continue;
    const sp = line.indexOf(' ');
    const frame = JSON.parse(line.slice(sp + 1)) as { data: { t: number; p: string; q: string; T: number; m: boolean; s: string } };
    const d = frame.data;
    out.push({
      type: 'trade', venue: 'binance', symbol: d.s, eventTime: d.T, receiveTime: Number(line.slice(0, sp)),
      tradeId: String(d.t), seq: d.t, price: d.p, size: d.q, side: d.m ? 'sell' : 'buy', source: 'trade',
    });
  }
  return out;
}

function compare(actual: Snapshot1s | Candle, ordered: Trade[]): void {
  const { vwap, ...rest } = view(refOhlcv(ordered));
  const { vwap: av, ...arest } = view(actual);
  expect(arest).toEqual(rest);
  expectVwapClose(av, vwap);
}

describe('aggregation of the recorded Binance BTCUSDT trades', () => {
  const trades = recordedTrades();

  it('1 s snapshots equal the naive reference for every second, with empty seconds carrying the close', () => {
    expect(trades.length).toBe(9757);
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), timeCandleIntervalsMs: [], tickCandleTicks: null, allowedLatenessMs: 1000 });
    for (const t of trades) agg.ingest(t);
    agg.flush();
    const snaps = out.filter((o): o is Snapshot1s => o.kind === 'snapshot');
    const bySec = groupBy(trades, (t) => Math.floor(t.eventTime / 1000) * 1000);
    const first = Math.min(...bySec.keys());
    const last = Math.max(...bySec.keys());
    expect(snaps).toHaveLength((last - first) / 1000 + 1);
    let close = '';
    let nonEmpty = 0;
    snaps.forEach((s, i) => {
      expect(s.startTime).toBe(first + i * 1000);
      const inSec = bySec.get(s.startTime);
      if (inSec) { nonEmpty++; compare(s, byTimeKey(inSec)); close = s.close; }
      else expect(s).toMatchObject({ empty: true, close, open: close, tradeCount: 0 });
    });
    expect(nonEmpty).toBe(bySec.size);
    expect(agg.stats().snapshots.late).toBe(0);
    expect(snaps.reduce((n, s) => n + s.tradeCount, 0)).toBe(trades.length);
  });

  it('1 s and 1 m time candles (the 1 m ones folded from closed seconds) equal the naive reference per window', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), timeCandleIntervalsMs: [1000, 60_000], tickCandleTicks: null, allowedLatenessMs: 1000 });
    for (const t of trades) agg.ingest(t);
    agg.flush();
    for (const [iv, name] of [[1000, '1s'], [60_000, '1m']] as const) {
      const ref = groupBy(trades, (t) => Math.floor(t.eventTime / iv) * iv);
      const got = out.filter((o): o is Candle => o.kind === 'candle' && o.interval === name);
      expect(got.map((c) => c.startTime)).toEqual([...ref.keys()].sort((a, b) => a - b));
      for (const c of got) compare(c, byTimeKey(ref.get(c.startTime)!));
      expect(got.reduce((n, c) => n + c.tradeCount, 0)).toBe(trades.length);
    }
  });

  it('100-tick candles equal the naive reference chunk by chunk', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), timeCandleIntervalsMs: [], tickCandleTicks: 100 });
    for (const t of trades) agg.ingest(t);
    const got = out.filter((o): o is Candle => o.kind === 'candle' && o.interval === 't100');
    expect(got).toHaveLength(Math.floor(trades.length / 100));
    got.forEach((c, i) => compare(c, trades.slice(i * 100, i * 100 + 100)));
  });
});
