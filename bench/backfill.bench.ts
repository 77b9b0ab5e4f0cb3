/**
 * Trade backfill through the real parts: FeedIntegrity sees a live aggTrade jump and streams
 * exactly the missing ids through BinanceRest.aggTradePages (1000-row pages, bounded prefetch,
 * weight budget, decode to exact-decimal Trades, in-order merge), each page delivered as it lands.
 * The REST side is a tiny local server in this file that answers /api/v3/aggTrades in Binance's
 * real format (independent of the simulator, which serves the same path).
 * 1. gap_10000: a 10,000-trade gap; baseline, same run: bare fetch + JSON.parse of the same 10 pages.
 * 2. large: a 1,200,000-trade range (a 10-minute outage at 2k trades/s) with live trades arriving
 *    throughout: time, trades/s and peak memory (RSS and heap above the start), which stay bounded
 *    by pages in flight x page size + maxBufferedTrades instead of growing with the range.
 *    Baseline for memory, same run: the same range collected into one array (what the previous
 *    range API did before returning).
 * Run: node --import tsx bench/backfill.bench.ts  (LARGE=n overrides the large range; 0 skips it)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { report, withRatio } from './report.js';
import { BinanceRest } from '../src/venues/binance/rest.js';
import { FeedIntegrity } from '../src/integrity/feed-integrity.js';
import type { Trade } from '../src/model/events.js';

const GAP = 10_000;
const LARGE = Number(process.env.LARGE ?? 1_200_000);
const FIRST_ID = 3_000_000_000;
const ROUNDS = 7;

const row = (a: number): string => `{"a":${a},"p":"${(61_000 + (a % 997) / 100).toFixed(8)}","q":"${((a % 513) / 1000).toFixed(8)}","f":${a * 2},"l":${a * 2 + 1},"T":${1_723_161_255_342 + a - FIRST_ID},"m":${a % 2 === 0},"M":true}`;

/** Newest id the venue has (the large run moves it on as live trades arrive). */
let newest = FIRST_ID + GAP + 10;
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/binance/api/v3/aggTrades') {
    res.writeHead(404).end();
    return;
  }
  const from = Number(url.searchParams.get('fromId'));
  const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 500));
  const parts: string[] = [];
  for (let a = from; a <= newest && parts.length < limit; a++) parts.push(row(a));
  res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '4' }).end(`[${parts.join(',')}]`);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/binance`;

const live = (id: number): Trade => ({ type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: id, receiveTime: id, tradeId: String(id), seq: id, price: '61000.00000000', size: '0.10000000', side: 'buy', source: 'aggTrade' });

function integrity(rest: BinanceRest, onTrade: (t: Trade) => void): FeedIntegrity {
  let lastSeq: number | null = null;
  return new FeedIntegrity({
    venue: 'binance',
    fetchTrades: rest.fetchTrades,
    onEvent: (e) => {
      if (e.type !== 'trade') return;
      if (lastSeq !== null && e.seq !== lastSeq + 1) throw new Error(`out of order: ${e.seq} after ${lastSeq}`);
      lastSeq = e.seq;
      onTrade(e);
    },
  });
}

async function backfillOnce(): Promise<number> {
  newest = FIRST_ID + GAP + 10;
  const rest = new BinanceRest({ restBaseUrl: base });
  let delivered = 0;
  const fi = integrity(rest, () => delivered++);
  fi.push(live(FIRST_ID));
  const t0 = performance.now();
  fi.push(live(FIRST_ID + GAP + 1));
  await fi.idle();
  const ms = performance.now() - t0;
  const s = fi.stats();
  if (s.tradesBackfilled !== GAP || delivered !== GAP + 2 || rest.stats().requests !== GAP / 1000) {
    throw new Error(`backfill wrong: ${JSON.stringify({ s, delivered, rest: rest.stats() })}`);
  }
  fi.close();
  return ms;
}

async function bareOnce(): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for (let from = FIRST_ID + 1; from <= FIRST_ID + GAP; from += 1000) {
    const res = await fetch(`${base}/api/v3/aggTrades?symbol=BTCUSDT&fromId=${from}&limit=1000`);
    n += (JSON.parse(await res.text()) as unknown[]).length;
  }
  if (n !== GAP) throw new Error(`bare fetch got ${n}`);
  return performance.now() - t0;
}

const mb = (b: number): number => Number((b / 2 ** 20).toFixed(1));

/** Peak heap above the start while collecting the whole large range into one array. */
async function collectAll(): Promise<{ ms: number; peakHeapAboveStartMb: number; rssAboveStartMb: number }> {
  newest = FIRST_ID + LARGE;
  const rest = new BinanceRest({ restBaseUrl: base, weightPerMinute: 1e9 });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let peakHeap = heap0;
  let peakRss = rss0;
  const t0 = performance.now();
  const all: Trade[] = [];
  for await (const p of rest.aggTradePages('BTCUSDT', FIRST_ID + 1, FIRST_ID + LARGE)) {
    for (const t of p.trades) all.push(t);
    if (all.length % 50_000 < 1_000) {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }
  }
  if (all.length !== LARGE) throw new Error(`collected ${all.length}`);
  const ms = performance.now() - t0;
  const m = process.memoryUsage();
  return { ms, peakHeapAboveStartMb: mb(Math.max(peakHeap, m.heapUsed) - heap0), rssAboveStartMb: mb(Math.max(peakRss, m.rss) - rss0) };
}

/** The large range: the live stream goes on at LIVE_PER_S during the backfill (buffered, overflow refetched). */
async function large(): Promise<void> {
  const LIVE_PER_S = 2_000;
  newest = FIRST_ID + LARGE;
  // No weight cap in the way: this measures our side, not Binance's budget (see README for that).
  const rest = new BinanceRest({ restBaseUrl: base, weightPerMinute: 1e9 });
  let delivered = 0;
  const fi = integrity(rest, () => delivered++);
  fi.push(live(FIRST_ID));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let peakRss = rss0;
  let peakHeap = heap0;
  const t0 = performance.now();
  let liveId = FIRST_ID + LARGE;
  fi.push(live(liveId));
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    for (let i = 0; i < LIVE_PER_S / 100; i++) {
      newest = ++liveId;
      fi.push(live(liveId));
    }
  }, 10);
  await fi.idle();
  clearInterval(timer);
  const ms = performance.now() - t0;
  const s = fi.stats();
  if (delivered !== liveId - FIRST_ID + 1) throw new Error(`large backfill delivered ${delivered}, expected ${liveId - FIRST_ID + 1}`);
  fi.close();
  const collected = await collectAll();
  report({
    bench: 'backfill.large', metric: 'backfill_ms', value: Math.round(ms), unit: 'ms', trades: s.backfillTradesFetched, delivered, pages: s.backfillPages,
    tradesPerS: Math.round(s.backfillTradesFetched / (ms / 1000)), peakRssMb: mb(peakRss), rssAboveStartMb: mb(peakRss - rss0), peakHeapAboveStartMb: mb(peakHeap - heap0),
    peakBufferedTrades: s.peakBufferedTrades, liveTradesDuring: liveId - FIRST_ID - LARGE, maxPagesInFlight: rest.stats().maxPagesInFlight,
    baselineName: 'same range collected into one array', baselinePeakHeapAboveStartMb: collected.peakHeapAboveStartMb, baselineRssAboveStartMb: collected.rssAboveStartMb,
    heapRatio: Number(((peakHeap - heap0) / 2 ** 20 / collected.peakHeapAboveStartMb).toFixed(3)),
    note: 'memory bounded by pages in flight x 1000 + maxBufferedTrades (100k), not by the range',
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
await backfillOnce();
await bareOnce();
const ours: number[] = [];
const bare: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  ours.push(await backfillOnce());
  bare.push(await bareOnce());
}
const value = Number(median(ours).toFixed(1));
const baseline = Number(median(bare).toFixed(1));
report(withRatio({ bench: 'backfill.gap_10000', metric: 'backfill_ms', value, unit: 'ms', baseline, baselineName: 'bare fetch+JSON.parse of the same 10 pages', trades: GAP, pages: GAP / 1000, rounds: ROUNDS, server: 'local http (Binance aggTrades format)' }));
report({ bench: 'backfill.gap_10000', metric: 'trades_per_s', value: Math.round(GAP / (value / 1000)), unit: 'trades/s' });
if (LARGE > 0) await large();
server.closeAllConnections();
server.close();
