import { describe, expect, it, vi } from 'vitest';
import { FeedIntegrity, symbolOfStream } from '../../../src/integrity/feed-integrity.js';
import type { BookTicker, MarketEvent, Trade } from '../../../src/model/events.js';
import type { FetchTrades } from '../../../src/integrity/trade-gap-filler.js';

/** A fetcher answering one page with ids from..to (to null: up to `newest`). */
const rangeFetcher = (newest: number, source = 'backfill'): FetchTrades => async function* (_s, from, to) {
  yield { trades: Array.from({ length: Math.max(0, (to ?? newest) - from + 1) }, (_, i) => trade(from + i, { source })) };
};
const label = (e: MarketEvent): string => (e.type === 'trade' ? `${e.symbol}:${e.seq}` : e.type === 'stream_state' ? `${e.symbol}:${e.state}:${e.reason}` : e.type === 'trade_gap' ? `${e.symbol}:gap ${e.fromId}..${e.toId} ${e.reason}` : e.type);

const trade = (id: number, extra: Partial<Trade> = {}): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: id, receiveTime: id, tradeId: String(id), seq: id, price: '1.0', size: '1', side: 'buy', source: 'aggTrade', ...extra,
});
const ticker = (u: number): BookTicker => ({ type: 'book_ticker', venue: 'binance', symbol: 'BTCUSDT', eventTime: u, receiveTime: u, bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1', updateId: u });

describe('symbolOfStream', () => {
  it('maps venue stream names to symbols', () => {
    expect(['btcusdt@aggTrade', 'btcusdt@depth@100ms', 'publicTrade.BTCUSDT', 'orderbook.50.BTCUSDT', 'ETHUSDT'].map(symbolOfStream)).toEqual(['BTCUSDT', 'BTCUSDT', 'BTCUSDT', 'BTCUSDT', 'ETHUSDT']);
  });
});

describe('FeedIntegrity', () => {
  it('merges A/B redundant connections into one copy of every event', async () => {
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', onEvent: (e) => out.push(e), fetchTrades: async function* () { /* nothing */ } });
    const a = [trade(1), ticker(10), trade(2), ticker(11), trade(3)];
    const b = [trade(1), trade(2), ticker(10), ticker(11), trade(3), trade(4), ticker(12)];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) fi.push(a[i]!);
      if (b[i]) fi.push(b[i]!);
    }
    await fi.idle();
    expect(out.map((e) => (e.type === 'trade' ? `t${e.seq}` : e.type === 'book_ticker' ? `b${e.updateId}` : e.type))).toEqual(['t1', 'b10', 't2', 'b11', 't3', 't4', 'b12']);
    const s = fi.stats();
    expect(s.duplicatesDropped).toBe(5);
    expect(s.gapsDetected).toBe(0);
    expect(s.live.duplicates).toBe(3);
  });

  it('dedups trades without a numeric seq by tradeId (Bybit UUIDs), klines and liquidations by content', () => {
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'bybit', onEvent: (e) => out.push(e) });
    const t = trade(0, { seq: null, tradeId: '20f43950-d8dd-5b31-9112-a178eb6023af', source: 'publicTrade', venue: 'bybit' });
    fi.push(t);
    fi.push(t);
    fi.push({ ...t, tradeId: 'other' });
    const liq: MarketEvent = { type: 'liquidation', venue: 'bybit', symbol: 'X', eventTime: 1, receiveTime: 1, side: 'sell', price: '1', size: '2' };
    fi.push(liq);
    fi.push(liq);
    expect(out).toHaveLength(3);
    expect(fi.stats().duplicatesDropped).toBe(2);
  });

  it('reports a trade gap it cannot fill through onAlert and stats, and still delivers later trades', async () => {
    const alerts: unknown[] = [];
    const out: number[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', onEvent: (e) => { if (e.type === 'trade') out.push(e.seq!); }, onAlert: (a) => alerts.push(a) });
    fi.push(trade(1));
    fi.push(trade(4));
    await fi.idle();
    expect(out).toEqual([1, 4]);
    expect(alerts).toEqual([{ kind: 'trade_gap_unfilled', symbol: 'BTCUSDT', source: 'aggTrade', fromId: 2, toId: 3, reason: 'no_fetcher', error: 'no trade fetcher configured' }]);
    expect(fi.stats()).toMatchObject({ gapsDetected: 1, gapsUnfilled: 1, gapsFilled: 0, tradeGapsDeclared: 1, tradeIdsDeclaredMissing: 2 });
  });

  it('fills a gap and a reconnect, counting gaps detected/filled and trades backfilled', async () => {
    const out: number[] = [];
    const fi = new FeedIntegrity({
      venue: 'binance', onEvent: (e) => { if (e.type === 'trade') out.push(e.seq!); },
      fetchTrades: rangeFetcher(12),
    });
    fi.push(trade(1));
    fi.push(trade(5));
    await fi.idle();
    fi.onReconnect(['btcusdt@aggTrade', 'btcusdt@depth@100ms']);
    await fi.idle();
    fi.push(trade(13));
    await fi.idle();
    expect(out).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(fi.stats()).toMatchObject({ gapsDetected: 1, gapsFilled: 1, reconnectBackfills: 1, tradesBackfilled: 10, duplicatesDropped: 0 });
    fi.onReconnect('ETHUSDT'); // another symbol's connection: nothing to fetch here
    expect(fi.stats().reconnectBackfills).toBe(1);
    await fi.idle();
  });
});

