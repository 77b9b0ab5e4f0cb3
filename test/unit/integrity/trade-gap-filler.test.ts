import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TradeGapFiller, type FetchTrades, type FillerEvent, type TradePage } from '../../../src/integrity/trade-gap-filler.js';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import type { IntegrityTimers } from '../../../src/integrity/timers.js';
import { tradeRangePages } from '../../../src/venues/binance/trade-pages.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';

const trade = (id: number, source = 'aggTrade'): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_000 + id, receiveTime: 2_000 + id, tradeId: String(id), seq: id,
  price: `${100 + (id % 13)}.${id % 10}0`, size: `0.${id % 97}`, side: id % 2 === 0 ? 'buy' : 'sell', source,
});

/** Retries run on the next macrotask instead of after a real delay. */
const immediateTimers: IntegrityTimers = { setTimeout: (fn) => setImmediate(fn), clearTimeout: (h) => clearImmediate(h as NodeJS.Immediate) };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One page holding `rows` (in whatever order given). */
async function* onePage(rows: readonly Trade[]): AsyncGenerator<TradePage> {
  await tick();
  yield { trades: rows };
}

/** Compact labels of what the filler emitted, in order: ids, markers, declared holes. */
const label = (e: FillerEvent | MarketEvent): string | number =>
  e.type === 'trade' ? e.seq! : e.type === 'stream_state' ? `${e.state}:${e.reason}` : e.type === 'trade_gap' ? `gap ${e.fromId}..${e.toId ?? 'next'} ${e.reason}` : e.type;
const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * A venue with contiguous trade ids [first(), newest()] served through the real paging code
 * (tradeRangePages): pages of `pageLimit`, `prefetch` requests in flight, each answer after
 * `gate()` resolves. Records every request and the most requests in flight at once.
 */
function fakeVenue(o: { first?: () => number; newest: () => number; pageLimit?: number; prefetch?: number; gate?: () => Promise<void>; failWhen?: (call: number) => boolean }) {
  const st = { calls: [] as [number, number][], inFlight: 0, maxInFlight: 0, ranges: [] as [number, number | null][] };
  const fetchPage = async (id: number, limit: number): Promise<Trade[]> => {
    st.inFlight++;
    st.maxInFlight = Math.max(st.maxInFlight, st.inFlight);
    st.calls.push([id, limit]);
    try {
      await (o.gate?.() ?? tick());
      if (o.failWhen?.(st.calls.length)) throw new Error('HTTP 503');
      const rows: Trade[] = [];
      for (let k = Math.max(id, o.first?.() ?? 1); k <= o.newest() && rows.length < limit; k++) rows.push(trade(k, 'backfill'));
      return rows;
    } finally {
      st.inFlight--;
    }
  };
  const fetchTrades: FetchTrades = (_s, from, to) => {
    st.ranges.push([from, to]);
    return tradeRangePages({ fromId: from, toId: to, pageLimit: o.pageLimit ?? 1_000, prefetchPages: o.prefetch ?? 2, fetchPage });
  };
  return { fetchTrades, st };
}

/** A gate the test opens one answer at a time. */
function stepper() {
  const pending: (() => void)[] = [];
  let open = false;
  return {
    gate: () => (open ? tick() : new Promise<void>((r) => pending.push(r))),
    waiting: () => pending.length,
    release: async (n = 1) => { for (let i = 0; i < n; i++) pending.shift()?.(); await tick(); await tick(); },
    openAll: () => { open = true; for (const r of pending.splice(0)) r(); },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

type Op = { kind: 'advance'; n: number; drop: boolean; dup: boolean; late: boolean } | { kind: 'reconnect' } | { kind: 'disconnect' } | { kind: 'yield' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), n: fc.integer({ min: 1, max: 40 }), drop: fc.boolean(), dup: fc.boolean(), late: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'disconnect' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'yield' as const }) },
);

