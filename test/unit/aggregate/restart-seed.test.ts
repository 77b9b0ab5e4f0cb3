/**
 * Restarts of the aggregator: a run cut by a graceful stop (flush) or a kill (only a prefix of
 * its outputs stored), then a new Aggregator seeded from the store the way src/gateway/resume.ts
 * reads it, fed the stream from the id it asks for. The store must end equal, row for row, to
 * an uninterrupted run, and to the naive reference; revisions never go backwards.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOptions, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import type { AggregateSeed } from '../../../src/aggregate/resume-seed.js';
import { byTimeKey, expectVwapClose, groupBy, refOhlcv, tradesArb, view } from './reference.js';

type Row = Snapshot1s | Candle;
const TICKS = 5;
const INTERVALS = [1000, 5000, 60_000];
const OPTS: Partial<AggregatorOptions> = { tickCandleTicks: TICKS, timeCandleIntervalsMs: INTERVALS, allowedLatenessMs: 1000, volumeBarSize: '150000.5' };

function key(r: Row): string {
  if (r.kind === 'snapshot') return `s|${r.symbol}|${r.startTime}`;
  return r.candleType === 'time' ? `c|${r.symbol}|${r.interval}|${r.startTime}` : `k|${r.symbol}|${r.interval}|${r.firstTradeId}`;
}

/** A SQL sink's upsert: a row replaces the stored one when its revision is >= (so, in order). */
class Store {
  readonly rows = new Map<string, Row>();
  /** Every write whose revision was below the stored one (must never happen across a restart). */
  readonly backwards: string[] = [];
  put(r: Row): void {
    const k = key(r);
    const prev = this.rows.get(k);
    if (prev && r.revision < prev.revision) { this.backwards.push(k); return; }
    this.rows.set(k, r);
  }

  /** What resume.ts reads per symbol (indexed newest-first queries). */
  seed(venue: string, symbol: string): AggregateSeed {
    const all = [...this.rows.values()].filter((r) => r.symbol === symbol);
    const snaps = all.filter((r): r is Snapshot1s => r.kind === 'snapshot').sort((a, b) => a.startTime - b.startTime);
    const last = snaps[snaps.length - 1];
    const longest = Math.max(...INTERVALS);
    const from = last ? last.startTime - (last.startTime % longest) : 0;
    const seconds = snaps.filter((s) => s.startTime >= from);
    const nonEmpty = snaps.filter((s) => !s.empty);
    const starts = new Set(INTERVALS.map((ms) => (last ? last.startTime - (last.startTime % ms) : 0)));
    const timeCandles = all.filter((r): r is Candle => r.kind === 'candle' && r.candleType === 'time' && starts.has(r.startTime));
    const newestOf = (type: 'tick' | 'volume'): Candle[] => all.filter((r): r is Candle => r.kind === 'candle' && r.candleType === type)
      .sort((a, b) => Number(a.firstTradeId) - Number(b.firstTradeId)).slice(-1);
    return { venue, symbol, seconds, lastNonEmpty: nonEmpty[nonEmpty.length - 1] ?? null, firstNonEmpty: nonEmpty[0] ?? null, timeCandles, tickCandles: [...newestOf('tick'), ...newestOf('volume')] };
  }
}

function process(): { out: Row[]; agg: Aggregator } {
  const out: Row[] = [];
  return { out, agg: new Aggregator({ ...OPTS, onOutput: (x: AggregatorOutput) => { if (x.kind !== 'trade') out.push(x); } }) };
}

/** Drives one aggregator over trades like the gateway: a clock tick at each trade's receive time. */
function feed(agg: Aggregator, trades: readonly Trade[]): void {
  for (const t of trades) {
    agg.onClock(t.receiveTime);
    agg.ingest(t);
  }
}

function uninterrupted(trades: readonly Trade[]): Store {
  const o = process();
  const agg = o.agg;
  feed(agg, trades);
  agg.flush();
  const store = new Store();
  for (const r of o.out) store.put(r);
  return store;
}

interface Cut { at: number; graceful: boolean; storedFraction: number }

/** Runs the stream through a sequence of processes cut at `cuts`; returns the final store. */
let seededProcesses = 0;
let volumeRuns = 0;

