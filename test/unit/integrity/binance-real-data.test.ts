/**
 * THE REAL DATA TEST: 41,248 recorded Binance spot frames (BTCUSDT, 2024-08-08) are decoded,
 * the recorded REST snapshot and every depth update are applied by the continuity rules, and the
 * book's best bid/ask is compared with the recorded bookTicker frames wherever that comparison is
 * valid (see below).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import { decodeDepthSnapshot } from '../../../src/venues/binance/rest-decode.js';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import { SequenceTracker } from '../../../src/integrity/sequence-tracker.js';
import type { BookTicker, MarketEvent, Trade } from '../../../src/model/events.js';
import { BINANCE_SPOT_DIR } from '../../helpers/recorded-data.js';

const DIR = BINANCE_SPOT_DIR;
const lines = gunzipSync(readFileSync(`${DIR}/btcusdt-20240808.frames.gz`)).toString('utf8').split('\n').filter((l) => l.length > 0);
const snapFile = JSON.parse(readFileSync(`${DIR}/btcusdt-20240808.depth-snapshot.json`, 'utf8')) as { receivedAtMs: number; body: unknown };

function decodeAll(): { events: MarketEvent[]; decoder: BinanceDecoder } {
  const decoder = new BinanceDecoder();
  const events: MarketEvent[] = [];
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const r = decoder.decode(line.slice(sp + 1), Number(line.slice(0, sp)));
    if (r.error) throw r.error;
    events.push(...r.events);
  }
  return { events, decoder };
}

describe('recorded Binance spot frames (btcusdt-20240808)', () => {
  it('decodes every one of the 41,248 frames without a malformed frame', () => {
    const { events, decoder } = decodeAll();
    const s = decoder.stats();
    expect(lines.length).toBe(41_248);
    expect(s.frames).toBe(41_248);
    expect(s.malformed).toBe(0);
    expect(s.byType).toEqual({ trade: 9_757, book_ticker: 28_040, book_delta: 3_451 });
    expect(events.length).toBe(41_248);
    // Exact decimals: every price is the venue's string, byte for byte.
    const firstTrade = events.find((e): e is Trade => e.type === 'trade')!;
    expect(firstTrade).toMatchObject({ price: '61837.63000000', size: '0.02000000', tradeId: '3735683259', seq: 3735683259, side: 'sell' });
  });

  it('trade ids are contiguous (the tracker reports exactly the gaps an independent scan finds)', () => {
    const { events } = decodeAll();
    const ids = events.filter((e): e is Trade => e.type === 'trade').map((t) => t.seq!);
    let independentGaps = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[i - 1]! + 1) independentGaps++;
    const tracker = new SequenceTracker();
    for (const id of ids) tracker.observe('btcusdt@trade', id);
    const st = tracker.stats();
    expect(st.gaps).toBe(independentGaps);
    expect(st.duplicates).toBe(0);
    expect(independentGaps).toBe(0);
    console.log(JSON.stringify({ realData: 'trade_ids', trades: ids.length, first: ids[0], last: ids.at(-1), gaps: st.gaps }));
  });

  it('applies the REST snapshot and all depth updates with no gap, and the book top matches every valid bookTicker', async () => {
    const { events } = decodeAll();
    const snapshot = decodeDepthSnapshot(snapFile.body, 'BTCUSDT', snapFile.receivedAtMs);
    const tickers = events.filter((e): e is BookTicker => e.type === 'book_ticker');
    const tickerIds = tickers.map((t) => t.updateId!);

    // Top of the book after each applied delta, recorded as integrity emits it.
    const tops: { u: number; bid: readonly [string, string]; ask: readonly [string, string] }[] = [];
    let fetches = 0;
    const fi: FeedIntegrity = new FeedIntegrity({
      venue: 'binance',
      bookRules: 'binance-spot',
      fetchBookSnapshot: async () => {
        fetches++;
        return snapshot;
      },
      onEvent: (e) => {
        if (e.type !== 'book_delta' && e.type !== 'book_snapshot') return;
        const book = fi.book('BTCUSDT')!;
        tops.push({ u: e.lastUpdateId, bid: book.bestBid()!, ask: book.bestAsk()! });
      },
    });
    let i = 0;
    for (const e of events) {
      fi.push(e);
      // Let the snapshot promise resolve mid-stream, so most deltas take the live path.
      if (++i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    await fi.idle();
    const st = fi.stats();
    expect(fetches).toBe(1);
    expect(st.bookGaps).toBe(0);
    expect(st.bookResyncs).toBe(0);
    expect(st.gapsDetected).toBe(0);
    const deltasAfterSnapshot = events.filter((e) => e.type === 'book_delta' && e.lastUpdateId > snapshot.lastUpdateId).length;
    expect(tops.length).toBe(deltasAfterSnapshot + 1);
    expect(fi.book('BTCUSDT')!.lastUpdateId).toBe(events.filter((e) => e.type === 'book_delta').at(-1)!.lastUpdateId);

    // Valid comparison: bookTicker is pushed on every change of the best bid/ask, so between two
    // consecutive tickers t1.u <= x < t2.u the top is constant. A book state at update id u (after
    // a batched depth@100ms update) is comparable with t1 when t1.u <= u < t2.u.
    let compared = 0;
    let matched = 0;
    let skipped = 0;
    const mismatches: string[] = [];
    for (const top of tops) {
      let lo = 0;
      let hi = tickerIds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (tickerIds[mid]! <= top.u) lo = mid + 1;
        else hi = mid;
      }
      const t1 = tickers[lo - 1];
      const t2 = tickers[lo];
      if (t1 === undefined || t2 === undefined) {
        skipped++;
        continue;
      }
      compared++;
      const ok = top.bid[0] === t1.bidPrice && top.bid[1] === t1.bidSize && top.ask[0] === t1.askPrice && top.ask[1] === t1.askSize;
      if (ok) matched++;
      else if (mismatches.length < 5) mismatches.push(`u=${top.u} book ${top.bid.join('/')} ${top.ask.join('/')} ticker(u=${t1.updateId}) ${t1.bidPrice}/${t1.bidSize} ${t1.askPrice}/${t1.askSize}`);
    }
    console.log(JSON.stringify({ realData: 'book_vs_bookTicker', snapshotLastUpdateId: snapshot.lastUpdateId, deltasApplied: tops.length - 1, bookStatesCompared: compared, matched, skippedNoBracketingTicker: skipped, finalDepth: fi.book('BTCUSDT')!.depth }));
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(3_000);
    expect(matched).toBe(compared);
  });
});
