/**
 * TakeoverBackfill with integrity's real TradeGapFiller and an in-memory venue: after a takeover
 * armed at the stream's last trade, what goes out is that stream continued without a gap or a
 * double, whatever the first live trade is.
 */
import { describe, expect, it } from 'vitest';
import { TakeoverBackfill, type ResumeFillerFactory } from '../../../src/cluster/takeover-backfill.js';
import { TradeGapFiller, type FetchTrades } from '../../../src/integrity/trade-gap-filler.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';

const trade = (id: number, symbol = 'BTCUSDT', source = 'trade'): Trade => ({
  type: 'trade', venue: 'binance', symbol, eventTime: 1_000 + id, receiveTime: 2_000 + id, tradeId: String(id), seq: id,
  price: `${100 + (id % 13)}.5`, size: `0.${id % 97}`, side: id % 2 === 0 ? 'buy' : 'sell', source,
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Pages of 50 from the venue's history (every id exists). */
const fetchTrades: FetchTrades = async function* (symbol, fromId, toId, source) {
  const last = toId ?? fromId + 199;
  for (let a = fromId; a <= last; a += 50) {
    await tick();
    yield { trades: Array.from({ length: Math.min(50, last - a + 1) }, (_, i) => trade(a + i, symbol, source)) };
  }
};

function rig(withFetcher = true): { tb: TakeoverBackfill; out: MarketEvent[]; made: string[] } {
  const out: MarketEvent[] = [];
  const made: string[] = [];
  const factory: ResumeFillerFactory = ({ venue, symbol, source, resumeAfterId, emit }) => {
    made.push(`${symbol}|${source}|${resumeAfterId}`);
    if (!withFetcher) return null;
    const f = new TradeGapFiller({ venue, symbol, source, fetchTrades, emit, resumeAfterId });
    return { push: (t) => f.push(t), catchingUp: () => { const s = f.stats(); return s.backfilling > 0 || s.buffered > 0 || s.behind > 0; }, close: () => f.close() };
  };
  const tb = new TakeoverBackfill(factory, (e) => out.push(e));
  return { tb, out, made };
}
const seqs = (out: readonly MarketEvent[], symbol = 'BTCUSDT'): number[] => out.flatMap((e) => (e.type === 'trade' && e.symbol === symbol ? [e.seq!] : []));
const until = async (cond: () => boolean): Promise<void> => { for (let i = 0; i < 1_000 && !cond(); i++) await tick(); };

describe('TakeoverBackfill', () => {
  it('a live stream that continues the bus passes straight through (no filler, no fetch)', () => {
    const { tb, out, made } = rig();
    tb.arm('binance', 'BTCUSDT', 'trade', 100);
    for (const id of [99, 100, 101, 102]) tb.push(trade(id)); // a ring replay starting below the stream's last
    expect(seqs(out)).toEqual([99, 100, 101, 102]); // the publish floors drop 99 and 100 later
    expect(made).toEqual([]);
    expect(tb.stats).toMatchObject({ armed: 1, backfilled: 0 });
  });

  it('ring trades from before an earlier loss of the shard (below the stream\'s last) do not disarm it: the first trade past it still backfills', async () => {
    const { tb, out, made } = rig();
    tb.arm('binance', 'BTCUSDT', 'trade', 100);
    for (const id of [40, 41, 42]) tb.push(trade(id)); // the stream holds them (the floors drop them later)
    tb.push(trade(110)); // subscribed again: the stream ends at 100, 101..109 reached nobody
    await until(() => seqs(out).includes(110));
    expect(seqs(out)).toEqual([40, 41, 42, ...Array.from({ length: 10 }, (_, i) => 101 + i)]);
    expect(made).toEqual(['BTCUSDT|trade|100']);
    expect(tb.stats).toMatchObject({ armed: 1, backfilled: 1 });
  });

  it('a first trade past the stream\'s last backfills exactly the ids between, in order, then goes live', async () => {
    const { tb, out, made } = rig();
    tb.arm('binance', 'BTCUSDT', 'trade', 100);
    tb.push(trade(231));
    tb.push(trade(232));
    await until(() => seqs(out).includes(232));
    tb.push(trade(233));
    tb.push(trade(234));
    const ids = seqs(out);
    expect(ids).toEqual(Array.from({ length: 134 }, (_, i) => 101 + i));
    expect(made).toEqual(['BTCUSDT|trade|100']);
    expect(tb.stats.backfilled).toBe(1);
    expect(tb.running()).toBe(0); // whole: the filler is gone, trades pass directly
    const markers = out.filter((e) => e.type === 'stream_state').map((e) => (e.type === 'stream_state' ? e.state : ''));
    expect(markers).toEqual(['behind', 'whole']);
  });

  it('streams are independent: another symbol and another kind pass while one backfills', async () => {
    const { tb, out } = rig();
    tb.arm('binance', 'BTCUSDT', 'trade', 10);
    tb.push(trade(20));
    tb.push(trade(5, 'ETHUSDT'));
    tb.push(trade(7, 'BTCUSDT', 'aggTrade'));
    expect(seqs(out, 'ETHUSDT')).toEqual([5]);
    await until(() => seqs(out).length >= 10);
    expect(seqs(out).filter((id) => id !== 7)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
  });

  it('disarm on losing the shard: a later first trade is not backfilled', () => {
    const { tb, out, made } = rig();
    tb.arm('binance', 'BTCUSDT', 'trade', 10);
    tb.disarm((_v, s) => s === 'BTCUSDT');
    tb.push(trade(50));
    expect(seqs(out)).toEqual([50]);
    expect(made).toEqual([]);
  });

  it('without a REST fetcher the gap is counted and the trade passes', () => {
    const { tb, out } = rig(false);
    tb.arm('binance', 'BTCUSDT', 'trade', 10);
    tb.push(trade(50));
    expect(seqs(out)).toEqual([50]);
    expect(tb.stats).toMatchObject({ backfilled: 1, unfillable: 1 });
  });
});