describe('FeedIntegrity markers and declared holes', () => {
  it('a disconnect marks only the numbered trade streams of that connection behind; markers and TradeGaps reach onEvent in order', async () => {
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', onEvent: (e) => out.push(e), fetchTrades: rangeFetcher(5) });
    fi.push(trade(1));
    fi.push(trade(1, { symbol: 'ETHUSDT' }));
    fi.push(trade(0, { seq: null, tradeId: 'u-1', source: 'publicTrade', symbol: 'SOLUSDT' }));
    fi.onDisconnect(['btcusdt@aggTrade', 'btcusdt@depth@100ms', 'solusdt@trade']);
    expect(fi.stats()).toMatchObject({ streamsBehind: 1 });
    fi.onReconnect(['btcusdt@aggTrade']);
    await fi.idle();
    expect(out.map(label)).toEqual(['BTCUSDT:1', 'ETHUSDT:1', 'SOLUSDT:null', 'BTCUSDT:behind:disconnected', 'BTCUSDT:2', 'BTCUSDT:3', 'BTCUSDT:4', 'BTCUSDT:5', 'BTCUSDT:whole:caught_up']);
    expect(out.find((e) => e.type === 'stream_state')).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT', source: 'aggTrade', eventTime: 1 });
    expect(fi.stats()).toMatchObject({ streamsBehind: 0, backfillsInProgress: 0, reconnectBackfills: 1, backfillPages: 1, backfillTradesFetched: 4 });
  });

  it('a venue stream name scopes the marker to that stream: the symbol\'s aggTrade stream on another connection stays whole', async () => {
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', onEvent: (e) => out.push(e), fetchTrades: rangeFetcher(3, 'backfill') });
    fi.push(trade(1, { source: 'trade' }));
    fi.push(trade(1, { source: 'aggTrade' }));
    fi.onDisconnect(['btcusdt@trade', 'btcusdt@bookTicker']);
    expect(out.filter((e) => e.type === 'stream_state').map((e) => e.type === 'stream_state' && `${e.source}:${e.state}`)).toEqual(['trade:behind']);
    fi.onReconnect(['btcusdt@trade', 'btcusdt@bookTicker']);
    await fi.idle();
    expect(out.filter((e) => e.type === 'stream_state').map((e) => e.type === 'stream_state' && `${e.source}:${e.state}`)).toEqual(['trade:behind', 'trade:whole']);
    expect(fi.stats()).toMatchObject({ reconnectBackfills: 1, streamsBehind: 0 });
  });

  it('a restart hole beyond maxResumeTrades: TradeGap before the first live trade, an alert and an error log line', () => {
    const out: MarketEvent[] = [];
    const alerts: unknown[] = [];
    const lines: { level: string; msg: string; reason?: string }[] = [];
    const logger = { error: (o: { reason?: string }, msg: string) => lines.push({ level: 'error', msg, reason: o.reason }), warn: () => undefined, info: () => undefined, debug: () => undefined, child: () => logger };
    const fi = new FeedIntegrity({
      venue: 'binance', onEvent: (e) => out.push(e), onAlert: (a) => alerts.push(a), fetchTrades: rangeFetcher(0), maxResumeTrades: 10,
      resumeAfter: (symbol, source) => (symbol === 'BTCUSDT' && source === 'trade' ? 1_000 : null), logger: logger as never,
    });
    fi.push(trade(5_000, { source: 'trade' }));
    expect(out.map(label)).toEqual(['BTCUSDT:gap 1001..4999 max_resume_exceeded', 'BTCUSDT:5000']);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'trade_gap_unfilled', fromId: 1_001, toId: 4_999, reason: 'max_resume_exceeded' })]);
    expect(lines).toEqual([{ level: 'error', msg: 'trade_gap_declared', reason: 'max_resume_exceeded' }]);
  });
});

describe('FeedIntegrity backfill progress', () => {
  it('logs a long backfill at most every backfillProgressLogIntervalMs and once when it is done', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    try {
      const lines: { msg: string; idsRemaining: number | null; pages: number }[] = [];
      const logger = { info: (o: { idsRemaining: number | null; pages: number }, msg: string) => lines.push({ msg, idsRemaining: o.idsRemaining, pages: o.pages }), error: () => undefined, warn: () => undefined, debug: () => undefined, child: () => logger };
      // 20 pages of 50, one every 500 ms: a 10 s backfill.
      const fetchTrades: FetchTrades = async function* (_s, from, to) {
        for (let a = from; a <= to!; a += 50) {
          await new Promise((r) => setTimeout(r, 500));
          yield { trades: Array.from({ length: Math.min(50, to! - a + 1) }, (_, i) => trade(a + i, { source: 'backfill' })) };
        }
      };
      const fi = new FeedIntegrity({ venue: 'binance', onEvent: () => undefined, fetchTrades, backfillProgressLogIntervalMs: 4_000, logger: logger as never });
      fi.push(trade(1));
      fi.push(trade(1_002));
      await vi.advanceTimersByTimeAsync(11_000);
      expect(lines).toEqual([
        { msg: 'trade_backfill_progress', idsRemaining: 601, pages: 8 },
        { msg: 'trade_backfill_progress', idsRemaining: 201, pages: 16 },
        { msg: 'trade_backfill_done', idsRemaining: 0, pages: 20 },
      ]);
      expect(fi.stats()).toMatchObject({ backfillsInProgress: 0, backfillPages: 20, backfillTradesFetched: 1_000, streamsBehind: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
