/**
 * Time to backfill a 10,000-trade gap: FeedIntegrity sees a live aggTrade jump by 10,001 ids and
 * fetches exactly the missing ids through BinanceRest.aggTradeRange (1000-row pages, weight
 * budget, decode to exact-decimal Trades, in-order merge). The REST side is a tiny local server
 * in this file that answers /api/v3/aggTrades in Binance's real format (independent of the
 * simulator, which serves the same path; pointing restBaseUrl at it is one setting).
 * Baseline, same run: bare fetch + JSON.parse of the same 10 pages.
 * Run: node --import tsx bench/backfill.bench.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { report, withRatio } from './report.js';
import { BinanceRest } from '../src/venues/binance/rest.js';
import { FeedIntegrity } from '../src/integrity/feed-integrity.js';
import type { Trade } from '../src/model/events.js';

const GAP = 10_000;
const FIRST_ID = 3_000_000_000;
const ROUNDS = 7;

const row = (a: number): string => `{"a":${a},"p":"${(61_000 + (a % 997) / 100).toFixed(8)}","q":"${((a % 513) / 1000).toFixed(8)}","f":${a * 2},"l":${a * 2 + 1},"T":${1_723_161_255_342 + a - FIRST_ID},"m":${a % 2 === 0},"M":true}`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/binance/api/v3/aggTrades') {
    res.writeHead(404).end();
    return;
  }
  const from = Number(url.searchParams.get('fromId'));
  const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 500));
  const last = FIRST_ID + GAP + 10;
  const parts: string[] = [];
  for (let a = from; a <= last && parts.length < limit; a++) parts.push(row(a));
  res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '4' }).end(`[${parts.join(',')}]`);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/binance`;

const live = (id: number): Trade => ({ type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: id, receiveTime: id, tradeId: String(id), seq: id, price: '61000.00000000', size: '0.10000000', side: 'buy', source: 'aggTrade' });

async function backfillOnce(): Promise<number> {
  const rest = new BinanceRest({ restBaseUrl: base });
  let delivered = 0;
  let lastSeq = FIRST_ID - 1;
  const fi = new FeedIntegrity({
    venue: 'binance',
    fetchTrades: (symbol, from, to) => rest.aggTradeRange(symbol, from, to),
    onEvent: (e) => {
      if (e.type !== 'trade') return;
      if (e.seq !== lastSeq + 1) throw new Error(`out of order: ${e.seq} after ${lastSeq}`);
      lastSeq = e.seq;
      delivered++;
    },
  });
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
  if (n !== GAP) throw new Error(`bare fetched ${n}`);
  return performance.now() - t0;
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
server.closeAllConnections();
server.close();
