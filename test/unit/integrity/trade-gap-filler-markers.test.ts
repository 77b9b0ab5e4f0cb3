/**
 * The in-band behind/whole pair of one backfill episode, on every path a loaded machine can take:
 * the live buffer overflowing (backfill continued up to the newest live id), the backfill ending
 * while live trades are buffered, a failing fetch then success, and the socket dropping during the
 * backfill (reconnect mid-way, or at the tail: whole only after the reconnect's catch-up). Driven
 * step by step (each page answered when the test says), so every interleaving is deterministic.
 * Checked: exactly one 'behind' before the first missed id and one 'whole' after the last id,
 * every id once in order, live copies preferred.
 */
import { describe, expect, it } from 'vitest';
import { TradeGapFiller, type FetchTrades, type FillerEvent, type TradePage } from '../../../src/integrity/trade-gap-filler.js';
import type { IntegrityTimers } from '../../../src/integrity/timers.js';
import type { Trade } from '../../../src/model/events.js';

const trade = (id: number, source = 'trade'): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_000 + id, receiveTime: 2_000 + id, tradeId: String(id), seq: id,
  price: `${100 + (id % 13)}.${id % 10}0`, size: `0.${id % 97}`, side: id % 2 === 0 ? 'buy' : 'sell', source,
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const ticks = async (n = 4): Promise<void> => { for (let i = 0; i < n; i++) await tick(); };
const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Retry waits end on the next macrotask. */
const immediateTimers: IntegrityTimers = { setTimeout: (fn) => setImmediate(fn), clearTimeout: (h) => clearImmediate(h as NodeJS.Immediate) };

/**
 * A venue with ids 1..newest, pages of `pageRows` served one at a time when the test releases
 * them (`release`), or all at once after `openAll`. `failNext` makes the next page request throw.
 */
function venue(pageRows: number) {
  let newest = 0;
  let failNext = 0;
  let open = false;
  const waiting: (() => void)[] = [];
  const ranges: [number, number | null][] = [];
  const gate = (): Promise<void> => (open ? tick() : new Promise<void>((r) => waiting.push(r)));
  const fetchTrades: FetchTrades = async function* (_s, from, to): AsyncGenerator<TradePage> {
    ranges.push([from, to]);
    for (let start = from; ; start += pageRows) {
      await gate();
      if (failNext > 0) {
        failNext--;
        throw new Error('HTTP 503');
      }
      const end = Math.min(to ?? newest, newest, start + pageRows - 1);
      const rows: Trade[] = [];
      for (let id = start; id <= end; id++) rows.push(trade(id, 'backfill'));
      if (rows.length > 0) yield { trades: rows };
      if (end < start + pageRows - 1 || (to !== null && end >= to)) return; // short page: nothing newer; or range done
    }
  };
  return {
    fetchTrades, ranges,
    setNewest: (n: number) => { newest = n; },
    fail: (n = 1) => { failNext += n; },
    /** Answers the next `n` page requests and lets the filler merge them. */
    release: async (n = 1) => { for (let i = 0; i < n; i++) { await ticks(); waiting.shift()?.(); await ticks(); } },
    openAll: () => { open = true; for (const r of waiting.splice(0)) r(); },
  };
}

function rig(maxBuffered: number, pageRows = 10) {
  const v = venue(pageRows);
  const out: FillerEvent[] = [];
  const f = new TradeGapFiller({ venue: 'binance', symbol: 'BTCUSDT', source: 'trade', emit: (e) => out.push(e), fetchTrades: v.fetchTrades, maxBuffered, retryDelayMs: 1, maxAttempts: 5, timers: immediateTimers });
  /** The venue makes ids up to `to`; the live socket delivers them (when `delivered`). */
  let made = 0;
  const make = (to: number, delivered: boolean): void => {
    v.setNewest(to);
    for (let id = made + 1; id <= to; id++) if (delivered) f.push(trade(id));
    made = Math.max(made, to);
  };
  const markers = (): string[] => out.flatMap((e) => (e.type === 'stream_state' ? [`${e.state}:${e.reason}`] : e.type === 'trade_gap' ? [`gap:${e.reason}`] : []));
  const tradeIds = (): number[] => out.flatMap((e) => (e.type === 'trade' ? [e.seq!] : []));
  /** Exactly one behind right after `lastBefore` and one whole right after the last trade. */
  const expectOnePair = (lastBefore: number, last: number, reason: string): void => {
    expect(markers()).toEqual([`behind:${reason}`, 'whole:caught_up']);
    expect(tradeIds()).toEqual(ids(1, last));
    const behindAt = out.findIndex((e) => e.type === 'stream_state');
    expect(out[behindAt - 1]).toMatchObject({ type: 'trade', seq: lastBefore });
    expect(out.at(-1)).toMatchObject({ type: 'stream_state', state: 'whole', eventTime: trade(last).eventTime });
    expect(f.stats()).toMatchObject({ behind: 0, backfilling: 0, buffered: 0, behindEpisodes: 1, gapsUnfilled: 0 });
  };
  return { v, f, out, make, markers, tradeIds, expectOnePair };
}

