import { describe, expect, it } from 'vitest';
import { FeedIntegrity, symbolOfStream } from '../../../src/integrity/feed-integrity.js';
import type { BookTicker, MarketEvent, Trade } from '../../../src/model/events.js';

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
    const fi = new FeedIntegrity({ venue: 'binance', onEvent: (e) => out.push(e), fetchTrades: async () => [] });
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
    expect(alerts).toEqual([{ kind: 'trade_gap_unfilled', symbol: 'BTCUSDT', source: 'aggTrade', fromId: 2, toId: 3, error: 'no trade fetcher configured' }]);
    expect(fi.stats()).toMatchObject({ gapsDetected: 1, gapsUnfilled: 1, gapsFilled: 0 });
  });

  it('fills a gap and a reconnect, counting gaps detected/filled and trades backfilled', async () => {
    const out: number[] = [];
    const fi = new FeedIntegrity({
      venue: 'binance', onEvent: (e) => { if (e.type === 'trade') out.push(e.seq!); },
      fetchTrades: async (_s, from, to) => Array.from({ length: (to ?? 12) - from + 1 }, (_, i) => trade(from + i, { source: 'backfill' })),
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