describe('trade backfill (property)', () => {
  it('any interleaving of gaps, duplicates, late re-deliveries, disconnects, reconnects, partial and failing fetches ends in the same trade sequence with paired markers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 60 }), async (ops, faults, pageCap, maxBuffered) => {
        let published = 0; // newest id the venue has
        let fetchNo = 0;
        let failuresInARow = 0;
        const fetchTrades: FetchTrades = async function* (_symbol, from, to) {
          const fault = faults[fetchNo++ % faults.length]!;
          await tick();
          // Transient failures (never more than 3 in a row: the venue comes back).
          if (fault === 0 && failuresInARow < 3) {
            failuresInARow++;
            throw new Error('HTTP 503');
          }
          failuresInARow = 0;
          // Pages of at most 7 rows, each in reverse order, up to pageCap rows per range.
          const end = Math.min(to ?? published, published, from + pageCap - 1);
          for (let start = from; start <= end; start += 7) {
            const rows: Trade[] = [];
            for (let id = Math.min(end, start + 6); id >= start; id--) rows.push({ ...trade(id), source: 'backfill' });
            yield { trades: rows };
            await tick();
          }
        };
        const out: Trade[] = [];
        const markers: string[] = [];
        const fi = new FeedIntegrity({
          venue: 'binance', fetchTrades, timers: immediateTimers, maxFetchAttempts: 1_000, maxBufferedTrades: maxBuffered,
          onEvent: (e: MarketEvent) => {
            if (e.type === 'trade') out.push(e);
            else if (e.type === 'stream_state') markers.push(e.state);
            else throw new Error(`unexpected ${e.type}`);
          },
        });
        const live = (id: number): void => fi.push(trade(id));
        published = 1;
        live(1);
        const lateQueue: number[] = [];
        for (const op of ops) {
          if (op.kind === 'reconnect') fi.onReconnect('BTCUSDT');
          else if (op.kind === 'disconnect') fi.onDisconnect('btcusdt@aggTrade');
          else if (op.kind === 'yield') await tick();
          else {
            for (let k = 0; k < op.n; k++) {
              const id = ++published;
              if (op.drop && k % 3 === 0) {
                if (op.late) lateQueue.push(id);
                continue;
              }
              live(id);
              if (op.dup) live(id);
            }
            // Late deliveries of dropped ids arrive after later ones (out of order).
            for (const id of lateQueue.splice(0)) live(id);
          }
        }
        fi.onReconnect('BTCUSDT'); // a disconnect left open ends with its reconnect
        live(++published); // the tail: the final live trade reveals any trailing gap
        await fi.idle();
        expect(out.map((t) => t.seq)).toEqual(ids(1, published));
        const s = fi.stats();
        expect(s).toMatchObject({ gapsUnfilled: 0, bufferedTrades: 0, streamsBehind: 0, backfillsInProgress: 0 });
        expect(s.peakBufferedTrades).toBeLessThanOrEqual(maxBuffered);
        // Markers alternate behind/whole, one 'behind' per episode, and end whole.
        expect(markers).toEqual(markers.map((_, i) => (i % 2 === 0 ? 'behind' : 'whole')));
        expect(markers.length % 2).toBe(0);
        // What came from REST is exactly what the live stream never delivered in time.
        expect(out.filter((t) => t.source === 'backfill').length).toBe(s.tradesBackfilled);
        fi.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('TradeGapFiller', () => {
  it('fetches exactly the missing ids of a gap and releases buffered live trades in order, bracketed by behind/whole', async () => {
    const calls: [number, number | null][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({
      symbol: 'BTCUSDT', source: 'aggTrade', emit: (e) => out.push(e),
      fetchTrades: async function* (_s, from, to) { calls.push([from, to]); await gate; yield { trades: [trade(4), trade(3)] }; },
    });
    for (const id of [1, 2, 5, 6, 6, 7]) f.push(trade(id));
    expect(out.map(label)).toEqual([1, 2, 'behind:gap']);
    expect(f.stats()).toMatchObject({ buffered: 3, backfilling: 1, behind: 1, idsRemaining: 5 });
    release();
    await f.idle();
    expect(calls).toEqual([[3, 4]]);
    expect(out.map(label)).toEqual([1, 2, 'behind:gap', 3, 4, 5, 6, 7, 'whole:caught_up']);
    expect(f.stats()).toMatchObject({ gapsDetected: 1, gapsFilled: 1, tradesBackfilled: 2, duplicatesDropped: 1, buffered: 0, backfilling: 0, behind: 0, behindEpisodes: 1 });
  });

  it('delivers each page as it lands, in id order merged with live trades, before the next page is answered', async () => {
    const step = stepper();
    let newest = 10;
    const v = fakeVenue({ newest: () => newest, pageLimit: 1_000, prefetch: 2, gate: step.gate });
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', emit: (e) => out.push(e), fetchTrades: v.fetchTrades, timers: immediateTimers });
    f.push(trade(10));
    newest = 3_500;
    f.push(trade(3_500)); // gap 11..3499: four pages, two in flight
    expect(v.st.calls).toEqual([[11, 1_000], [1_011, 1_000]]);
    await step.release();
    expect(out.map(label)).toEqual([10, 'behind:gap', ...ids(11, 1_010)]);
    expect(v.st.calls).toEqual([[11, 1_000], [1_011, 1_000], [2_011, 1_000]]);
    // Live trades arriving meanwhile wait in the buffer, and are released in order after the backfill.
    for (const id of [3_501, 3_502]) f.push(trade(id));
    await step.release();
    expect(out.length).toBe(2 + 2_000);
    step.openAll();
    await f.idle();
    expect(out.map(label)).toEqual([10, 'behind:gap', ...ids(11, 3_502), 'whole:caught_up']);
    expect(v.st.calls).toEqual([[11, 1_000], [1_011, 1_000], [2_011, 1_000], [3_011, 489]]);
    expect(v.st.maxInFlight).toBe(2);
    // Live copies win over fetched ones: 3500.. came live.
    expect(out.filter((e): e is Trade => e.type === 'trade' && e.source === 'backfill').map((t) => t.seq)).toEqual(ids(11, 3_499));
  });

  it('after a reconnect fetches from the last delivered id with an open end, behind once until caught up', async () => {
    const calls: [number, number | null][] = [];
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', emit: (e) => out.push(e), fetchTrades: (_s, from, to) => { calls.push([from, to]); return onePage([trade(11), trade(12)]); } });
    f.push(trade(10));
    f.onDisconnect();
    f.onDisconnect();
    f.onReconnect();
    f.push(trade(12));
    f.push(trade(13));
    await f.idle();
    expect(calls).toEqual([[11, null]]);
    expect(out.map(label)).toEqual([10, 'behind:disconnected', 11, 12, 13, 'whole:caught_up']);
    expect(f.stats()).toMatchObject({ reconnectBackfills: 1, behindEpisodes: 1 });
  });

  it('a quiet stream reconnected: the open range ends at the venue newest, then whole', async () => {
    const v = fakeVenue({ newest: () => 2_600 });
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', emit: (e) => out.push(e), fetchTrades: v.fetchTrades, timers: immediateTimers });
    f.push(trade(100));
    f.onDisconnect();
    f.onReconnect();
    await f.idle();
    expect(out.map(label)).toEqual([100, 'behind:disconnected', ...ids(101, 2_600), 'whole:caught_up']);
    // One request until a full page shows there is more, then the prefetch (its last request,
    // 3101, is the one page too many an open range can cost).
    expect(v.st.calls).toEqual([[101, 1_000], [1_101, 1_000], [2_101, 1_000], [3_101, 1_000]]);
  });

  it('a disconnect while nothing was delivered yet, or without a reconnect, emits no whole', async () => {
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', emit: (e) => out.push(e), fetchTrades: () => onePage([]) });
    f.onDisconnect();
    expect(out).toEqual([]);
    f.push(trade(1));
    f.onDisconnect();
    await tick();
    expect(out.map(label)).toEqual([1, 'behind:disconnected']);
    expect(f.stats()).toMatchObject({ behind: 1, backfilling: 0 });
  });

  it('bounds the live buffer during a backfill; overflowed trades are refetched by continuing to the newest live id', async () => {
    const out: FillerEvent[] = [];
    const calls: [number, number | null][] = [];
    let gate!: () => void;
    const first = new Promise<void>((r) => (gate = r));
    const f = new TradeGapFiller({
      symbol: 'X', source: 'aggTrade', maxBuffered: 3, emit: (e) => out.push(e), timers: immediateTimers,
      fetchTrades: async function* (_s, from, to) { calls.push([from, to]); if (calls.length === 1) await first; const r: Trade[] = []; for (let i = from; i <= (to ?? 20); i++) r.push(trade(i, 'backfill')); yield { trades: r }; },
    });
    f.push(trade(1));
    for (const id of [5, 6, 7, 8, 9, 10]) f.push(trade(id));
    expect(f.stats()).toMatchObject({ buffered: 3, overflowDropped: 3, peakBuffered: 3, idsRemaining: 9 });
    gate();
    await f.idle();
    // No later live trade needed to reveal the dropped ones.
    expect(out.map(label)).toEqual([1, 'behind:gap', ...ids(2, 10), 'whole:caught_up']);
    expect(calls).toEqual([[2, 4], [8, 10]]);
    expect(f.stats()).toMatchObject({ gapsFilled: 1, gapsUnfilled: 0, buffered: 0, peakBuffered: 3 });
  });

  it('memory stays bounded over a 50,000-trade backfill while live trades keep coming', async () => {
    let newest = 1;
    const v = fakeVenue({ newest: () => newest, pageLimit: 1_000, prefetch: 3 });
    const out: number[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', maxBuffered: 500, emit: (e) => { if (e.type === 'trade') out.push(e.seq!); }, fetchTrades: v.fetchTrades, timers: immediateTimers });
    f.push(trade(1));
    newest = 50_000;
    f.push(trade(50_000));
    // 2,000 more live trades arrive during the backfill (1,500 of them overflow the buffer).
    for (let k = 0; k < 40; k++) {
      await tick();
      for (let j = 0; j < 50; j++) f.push(trade(++newest));
    }
    await f.idle();
    expect(out).toEqual(ids(1, newest));
    const s = f.stats();
    expect(s.peakBuffered).toBeLessThanOrEqual(500);
    expect(v.st.maxInFlight).toBeLessThanOrEqual(3);
    expect(s.overflowDropped).toBeGreaterThan(0);
    expect(s).toMatchObject({ gapsUnfilled: 0, buffered: 0, behind: 0 });
  });

  it('a restart resumes from the stored id: behind(resume), the missed trades, the live one, whole', async () => {
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'BTCUSDT', source: 'trade', fetchTrades: (_s, from, to) => onePage(ids(from, to!).map((i) => trade(i, 'trade'))), emit: (e) => out.push(e), timers: immediateTimers, resumeAfterId: 100 });
    f.push(trade(106, 'trade'));
    f.push(trade(107, 'trade'));
    await f.idle();
    expect(out.map(label)).toEqual(['behind:resume', 101, 102, 103, 104, 105, 106, 107, 'whole:caught_up']);
  });
});

describe('a consumer that throws during a backfill', () => {
  it('is counted as a failed fetch: the rest of the range is fetched again, nothing doubled, no unhandled rejection', async () => {
    const got: number[] = [];
    let thrown = false;
    const f = new TradeGapFiller({
      symbol: 'X', source: 'trade', timers: immediateTimers, fetchTrades: (_s, from, to) => onePage(ids(from, to!).map((i) => trade(i, 'backfill'))),
      emit: (e) => {
        if (e.type !== 'trade') return;
        if (e.seq === 3 && !thrown) { thrown = true; throw new Error('consumer bug'); }
        got.push(e.seq!);
      },
    });
    f.push(trade(1));
    f.push(trade(6));
    await f.idle();
    f.push(trade(7));
    await f.idle();
    expect(got).toEqual([1, 2, 4, 5, 6, 7]); // 3 went to the consumer that threw
    expect(f.stats()).toMatchObject({ fetchFailures: 1, fetches: 2, internalErrors: 0, behind: 0, buffered: 0, backfilling: 0 });
  });
});

describe('a consumer that throws on a marker', () => {
  it('ends the episode (counted, no unhandled rejection); the next live trade declares the hole again and goes on', async () => {
    const out: FillerEvent[] = [];
    let throws = 1;
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', emit: (e) => { if (e.type === 'trade_gap' && throws-- > 0) throw new Error('sink bug'); out.push(e); } });
    f.push(trade(1));
    f.push(trade(4));
    await tick();
    expect(f.stats()).toMatchObject({ internalErrors: 1, backfilling: 0, buffered: 0 });
    f.push(trade(5));
    expect(out.map(label)).toEqual([1, 'behind:gap', 'gap 2..4 no_fetcher', 5, 'whole:declared_gap']);
  });
});

describe('declared holes (TradeGap in order, alert, stream goes on)', () => {
  it('max_resume_exceeded: a hole larger than maxResumeTrades is declared before the first live trade, never fetched', async () => {
    const out: FillerEvent[] = [];
    const declared: string[] = [];
    const fetchTrades = vi.fn<FetchTrades>(() => onePage([]));
    const f = new TradeGapFiller({
      symbol: 'BTCUSDT', source: 'trade', venue: 'binance', fetchTrades, emit: (e) => out.push(e), timers: immediateTimers,
      resumeAfterId: 100, maxResumeTrades: 3, onDeclared: (g) => declared.push(g.reason),
    });
    f.push(trade(110, 'trade'));
    f.push(trade(111, 'trade'));
    await f.idle();
    expect(out.map(label)).toEqual(['gap 101..109 max_resume_exceeded', 110, 111]);
    expect(out[0]).toMatchObject({ type: 'trade_gap', venue: 'binance', symbol: 'BTCUSDT', source: 'trade', fromId: 101, toId: 109, eventTime: trade(110).eventTime });
    expect(declared).toEqual(['max_resume_exceeded']);
    expect(fetchTrades).not.toHaveBeenCalled();
    expect(f.stats()).toMatchObject({ gapsUnfilled: 1, idsDeclaredMissing: 9 });
  });

  it('history_window_exceeded: ids older than the venue keeps are declared with the exact range, then the rest is delivered', async () => {
    const v = fakeVenue({ first: () => 2_500, newest: () => 4_000, pageLimit: 1_000, prefetch: 2 });
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', emit: (e) => out.push(e), fetchTrades: v.fetchTrades, timers: immediateTimers });
    f.push(trade(100));
    f.push(trade(4_001));
    await f.idle();
    expect(out.map(label)).toEqual([100, 'behind:gap', 'gap 101..2499 history_window_exceeded', ...ids(2_500, 4_001), 'whole:declared_gap']);
    expect(out[2]).toMatchObject({ eventTime: trade(2_500).eventTime });
    // The misaligned prefetch (asked from 1101) is dropped; paging realigns on the venue's answer.
    expect(v.st.calls).toEqual([[101, 1_000], [1_101, 1_000], [3_500, 501]]);
    expect(f.stats()).toMatchObject({ gapsUnfilled: 1, idsDeclaredMissing: 2_399, gapsFilled: 0 });
  });

  it('history_window_exceeded: a range entirely older than the venue history is declared whole', async () => {
    const v = fakeVenue({ first: () => 9_000, newest: () => 9_500 });
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', emit: (e) => out.push(e), fetchTrades: v.fetchTrades, timers: immediateTimers });
    f.push(trade(10));
    f.push(trade(50));
    await f.idle();
    expect(out.map(label)).toEqual([10, 'behind:gap', 'gap 11..49 history_window_exceeded', 50, 'whole:declared_gap']);
  });

  it('backfill_failed: after maxAttempts without progress the hole is declared, buffered trades follow, no timer left', async () => {
    vi.useFakeTimers();
    const out: FillerEvent[] = [];
    const errors: string[] = [];
    const f = new TradeGapFiller({
      symbol: 'X', source: 'aggTrade', retryDelayMs: 1_000, maxAttempts: 3, emit: (e) => out.push(e), onDeclared: (_g, err) => errors.push((err as Error).message),
      fetchTrades: async function* () { throw new Error('down'); },
    });
    f.push(trade(1));
    f.push(trade(5));
    f.push(trade(6));
    await vi.advanceTimersByTimeAsync(999);
    expect(f.stats().fetches).toBe(1);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(f.stats()).toMatchObject({ fetches: 3, fetchFailures: 3, gapsUnfilled: 1, buffered: 0, behind: 0 });
    expect(out.map(label)).toEqual([1, 'behind:gap', 'gap 2..4 backfill_failed', 5, 6, 'whole:declared_gap']);
    expect(errors).toEqual(['down']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('backfill_failed after a reconnect with nothing known newer: open-ended hole, the next live trade continues the stream', async () => {
    vi.useFakeTimers();
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'trade', retryDelayMs: 100, maxAttempts: 2, emit: (e) => out.push(e), fetchTrades: async function* () { throw new Error('HTTP 503'); } });
    f.push(trade(7));
    f.onDisconnect();
    f.onReconnect();
    await vi.advanceTimersByTimeAsync(200);
    f.push(trade(20));
    f.push(trade(21));
    expect(out.map(label)).toEqual([7, 'behind:disconnected', 'gap 8..next backfill_failed', 'whole:declared_gap', 20, 21]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('no_fetcher: the hole is declared at once between the trades around it', () => {
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', emit: (e) => out.push(e) });
    for (const id of [1, 4, 5, 9]) f.push(trade(id));
    expect(out.map(label)).toEqual([1, 'behind:gap', 'gap 2..3 no_fetcher', 4, 'whole:declared_gap', 5, 'behind:gap', 'gap 6..8 no_fetcher', 9, 'whole:declared_gap']);
  });

  it('a hole between buffered live runs (overflow) is declared per range when recovery fails', async () => {
    vi.useFakeTimers();
    const out: FillerEvent[] = [];
    let calls = 0;
    const f = new TradeGapFiller({
      symbol: 'X', source: 'aggTrade', retryDelayMs: 10, maxAttempts: 1, maxBuffered: 2, emit: (e) => out.push(e),
      fetchTrades: async function* (_s, from, to) { calls++; await new Promise((r) => setTimeout(r, 5)); if (calls > 1) throw new Error('gone'); yield { trades: ids(from, to!).map((i) => trade(i)) }; },
    });
    f.push(trade(1));
    for (const id of [3, 4, 5, 6]) f.push(trade(id)); // 3, 4 buffered; 5, 6 dropped
    await vi.advanceTimersByTimeAsync(100);
    expect(out.map(label)).toEqual([1, 'behind:gap', 2, 3, 4, 'gap 5..6 backfill_failed', 'whole:declared_gap']);
  });
});

describe('progress', () => {
  it('reports a long backfill at most every progressIntervalMs, with ids remaining and rate', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const reports: { idsRemaining: number | null; pages: number; done: boolean; tradesPerSec: number }[] = [];
    let newest = 1;
    const fetchTrades: FetchTrades = async function* (_s, from, to) {
      for (let a = from; a <= to!; a += 100) {
        await new Promise((r) => setTimeout(r, 1_000)); // one page a second
        yield { trades: ids(a, Math.min(to!, a + 99)).map((i) => trade(i)) };
      }
    };
    const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', emit: () => undefined, fetchTrades, progressIntervalMs: 3_000, onProgress: (p, done) => reports.push({ idsRemaining: p.idsRemaining, pages: p.pages, done, tradesPerSec: p.tradesPerSec }) });
    f.push(trade(newest));
    newest = 1_001;
    f.push(trade(newest)); // 999 missing: 10 pages, 10 s
    await vi.advanceTimersByTimeAsync(4_500);
    expect(f.stats()).toMatchObject({ backfilling: 1, pages: 4, idsRemaining: 1_000 - 400, tradesPerSec: 400 / 4.5 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reports).toEqual([
      { idsRemaining: 700, pages: 3, done: false, tradesPerSec: 100 },
      { idsRemaining: 400, pages: 6, done: false, tradesPerSec: 100 },
      { idsRemaining: 100, pages: 9, done: false, tradesPerSec: 100 },
      { idsRemaining: 0, pages: 10, done: true, tradesPerSec: 99.9 },
    ]);
    expect(f.stats()).toMatchObject({ backfilling: 0, idsRemaining: 0, tradesPerSec: 0, pages: 10, tradesFetched: 999 });
  });
});