function restarted(trades: readonly Trade[], cuts: readonly Cut[]): { store: Store; resumes: (number | null)[] } {
  const store = new Store();
  const resumes: (number | null)[] = [];
  let next = 0; // index of the first trade the current process receives
  const bounds = [...cuts].sort((a, b) => a.at - b.at);
  for (let p = 0; p <= bounds.length; p++) {
    const o = process();
    const agg = o.agg;
    if (p > 0) {
      // Seed every symbol; the stream restarts at the earliest trade some symbol still needs (a
      // symbol with nothing stored needs all of its trades: there is no resume point to skip by).
      let from = next;
      for (const symbol of ['AAA', 'BBB']) {
        const r = agg.seed(store.seed('v', symbol));
        resumes.push(r);
        if (r !== null) seededProcesses++;
        // Integrity's marker once the resumed stream is known whole (here: the whole stream is at hand).
        agg.ingest({ type: 'stream_state', venue: 'v', symbol, source: 'trade', state: 'whole', reason: 'caught_up', eventTime: 0, receiveTime: 0 });
        const idx = trades.findIndex((t) => t.symbol === symbol && (r === null || t.seq! > r));
        if (idx >= 0 && idx < from) from = idx;
      }
      next = from;
    }
    const cut = bounds[p];
    const end = cut ? Math.max(next, cut.at) : trades.length;
    // Symbols resumed further back get their own older trades; the others start from `next` (dropping nothing:
    // a trade of a symbol already past is skipped by id).
    feed(agg, trades.slice(next, end));
    if (cut && cut.graceful) agg.flush();
    if (!cut) agg.flush();
    const keep = cut && !cut.graceful ? Math.floor(o.out.length * cut.storedFraction) : o.out.length;
    for (const r of o.out.slice(0, keep)) store.put(r);
    next = end;
  }
  return { store, resumes };
}

function strip(r: Row): Omit<Row, 'revision' | 'vwap' | 'enrichment'> {
  const { revision: _r, vwap: _v, ...rest } = r as Row & { enrichment?: unknown };
  delete (rest as { enrichment?: unknown }).enrichment;
  return rest;
}

const cutArb = (n: number) => fc.record({ at: fc.nat({ max: Math.max(0, n - 1) }), graceful: fc.boolean(), storedFraction: fc.double({ min: 0, max: 1, noNaN: true }) });

describe('aggregator restarts: seeded from storage, the store equals an uninterrupted run', () => {
  it('property: 1-3 restarts (graceful or kill with a stored prefix): every snapshot, time candle, tick candle and volume bar equal, no revision backwards', () => {
    fc.assert(fc.property(
      tradesArb({ maxStepMs: 1500, maxJitterBackMs: 0, maxLen: 90 }).chain((trades) => fc.tuple(fc.constant(trades), fc.array(cutArb(trades.length), { minLength: 1, maxLength: 3 }))),
      ([trades, cuts]) => {
        const want = uninterrupted(trades);
        const { store } = restarted(trades, cuts);
        expect(store.backwards).toEqual([]);
        const got = new Map([...store.rows].map(([k, r]) => [k, strip(r)]));
        const exp = new Map([...want.rows].map(([k, r]) => [k, strip(r)]));
        expect([...exp.keys()].filter((k) => !got.has(k)), 'rows missing').toEqual([]);
        expect([...got.keys()].filter((k) => !exp.has(k)), 'rows extra').toEqual([]);
        expect(got).toEqual(exp);
        if ([...want.rows.values()].some((r) => r.kind === 'candle' && r.candleType === 'volume')) volumeRuns++;
      },
    ), { numRuns: 300 });
    expect(seededProcesses).toBeGreaterThan(100); // not vacuous: most restarts resumed from storage
    expect(volumeRuns).toBeGreaterThan(100); // and volume bars were compared
  });

  it('the stored rows equal the naive reference: seconds, 1 m candles and 5-tick candles', () => {
    fc.assert(fc.property(
      tradesArb({ maxStepMs: 1500, maxJitterBackMs: 0, maxLen: 90 }).chain((trades) => fc.tuple(fc.constant(trades), fc.array(cutArb(trades.length), { minLength: 3, maxLength: 3 }))),
      ([trades, cuts]) => {
        const { store } = restarted(trades, cuts);
        for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
          for (const [start, inSecond] of groupBy(list, (t) => Math.floor(t.eventTime / 1000) * 1000)) {
            const row = store.rows.get(`s|${symbol}|${start}`)!;
            const ref = view(refOhlcv(byTimeKey(inSecond)));
            expect({ ...view(row as never), vwap: null }).toEqual({ ...ref, vwap: null });
            expectVwapClose(row.vwap, ref.vwap);
          }
          for (const [start, inMinute] of groupBy(list, (t) => Math.floor(t.eventTime / 60_000) * 60_000)) {
            const row = store.rows.get(`c|${symbol}|1m|${start}`)!;
            expect({ ...view(row as never), vwap: null }).toEqual({ ...view(refOhlcv(byTimeKey(inMinute))), vwap: null });
          }
          for (let i = 0; i + TICKS <= list.length; i += TICKS) {
            const chunk = list.slice(i, i + TICKS);
            const row = store.rows.get(`k|${symbol}|t${TICKS}|${chunk[0]!.tradeId}`)!;
            expect({ ...view(row as never), vwap: null }).toEqual({ ...view(refOhlcv(chunk)), vwap: null });
          }
          // Every second from the first to the last has a row: quiet ones carry the last close.
          const seconds = [...store.rows.values()].filter((r) => r.kind === 'snapshot' && r.symbol === symbol).map((r) => r.startTime).sort((a, b) => a - b);
          for (let t = seconds[0]!, i = 0; t <= seconds[seconds.length - 1]!; t += 1000, i++) expect(seconds[i]).toBe(t);
        }
      },
    ), { numRuns: 200 });
  });
});