describe('behind/whole around a backfill, one pair per episode', () => {
  it('live buffer overflows during a reconnect backfill: the backfill goes on up to the newest live id, then whole', async () => {
    const r = rig(5);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(60, false); // the outage
    r.f.onReconnect();
    await r.v.release(2); // 11..30
    r.make(80, true); // live 61..80: 5 held, 15 dropped (overflow)
    expect(r.f.stats()).toMatchObject({ buffered: 5, overflowDropped: 15 });
    r.v.openAll();
    await r.f.idle();
    r.expectOnePair(10, 80, 'disconnected');
    // Live copies of 61..65 kept; everything else fetched.
    expect(r.out.filter((e) => e.type === 'trade' && e.seq! > 10 && e.source === 'trade').map((e) => (e as Trade).seq)).toEqual(ids(61, 65));
  });

  it('a gap whose live buffer overflows: refetched up to the newest live id, then whole', async () => {
    const r = rig(3);
    r.make(5, true);
    r.make(20, false);
    r.make(30, true); // gap 6..20 seen at 21; 22,23 held, 24..30 dropped
    expect(r.markers()).toEqual(['behind:gap']);
    r.v.openAll();
    await r.f.idle();
    r.expectOnePair(5, 30, 'gap');
    expect(r.v.ranges[0]).toEqual([6, 20]);
  });

  it('the backfill ends while live trades are buffered: they follow in order, whole after the newest', async () => {
    const r = rig(1_000);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(35, false);
    r.f.onReconnect();
    r.make(45, true); // 36..45 held while the open range runs
    r.v.openAll();
    await r.f.idle();
    r.expectOnePair(10, 45, 'disconnected');
  });

  it('a fetch failing mid-way, then succeeding: fetched again from the first missing id, one pair', async () => {
    const r = rig(1_000);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(50, false);
    r.f.onReconnect();
    await r.v.release(1); // 11..20
    r.v.fail(2);
    r.make(55, true);
    r.v.openAll();
    await r.f.idle();
    r.expectOnePair(10, 55, 'disconnected');
    expect(r.f.stats().fetchFailures).toBe(2);
  });

  it('the socket drops and comes back during the backfill: one pair, whole only after the catch-up', async () => {
    const r = rig(4);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(50, false);
    r.f.onReconnect();
    await r.v.release(1);
    r.make(60, true); // 4 held, 6 dropped
    r.f.onDisconnect(); // ping timeout on a loaded machine
    r.make(70, false);
    await r.v.release(2);
    expect(r.markers()).toEqual(['behind:disconnected']);
    r.f.onReconnect();
    r.make(75, true);
    r.v.openAll();
    await r.f.idle();
    r.expectOnePair(10, 75, 'disconnected');
  });

  it('the socket drops at the tail of the backfill: the episode waits behind, whole after the reconnect\'s catch-up', async () => {
    const r = rig(1_000);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(30, false);
    r.f.onReconnect();
    r.make(40, true); // live 31..40 held
    await r.v.release(1); // 11..20
    r.f.onDisconnect(); // before the backfill reached the live trades
    r.v.openAll();
    await r.f.idle();
    expect(r.tradeIds()).toEqual(ids(1, 40));
    // Every id delivered, but the connection is down: not whole yet (trades may be happening).
    expect(r.markers()).toEqual(['behind:disconnected']);
    expect(r.f.stats()).toMatchObject({ behind: 1, backfilling: 0 });
    r.make(44, false);
    r.f.onReconnect();
    await r.f.idle();
    r.expectOnePair(10, 44, 'disconnected');
  });

  it('the socket drops at the tail and the new socket is quiet: the reconnect\'s open range reaching the venue end makes it whole', async () => {
    const r = rig(1_000);
    r.make(10, true);
    r.f.onDisconnect();
    r.make(30, false);
    r.f.onReconnect();
    await r.v.release(2);
    r.f.onDisconnect();
    r.v.openAll();
    await r.f.idle();
    expect(r.markers()).toEqual(['behind:disconnected']);
    r.f.onReconnect();
    await r.f.idle();
    r.expectOnePair(10, 30, 'disconnected');
  });

  it('a hole declared, then the socket drops at the tail: the whole after the reconnect still says declared_gap', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const fetchTrades: FetchTrades = async function* (_s, from) {
      if (from <= 20) {
        // ids 11..20 are older than the venue's history; 21..30 come, then the range waits
        yield { trades: ids(21, 30).map((id) => trade(id, 'backfill')), missing: { fromId: 11, toId: 20 } };
        await gate;
      }
    };
    const out: FillerEvent[] = [];
    const f = new TradeGapFiller({ venue: 'binance', symbol: 'BTCUSDT', source: 'trade', emit: (e) => out.push(e), fetchTrades, timers: immediateTimers, retryDelayMs: 1 });
    for (const id of ids(1, 10)) f.push(trade(id));
    f.onDisconnect();
    f.onReconnect();
    await ticks();
    f.onDisconnect();
    open();
    await f.idle();
    const labels = (): (string | number)[] => out.filter((e) => e.type !== 'trade' || e.seq! > 10).map((e) => (e.type === 'trade' ? e.seq! : e.type === 'stream_state' ? `${e.state}:${e.reason}` : `gap ${e.fromId}..${e.toId}`));
    expect(labels()).toEqual(['behind:disconnected', 'gap 11..20', ...ids(21, 30)]);
    f.onReconnect();
    await f.idle();
    expect(labels()).toEqual(['behind:disconnected', 'gap 11..20', ...ids(21, 30), 'whole:declared_gap']);
    // The next episode's whole is a plain catch-up again.
    f.onDisconnect();
    f.push(trade(31));
    expect(labels().slice(-3)).toEqual(['behind:disconnected', 31, 'whole:caught_up']);
  });
});
