/**
 * A config with every venue enabled (Binance spot, Binance USD-M futures, Bybit linear with
 * tickers + allLiquidation, US equities) starts against the simulator and serves channels for
 * each: trades (contents equal the simulator's ground truth, in id order), 1 s snapshots, book
 * tops, and stores aggregates keyed by each venue id.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '../../../src/gateway/demo.js';
import { TickgateClient } from '../../../src/server/client.js';
import type { DataMessage } from '../../../src/server/protocol.js';
import type { Trade } from '../../../src/model/events.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { FAST_CONNECTION, readSqlite, tempDir, waitFor } from './helpers.js';

const SYMBOL = 'BTCUSDT';
const CRYPTO_VENUES = ['binance', 'binance-futures', 'bybit'] as const;
const CHANNELS = [
  ...CRYPTO_VENUES.flatMap((v) => [`trades.${v}.${SYMBOL}`, `snapshots.1s.${v}.${SYMBOL}`]),
  `book.binance.${SYMBOL}`, `book.binance-futures.${SYMBOL}`, `book.bybit.${SYMBOL}`, 'trades.equities.AAPL', 'snapshots.1s.equities.AAPL',
];

/** A port free right now on loopback (the simulator binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('gateway with every venue enabled', () => {
  const tmp = tempDir('all-venues');
  let demo: Demo;
  let client: TickgateClient;
  const got = new Map<string, unknown[]>();

  beforeAll(async () => {
    // The demo's simulator serves every venue on one port (chosen here so the USD-M URLs can name
    // it); this layer adds USD-M and moves Bybit to linear.
    const simPort = await freePort();
    const base = `127.0.0.1:${simPort}`;
    demo = await startDemo({
      port: 0, simulatorPort: simPort, dataDir: tmp.dir, rate: 300, cryptoSymbols: [SYMBOL, 'ETHUSDT'], equitySymbols: ['AAPL'],
      overrides: {
        ...FAST_CONNECTION,
        venues: {
          binanceFutures: { enabled: true, wsBaseUrl: `ws://${base}/binance-futures`, restBaseUrl: `http://${base}/binance-futures`, streams: ['trade', 'aggTrade', 'bookTicker', 'depth', 'markPrice', 'forceOrder', 'forceOrderAll', 'kline_1m'], symbols: [SYMBOL, 'ETHUSDT'] },
          bybit: { categoryPath: '/v5/public/linear', recentTradesLimit: 1000, streams: ['publicTrade', 'orderbook.50', 'tickers', 'allLiquidation', 'kline.1'] },
        },
      },
    });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await demo?.stop();
    tmp.remove();
  });

  it('starts one live feed per venue, binance-futures on its own URL', async () => {
    const venues = demo.gateway.status().venues.map((v) => v.venue).sort();
    expect(venues).toEqual(['binance', 'binance-futures', 'bybit', 'equities']);
    await waitFor(() => demo.gateway.status().venues.every((v) => v.framesTotal > 0), 'frames on every venue', 20_000, () => demo.gateway.status().venues.map((v) => [v.venue, v.framesTotal]));
    const urls = demo.gateway.manager.details().map((d) => d.url);
    expect(urls.some((u) => u.includes('/binance-futures/stream'))).toBe(true);
    expect(urls.some((u) => u.includes('/bybit/v5/public/linear'))).toBe(true);
  });

  it('serves trades, 1 s snapshots and book tops on every venue; trades equal the simulator\'s', async () => {
    client = new TickgateClient({ url: `${demo.gateway.url!.replace(/^http/, 'ws')}/ws`, channels: CHANNELS });
    client.on('data', (m: DataMessage) => { let l = got.get(m.channel); if (!l) got.set(m.channel, (l = [])); l.push(m.data); });
    client.connect();
    await waitFor(() => CHANNELS.every((c) => (got.get(c)?.length ?? 0) >= 2), 'two messages on every channel', 30_000,
      () => Object.fromEntries(CHANNELS.map((c) => [c, got.get(c)?.length ?? 0])));
    for (const v of ['binance', 'binance-futures'] as const) {
      const trades = got.get(`trades.${v}.${SYMBOL}`) as Trade[];
      expect(trades.every((t) => t.venue === v && t.symbol === SYMBOL)).toBe(true);
      // One trade stream per venue (aggTrade repeats trade on USD-M too): contiguous ids, contents = truth.
      const ids = trades.map((t) => Number(t.tradeId));
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1), `${v}: contiguous ids`).toBe(true);
      const truth = new Map(demo.simulator.truth.trades(v, SYMBOL).map((t) => [t.id, t]));
      for (const t of trades) {
        const want = truth.get(Number(t.tradeId));
        expect(want, `${v} trade ${t.tradeId} in the truth`).toBeDefined();
        expect([normalizeDecimal(t.price), normalizeDecimal(t.size)]).toEqual([normalizeDecimal(want!.price), normalizeDecimal(want!.qty)]);
      }
    }
    const bybit = got.get(`trades.bybit.${SYMBOL}`) as Trade[];
    expect(bybit.every((t) => t.venue === 'bybit' && t.source === 'publicTrade')).toBe(true);
  }, 40_000);

  it('derivatives streams flow end to end from config: liquidations (USD-M per symbol + !forceOrder@arr, Bybit linear allLiquidation), mark prices, klines', async () => {
    const seen = new Map<string, number>();
    const liqKeys: string[] = [];
    const publish = demo.gateway.pipeline.publish.bind(demo.gateway.pipeline);
    const spy = vi.spyOn(demo.gateway.pipeline, 'publish').mockImplementation((e) => {
      seen.set(`${e.venue}|${e.type}`, (seen.get(`${e.venue}|${e.type}`) ?? 0) + 1);
      if (e.type === 'liquidation' && e.venue === 'binance-futures') liqKeys.push(`${e.symbol}|${e.eventTime}|${e.side}|${e.price}|${e.size}`);
      publish(e);
    });
    try {
      const want = ['binance-futures|liquidation', 'bybit|liquidation', 'binance-futures|kline', 'binance-futures|mark_price', 'bybit|kline', 'binance-futures|book_delta'];
      await waitFor(() => want.every((k) => (seen.get(k) ?? 0) > 0) || null, 'liquidations and klines', 25_000, () => Object.fromEntries(seen));
    } finally {
      spy.mockRestore();
    }
    // Subscribed per symbol and market-wide: the same USD-M liquidation arrives on both streams
    // and integrity passes it once (dedup window).
    expect(liqKeys.length).toBeGreaterThan(0);
    expect(new Set(liqKeys).size, 'each USD-M liquidation once').toBe(liqKeys.length);
  }, 30_000);

  it('Bybit linear tickers (snapshot + deltas of changed fields) reach book.bybit as complete quotes equal to the simulator\'s top', async () => {
    const key = `book.bybit.${SYMBOL}`;
    const quotes = (): { bidPrice: string; bidSize: string; askPrice: string; askSize: string }[] => (got.get(key) ?? []) as never;
    await waitFor(() => quotes().length >= 5, 'five Bybit quotes', 20_000);
    const dec = /^\d+(\.\d+)?$/;
    for (const q of quotes()) expect([q.bidPrice, q.bidSize, q.askPrice, q.askSize].every((v) => dec.test(v)), JSON.stringify(q)).toBe(true);
    // Quiet market: the last quote is the book's top.
    demo.simulator.setRate(0);
    await new Promise((r) => setTimeout(r, 600));
    const truth = demo.simulator.truth.book('bybit', SYMBOL)!;
    const want = [truth.bids[0]![0], truth.bids[0]![1], truth.asks[0]![0], truth.asks[0]![1]].map(normalizeDecimal);
    await waitFor(() => { const q = quotes().at(-1)!; return [q.bidPrice, q.bidSize, q.askPrice, q.askSize].map(normalizeDecimal).join() === want.join() || null; }, 'last Bybit quote = simulator top', 10_000, () => ({ last: quotes().at(-1), want }));
    expect(demo.gateway.feeds.get('bybit')!.stats().malformed).toBe(0);
  }, 40_000);

  it('the simulator\'s linear tickers are Bybit-shaped: a snapshot at subscribe, then deltas without the unchanged fields', async () => {
    demo.simulator.setRate(300);
    const ws = new WebSocket(`ws://127.0.0.1:${demo.simulator.port}/bybit/v5/public/linear`);
    const frames: { type: string; data: Record<string, string> }[] = [];
    ws.on('message', (d) => { const m = JSON.parse(d.toString()) as { topic?: string; type: string; data: Record<string, string> }; if (m.topic === `tickers.${SYMBOL}`) frames.push(m); });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', args: [`tickers.${SYMBOL}`] }));
    try {
      await waitFor(() => frames.length >= 4, 'four ticker frames', 15_000);
      expect(frames[0]!.type).toBe('snapshot');
      expect(Object.keys(frames[0]!.data)).toEqual(expect.arrayContaining(['bid1Price', 'bid1Size', 'ask1Price', 'ask1Size']));
      const deltas = frames.slice(1);
      expect(deltas.every((f) => f.type === 'delta')).toBe(true);
      expect(deltas.some((f) => Object.keys(f.data).length < 7), 'some delta omits unchanged fields').toBe(true);
    } finally {
      ws.close();
    }
  }, 30_000);

  it('stores aggregates keyed by each venue id', async () => {
    const db = join(tmp.dir, 'tickgate.db');
    await waitFor(() => {
      try {
        const rows = readSqlite<{ venue: string }>(db, 'SELECT DISTINCT venue FROM snapshots');
        return rows.length >= 4 ? rows : null;
      } catch { return null; }
    }, 'snapshots of every venue in SQLite', 20_000);
    const venues = readSqlite<{ venue: string }>(db, 'SELECT DISTINCT venue FROM snapshots ORDER BY venue').map((r) => r.venue);
    expect(venues).toEqual(['binance', 'binance-futures', 'bybit', 'equities']);
  }, 30_000);
});
