/**
 * StreamHub with the USD-M dialect: `<s>@markPrice` gets one update per 3 s of the venue's 1 s
 * ones, `@markPrice@1s` every one; a 500 ms diff stream pushes one merged frame per 10 ticks of
 * the 50 ms clock, chained by pu. Real sessions over a socket stand-in; the clock is a variable.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { StreamHub } from '../../../src/compat/binance/hub.js';
import { MarketState } from '../../../src/compat/binance/market-state.js';
import { CompatSession } from '../../../src/compat/binance/session.js';
import { parseStream } from '../../../src/compat/binance/streams.js';
import { USDM_DIALECT } from '../../../src/compat/binance/usdm-frames.js';
import type { BookDelta, MarkPrice } from '../../../src/model/events.js';

function session(id: number): CompatSession & { out: Record<string, unknown>[] } {
  const out: Record<string, unknown>[] = [];
  const ws = { bufferedAmount: 0, send(t: string) { out.push(JSON.parse(t) as Record<string, unknown>); }, terminate() {}, close() {} } as unknown as WebSocket;
  return Object.assign(new CompatSession(id, ws, false, 0, { maxIncomingMessagesPerSec: 5, maxSocketBufferedBytes: 1 << 20 }, () => undefined), { out });
}

const mark = (t: number): MarkPrice => ({ type: 'mark_price', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: t, receiveTime: t, markPrice: String(t), indexPrice: '1', fundingRate: '0.0001', nextFundingTime: 0 });
const delta = (U: number, u: number, pu: number, t: number): BookDelta => ({
  type: 'book_delta', venue: 'binance-futures', symbol: 'BTCUSDT', eventTime: t, receiveTime: t, firstUpdateId: U, lastUpdateId: u, prevUpdateId: pu, seq: null, bids: [[String(u), '1']], asks: [],
});

describe('StreamHub (USD-M)', () => {
  it('markPrice: every venue update on @markPrice@1s, one per 3 s on @markPrice', () => {
    let now = 0;
    const hub = new StreamHub(new MarketState({ venue: 'binance-futures', tradesPerSymbol: 10, maxSymbols: 2 }), () => now, 'aggTrade', USDM_DIALECT);
    const fast = session(1);
    const slow = session(2);
    hub.add(fast, parseStream('btcusdt@markPrice@1s', USDM_DIALECT)!);
    hub.add(slow, parseStream('btcusdt@markPrice', USDM_DIALECT)!);
    for (let t = 1_000; t <= 10_000; t += 1_000) hub.onMarkPrice(mark((now = t)));
    expect(fast.out.map((f) => f.E)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000]);
    expect(slow.out.map((f) => f.E)).toEqual([1_000, 4_000, 7_000, 10_000]);
    expect(slow.out[0]).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSDT', p: '1000' });
  });

  it('@depth@500ms: the deltas of 10 clock ticks in one frame, U of the first, u and the chain of pu across frames', () => {
    let now = 0;
    const hub = new StreamHub(new MarketState({ venue: 'binance-futures', tradesPerSymbol: 10, maxSymbols: 2 }), () => now, 'aggTrade', USDM_DIALECT);
    const s = session(1);
    hub.add(s, parseStream('btcusdt@depth@500ms', USDM_DIALECT)!);
    let u = 100;
    for (let tick = 1; tick <= 20; tick++) {
      now = tick * 50;
      if (tick % 2 === 0) { hub.onDelta(delta(u + 1, u + 3, u, now)); u += 3; } // a venue delta every 100 ms
      (hub as unknown as { tick(): void }).tick();
    }
    expect(s.out.map((f) => [f.U, f.u, f.pu])).toEqual([[101, 115, 100], [116, 130, 115]]);
  });
});
