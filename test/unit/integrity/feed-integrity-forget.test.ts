import { describe, expect, it } from 'vitest';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';
import type { FetchTrades } from '../../../src/integrity/trade-gap-filler.js';

const trade = (symbol: string, id: number): Trade => ({
  type: 'trade', venue: 'binance', symbol, eventTime: id, receiveTime: id, tradeId: String(id), seq: id, price: '1.0', size: '1', side: 'buy', source: 'trade',
});
const label = (e: MarketEvent): string => (e.type === 'trade' ? `${e.symbol}:${e.seq}` : e.type === 'stream_state' ? `${e.symbol}:${e.state}` : e.type === 'trade_gap' ? `${e.symbol}:gap ${e.fromId}..${e.toId}` : e.type);

/** Answers every range with ids from..to and records what was asked. */
const recordingFetcher = (calls: string[]): FetchTrades => async function* (symbol, from, to) {
  calls.push(`${symbol} ${from}..${to}`);
  yield { trades: Array.from({ length: Math.max(0, (to ?? from) - from + 1) }, (_, i) => trade(symbol, from + i)) };
};

describe('FeedIntegrity.forgetSymbol', () => {
  it('starts the symbol\'s trade streams anew (no gap against the old last id, no restart resume point) and leaves other symbols tracked', async () => {
    const out: string[] = [];
    const calls: string[] = [];
    const fi = new FeedIntegrity({
      venue: 'binance', onEvent: (e) => out.push(label(e)), fetchTrades: recordingFetcher(calls),
      // Stored before a restart: resume BTCUSDT after 3 (its first live trade 6 backfills 4..5).
      resumeAfter: (symbol) => (symbol === 'BTCUSDT' ? 3 : null),
    });
    for (const id of [6, 7]) fi.push(trade('BTCUSDT', id));
    for (const id of [1, 2]) fi.push(trade('ETHUSDT', id));
    await fi.idle();
    expect(calls).toEqual(['BTCUSDT 4..5']);
    const before = fi.stats();

    fi.forgetSymbol('BTCUSDT');
    out.length = 0;
    // Held again much later (the stream's owner in between had ids 8..99): delivered as it comes,
    // no REST backfill from 7, no behind marker, and the resume point 3 does not apply again.
    for (const id of [100, 101]) fi.push(trade('BTCUSDT', id));
    // ETHUSDT was not forgotten: its gap 3..4 is still seen and filled.
    fi.push(trade('ETHUSDT', 5));
    await fi.idle();
    expect(calls).toEqual(['BTCUSDT 4..5', 'ETHUSDT 3..4']);
    expect(out).toEqual(['BTCUSDT:100', 'BTCUSDT:101', 'ETHUSDT:behind', 'ETHUSDT:3', 'ETHUSDT:4', 'ETHUSDT:5', 'ETHUSDT:whole']);
    const after = fi.stats();
    // The raw tracker saw no gap on BTCUSDT either: only ETHUSDT's one.
    expect(after.live.gaps - before.live.gaps).toBe(1);
    expect(after.gapsDetected - before.gapsDetected).toBe(1);
    // Counters of the dropped filler are kept: totals never go down.
    expect(after.tradesBackfilled).toBe(before.tradesBackfilled + 2);
    expect(after.gapsFilled).toBe(before.gapsFilled + 1);
  });

  it('drops a pending backfill and its buffered live trades; a late page of the old filler emits nothing', async () => {
    const out: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const fi = new FeedIntegrity({
      venue: 'binance', onEvent: (e) => out.push(label(e)),
      fetchTrades: async function* (symbol, from, to) {
        await gate;
        yield { trades: Array.from({ length: (to ?? from) - from + 1 }, (_, i) => trade(symbol, from + i)) };
      },
    });
    fi.push(trade('BTCUSDT', 1));
    fi.push(trade('BTCUSDT', 10)); // gap 2..9: backfill waits on the gate, 10 is held back
    fi.push(trade('BTCUSDT', 11));
    expect(fi.stats()).toMatchObject({ backfillsInProgress: 1, bufferedTrades: 2, streamsBehind: 1 });
    expect(out).toEqual(['BTCUSDT:1', 'BTCUSDT:behind']);

    fi.forgetSymbol('BTCUSDT');
    expect(fi.stats()).toMatchObject({ backfillsInProgress: 0, bufferedTrades: 0, streamsBehind: 0, gapsDetected: 1 });
    await fi.idle(); // nothing left in flight
    release();
    await new Promise((r) => setImmediate(r));
    fi.push(trade('BTCUSDT', 50));
    await fi.idle();
    expect(out).toEqual(['BTCUSDT:1', 'BTCUSDT:behind', 'BTCUSDT:50']);
    fi.close();
  });
});
