import { describe, expect, it, vi } from 'vitest';
import { BookSync, type BookEvent } from '../../../src/integrity/book-sync.js';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import type { BookDelta, BookSnapshot, Level, MarketEvent } from '../../../src/model/events.js';

const delta = (U: number, u: number, bids: Level[] = [], asks: Level[] = [], pu: number | null = null, symbol = 'BTCUSDT'): BookDelta => ({
  type: 'book_delta', venue: 'binance', symbol, eventTime: u, receiveTime: u, firstUpdateId: U, lastUpdateId: u, prevUpdateId: pu, seq: null, bids, asks,
});
const snap = (L: number, bids: Level[] = [['100.0', '1']], asks: Level[] = [['101.0', '1']], symbol = 'BTCUSDT'): BookSnapshot => ({
  type: 'book_snapshot', venue: 'binance', symbol, eventTime: 0, receiveTime: 0, lastUpdateId: L, seq: null, bids, asks,
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function spot(fetchSnapshot: (s: string) => Promise<BookSnapshot>): { sync: BookSync; out: BookEvent[] } {
  const out: BookEvent[] = [];
  const sync = new BookSync({ venue: 'binance', symbol: 'BTCUSDT', rules: 'binance-spot', emit: (e) => out.push(e), fetchSnapshot, retryDelayMs: 0, timers: { setTimeout: (f) => setImmediate(f), clearTimeout: () => {} } });
  return { sync, out };
}

describe('BookSync binance-spot', () => {
  it('buffers deltas, drops u <= lastUpdateId, applies the bridging delta and then the rest', async () => {
    const { sync, out } = spot(async () => snap(105, [['100.0', '1']], [['101.0', '1']]));
    sync.pushDelta(delta(90, 100, [['99.0', '5']]));
    sync.pushDelta(delta(101, 107, [['100.0', '2']]));
    sync.pushDelta(delta(108, 110, [], [['101.0', '0']]));
    expect(sync.state).toBe('fetching');
    await sync.idle();
    expect(out.map((e) => `${e.type}:${e.type === 'book_resync' ? '' : e.lastUpdateId}`)).toEqual(['book_snapshot:105', 'book_delta:107', 'book_delta:110']);
    expect(sync.book.bestBid()).toEqual(['100.0', '2']);
    expect(sync.book.bestAsk()).toBeUndefined();
    expect(sync.book.sizeAt('bid', '99')).toBeUndefined();
  });

  it('refetches when the snapshot is older than the first buffered delta (no bridge)', async () => {
    const snaps = [snap(50), snap(120)];
    let fetches = 0;
    const { sync, out } = spot(async () => { fetches++; return snaps.shift()!; });
    sync.pushDelta(delta(101, 110));
    sync.pushDelta(delta(111, 125));
    await sync.idle();
    await tick();
    await sync.idle();
    expect(fetches).toBe(2);
    expect(sync.stats()).toMatchObject({ staleSnapshots: 1, snapshots: 1 });
    expect(out.map((e) => e.type)).toEqual(['book_snapshot', 'book_delta']);
    expect(sync.book.lastUpdateId).toBe(125);
  });

  it('detects a gap on a later delta (not only the first after the snapshot) and resyncs with a marker', async () => {
    const snaps = [snap(100), snap(300, [['200.0', '1']], [['201.0', '1']])];
    const { sync, out } = spot(async () => snaps.shift()!);
    sync.pushDelta(delta(95, 101));
    await sync.idle();
    for (let i = 0; i < 50; i++) sync.pushDelta(delta(102 + i, 102 + i));
    expect(sync.stats().gaps).toBe(0);
    sync.pushDelta(delta(160, 170)); // 152..159 missing
    expect(out.at(-1)).toMatchObject({ type: 'book_resync', symbol: 'BTCUSDT' });
    expect((out.at(-1) as { reason: string }).reason).toContain('gap');
    sync.pushDelta(delta(171, 301, [['200.0', '3']]));
    await sync.idle();
    expect(sync.stats()).toMatchObject({ gaps: 1, resyncs: 1, snapshots: 2 });
    expect(sync.book.bestBid()).toEqual(['200.0', '3']);
    expect(sync.book.lastUpdateId).toBe(301);
  });

  it('drops a replayed delta (A/B duplicate) without calling it a gap', async () => {
    const { sync } = spot(async () => snap(100));
    sync.pushDelta(delta(99, 101));
    await sync.idle();
    sync.pushDelta(delta(102, 105));
    sync.pushDelta(delta(102, 105));
    sync.pushDelta(delta(99, 101));
    sync.pushDelta(delta(106, 106));
    expect(sync.stats()).toMatchObject({ duplicatesDropped: 2, gaps: 0, deltasApplied: 3 });
  });

  it('retries a failing snapshot fetch with a delay and gives up after maxSnapshotAttempts', async () => {
    vi.useFakeTimers();
    try {
      let fetches = 0;
      const giveUps: string[] = [];
      const sync = new BookSync({ venue: 'binance', symbol: 'X', rules: 'binance-spot', emit: () => {}, retryDelayMs: 500, maxSnapshotAttempts: 3, onGiveUp: (s) => giveUps.push(s), fetchSnapshot: async () => { fetches++; throw new Error('503'); } });
      sync.pushDelta(delta(1, 2));
      await vi.advanceTimersByTimeAsync(499);
      expect(fetches).toBe(1);
      await vi.advanceTimersByTimeAsync(501);
      expect(fetches).toBe(3);
      expect(giveUps).toEqual(['X']);
      expect(sync.state).toBe('idle');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('BookSync binance-futures (pu chain)', () => {
  it('applies U <= L <= u first, then requires pu == previous u on every delta', async () => {
    const out: BookEvent[] = [];
    const sync = new BookSync({ venue: 'binance-futures', symbol: 'BTCUSDT', rules: 'binance-futures', emit: (e) => out.push(e), fetchSnapshot: async () => snap(100) });
    sync.pushDelta(delta(90, 99, [], [], 80));
    sync.pushDelta(delta(95, 104, [], [], 99));
    await sync.idle();
    sync.pushDelta(delta(105, 110, [], [], 104));
    sync.pushDelta(delta(115, 120, [], [], 112)); // pu != 110: a gap
    expect(sync.stats()).toMatchObject({ deltasApplied: 2, gaps: 1, resyncs: 1 });
    expect(out.map((e) => e.type)).toEqual(['book_snapshot', 'book_delta', 'book_delta', 'book_resync']);
  });
});

describe('BookSync bybit', () => {
  it('a snapshot resets the book, deltas need u == prev u + 1, a gap asks for a resubscribe and drops deltas until the next snapshot', () => {
    const out: BookEvent[] = [];
    const resub: string[] = [];
    const sync = new BookSync({ venue: 'bybit', symbol: 'BTCUSDT', rules: 'bybit', emit: (e) => out.push(e), requestResubscribe: (s) => resub.push(s) });
    sync.pushDelta(delta(5, 5)); // before any snapshot: dropped
    sync.pushSnapshot({ ...snap(10), venue: 'bybit' });
    sync.pushDelta(delta(11, 11, [['100.0', '7']]));
    sync.pushDelta(delta(12, 12));
    sync.pushDelta(delta(14, 14));
    expect(resub).toEqual(['BTCUSDT']);
    sync.pushDelta(delta(15, 15));
    expect(sync.state).toBe('awaiting_snapshot');
    sync.pushSnapshot({ ...snap(1, [['90.0', '1']]), venue: 'bybit' }); // service restart: u = 1
    sync.pushDelta(delta(2, 2, [['90.0', '2']]));
    expect(sync.book.bestBid()).toEqual(['90.0', '2']);
    expect(out.map((e) => e.type)).toEqual(['book_snapshot', 'book_delta', 'book_delta', 'book_resync', 'book_snapshot', 'book_delta']);
    expect(sync.stats()).toMatchObject({ droppedUnsynced: 2, gaps: 1 });
  });
});

describe('FeedIntegrity books', () => {
  it('a gap on one symbol resyncs that symbol only', async () => {
    const fetched: string[] = [];
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', bookRules: 'binance-spot', onEvent: (e) => out.push(e), fetchBookSnapshot: async (s) => { fetched.push(s); return snap(fetched.filter((x) => x === s).length > 1 ? 110 : 100, undefined, undefined, s); } });
    for (const s of ['BTCUSDT', 'ETHUSDT']) fi.push(delta(99, 101, [], [], null, s));
    await fi.idle();
    fi.push(delta(102, 103, [], [], null, 'BTCUSDT'));
    fi.push(delta(102, 103, [], [], null, 'ETHUSDT'));
    fi.push(delta(110, 111, [], [], null, 'ETHUSDT')); // gap on ETH only
    fi.push(delta(104, 105, [], [], null, 'BTCUSDT'));
    await fi.idle();
    expect(fetched).toEqual(['BTCUSDT', 'ETHUSDT', 'ETHUSDT']);
    expect(out.filter((e) => e.type === 'book_resync').map((e) => e.symbol)).toEqual(['ETHUSDT']);
    expect(fi.book('BTCUSDT')!.lastUpdateId).toBe(105);
    expect(fi.stats()).toMatchObject({ bookGaps: 1, bookResyncs: 1, bookSnapshots: 3 });
    fi.close();
  });
});

describe('book rebuild after a reconnect', () => {
  it('a REST-synced book of a quiet symbol is refetched at once after a reconnect, without waiting for a delta', async () => {
    const snaps = [snap(100, [['100.0', '1']]), snap(140, [['100.5', '7']])];
    const out: MarketEvent[] = [];
    const fi = new FeedIntegrity({ venue: 'binance', bookRules: 'binance-spot', fetchBookSnapshot: async () => snaps.shift()!, onEvent: (e) => out.push(e), retryDelayMs: 0 });
    fi.push(delta(95, 101, [['100.0', '2']]));
    await fi.idle();
    expect(fi.book('BTCUSDT')?.lastUpdateId).toBe(101);
    // Updates 102..140 happened while the socket was down; no delta follows (quiet symbol).
    fi.onReconnect(['btcusdt@depth@100ms']);
    await fi.idle();
    expect(fi.book('BTCUSDT')?.lastUpdateId).toBe(140);
    expect(fi.book('BTCUSDT')?.bestBid()).toEqual(['100.5', '7']);
    expect(out.map((e) => e.type)).toEqual(['book_snapshot', 'book_delta', 'book_resync', 'book_snapshot']);
    // Another symbol's reconnect leaves this book alone.
    fi.onReconnect(['ethusdt@depth@100ms']);
    expect(out).toHaveLength(4);
    fi.close();
  });

  it('a Bybit book is not rebuilt by the reconnect itself (the resubscription brings a snapshot)', () => {
    const resubscribed: string[] = [];
    const fi = new FeedIntegrity({ venue: 'bybit', bookRules: 'bybit', requestResubscribe: (s) => resubscribed.push(s), onEvent: () => {} });
    fi.push({ ...snap(5), venue: 'bybit' });
    fi.onReconnect();
    expect(resubscribed).toEqual([]);
    expect(fi.stats().bookResyncs).toBe(0);
    fi.close();
  });
});
