/**
 * The Binance-compatible WebSocket endpoint of a gateway pointed at the simulator, over real
 * sockets: trades equal the simulator's ground truth (ids, prices, sizes, times, sides), the diff
 * depth stream continues the REST snapshot tickgate serves (U/u) and the client's book ends equal
 * to the simulator's, a trade gap is backfilled to the client in id order, a book resync shows as
 * a U/u discontinuity, plus the combined envelope, partial depth, 1000 ms merged depth, bookTicker and klines.
 */
import { describe, expect, it } from 'vitest';
import { StreamClient, useCompatDemo, waitFor } from './helpers.js';

type Levels = [string, string][];
const canon = (p: string): string => p.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** A client-side book as Binance documents it: snapshot, then diffs with U <= L+1 <= u, then U = prev u + 1. */
class Replica {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  last = -1;
  breaks = 0;

  load(s: { lastUpdateId: number; bids: Levels; asks: Levels }): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of s.bids) this.bids.set(canon(p), q);
    for (const [p, q] of s.asks) this.asks.set(canon(p), q);
    this.last = s.lastUpdateId;
  }

  /** false when the diff does not continue the book (the client must resync). */
  apply(d: { U: number; u: number; b: Levels; a: Levels }): boolean {
    if (d.u <= this.last) return true;
    if (d.U > this.last + 1) {
      this.breaks++;
      return false;
    }
    for (const [side, levels] of [[this.bids, d.b], [this.asks, d.a]] as const) {
      for (const [p, q] of levels) {
        if (Number(q) === 0) side.delete(canon(p));
        else side.set(canon(p), q);
      }
    }
    this.last = d.u;
    return true;
  }

  top(n: number): { bids: Levels; asks: Levels } {
    const sort = (m: Map<string, string>, desc: boolean): Levels => [...m.entries()].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0]))).slice(0, n);
    return { bids: sort(this.bids, true), asks: sort(this.asks, false) };
  }
}

describe('Binance-compatible WebSocket streams', () => {
  const c = useCompatDemo({}, 200);
  const client = (path: string): StreamClient => c.client(path);

  it('/ws/<s>@trade: consecutive trade ids whose price, size, time and side equal the simulator\'s', async () => {
    const x = client('/ws/btcusdt@trade');
    await x.open();
    await waitFor(() => x.data().length >= 100, '100 trades');
    const got = x.data();
    const first = got[0]!.t as number;
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: first, limit: got.length });
    expect(truth.length).toBe(got.length);
    got.forEach((d, i) => {
      const t = truth[i]!;
      expect(d).toEqual({ e: 'trade', E: d.E, s: 'BTCUSDT', t: t.id, p: t.price, q: t.qty, T: t.timeMs, m: t.buyerMaker, M: true });
      expect(typeof d.E).toBe('number');
    });
  });

  it('a trade gap (frames skipped upstream) reaches the client backfilled, complete and in id order', async () => {
    const x = client('/ws/btcusdt@trade');
    await x.open();
    await waitFor(() => x.data().length >= 20, 'first trades');
    c.demo.simulator.faults.inject({ kind: 'skip', venue: 'binance', stream: 'btcusdt@trade', count: 30 });
    const filledBefore = c.demo.gateway.feeds.get('binance')!.integrity.stats().gapsFilled;
    await waitFor(() => c.demo.gateway.feeds.get('binance')!.integrity.stats().gapsFilled > filledBefore, 'gap filled', 20_000);
    await waitFor(() => x.data().length >= 100, '100 trades');
    const ids = x.data().map((d) => d.t as number);
    for (let i = 1; i < ids.length; i++) expect(ids[i], `trade #${i}`).toBe(ids[i - 1]! + 1);
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: ids[0]!, limit: ids.length });
    expect(x.data().map((d) => `${d.t}|${d.p}|${d.q}`)).toEqual(truth.map((t) => `${t.id}|${t.price}|${t.qty}`));
  }, 40_000);

  it('combined /stream envelope, SET_PROPERTY/GET_PROPERTY, bookTicker and partial depth frames', async () => {
    const x = client('/stream?streams=btcusdt@bookTicker/btcusdt@depth5');
    await x.open();
    await waitFor(() => x.frames.some((f) => f.json.stream === 'btcusdt@depth5') && x.frames.some((f) => f.json.stream === 'btcusdt@bookTicker'), 'both streams');
    const bt = x.frames.find((f) => f.json.stream === 'btcusdt@bookTicker')!.json.data as Record<string, unknown>;
    expect(Object.keys(bt)).toEqual(['u', 's', 'b', 'B', 'a', 'A']);
    expect(bt.s).toBe('BTCUSDT');
    expect(bt.b).toMatch(/^\d+\.\d{8}$/);
    const p5 = x.frames.find((f) => f.json.stream === 'btcusdt@depth5')!.json.data as { lastUpdateId: number; bids: Levels; asks: Levels };
    expect(Object.keys(p5)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(p5.bids.length).toBe(5);
    expect(Number(p5.bids[0]![0])).toBeLessThan(Number(p5.asks[0]![0]));
    expect(await x.request('GET_PROPERTY', ['combined'])).toEqual({ result: true, id: 1 });
    expect(await x.request('SET_PROPERTY', ['combined', false])).toEqual({ result: null, id: 2 });
    const from = x.frames.length;
    await waitFor(() => x.frames.slice(from).some((f) => 'lastUpdateId' in f.json), 'a raw partial frame');
    expect(x.frames.slice(from).every((f) => !('stream' in f.json))).toBe(true);
  });

  it('kline_1m: Binance kline frames whose trade count and close match the trades of the minute', async () => {
    const x = client('/ws/btcusdt@kline_1m');
    await x.open();
    await waitFor(() => x.data().length >= 2, 'kline updates', 10_000);
    const k = x.data().at(-1)!.k as Record<string, unknown>;
    expect(Object.keys(k)).toEqual(['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B']);
    expect(k.i).toBe('1m');
    expect((k.T as number) - (k.t as number)).toBe(59_999);
    // Trades from f to L are the minute's trades seen since the stream started.
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: k.f as number, toId: k.L as number });
    expect(truth.length).toBe(k.n);
    expect(k.c).toBe(truth.at(-1)!.price);
    expect(truth.every((t) => t.timeMs >= (k.t as number) && t.timeMs <= (k.T as number))).toBe(true);
  });

  it('kline_1s from its first frame holds the whole interval (seeded from memory): every trade of the second up to L', async () => {
    const x = client('/ws/btcusdt@kline_1s');
    await x.open();
    await waitFor(() => x.data().length >= 3, 'kline updates', 10_000);
    for (const d of x.data().slice(0, 3)) {
      const k = d.k as { t: number; T: number; f: number; L: number; n: number; c: string };
      if (k.n === 0) continue;
      const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT').filter((t) => t.timeMs >= k.t && t.timeMs <= k.T && t.id <= k.L);
      expect([k.f, k.n, k.c]).toEqual([truth[0]!.id, truth.length, truth.at(-1)!.price]);
    }
  });

  it('<s>@depth (1000 ms): merged diffs, about a second apart, U = previous u + 1, continuing tickgate\'s snapshot', async () => {
    const x = client('/ws/btcusdt@depth');
    await x.open();
    await waitFor(() => x.data().length >= 1, 'first merged diff', 10_000);
    const snap = await (await fetch(`${c.rest}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json() as { lastUpdateId: number; bids: Levels; asks: Levels };
    const book = new Replica();
    book.load(snap);
    await waitFor(() => x.data().length >= 5, '5 merged diffs', 15_000);
    const frames = x.frames.filter((f) => f.json.e === 'depthUpdate');
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!.json.U, `frame ${i}`).toBe((frames[i - 1]!.json.u as number) + 1);
      expect(frames[i]!.at - frames[i - 1]!.at).toBeGreaterThan(500);
    }
    for (const f of frames) expect(book.apply(f.json as unknown as { U: number; u: number; b: Levels; a: Levels })).toBe(true);
    expect(book.last).toBe(frames.at(-1)!.json.u);
  }, 30_000);

  it('diff depth continues tickgate\'s REST snapshot (U/u) through a resync, and the client\'s book ends equal to the simulator\'s', async () => {
    const x = client('/ws/btcusdt@depth@100ms');
    await x.open();
    await waitFor(() => x.data().length >= 3, 'first diffs');
    const snap = await (await fetch(`${c.rest}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json() as { lastUpdateId: number; bids: Levels; asks: Levels };
    const book = new Replica();
    book.load(snap);
    const first = x.data()[0]!;
    expect(first.U as number).toBeLessThanOrEqual(snap.lastUpdateId + 1);
    let applied = 0;
    let resyncs = 0;
    const drain = async (): Promise<void> => {
      for (; applied < x.data().length; applied++) {
        const d = x.data()[applied] as unknown as { U: number; u: number; b: Levels; a: Levels };
        if (!book.apply(d)) {
          // As a Binance client would: a discontinuity means fetch a new snapshot (from tickgate).
          resyncs++;
          book.load(await (await fetch(`${c.rest}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json() as { lastUpdateId: number; bids: Levels; asks: Levels });
          book.apply(d);
        }
      }
    };
    await waitFor(async () => { await drain(); return applied >= 40; }, '40 diffs');
    expect(resyncs).toBe(0);
    // Lose depth frames upstream: tickgate resyncs its book; the client sees a U/u jump, like Binance.
    const resyncsBefore = c.demo.gateway.feeds.get('binance')!.integrity.stats().bookResyncs;
    c.demo.simulator.faults.inject({ kind: 'skip', venue: 'binance', stream: 'btcusdt@depth@100ms', count: 3 });
    await waitFor(() => c.demo.gateway.feeds.get('binance')!.integrity.stats().bookResyncs > resyncsBefore, 'tickgate book resync', 20_000);
    await waitFor(async () => { await drain(); return resyncs > 0 && applied >= 80; }, 'client resync and 40 more diffs', 20_000);
    // Stop the market and compare with the simulator's book at the same update id.
    c.demo.simulator.setRate(0);
    c.demo.simulator.publishBooks();
    const truth = await waitFor(async () => {
      await drain();
      const t = c.demo.simulator.truth.book('binance', 'BTCUSDT')!;
      return book.last === t.lastUpdateId ? t : null;
    }, 'client book at the simulator\'s last update id', 15_000, () => ({ client: book.last, sim: c.demo.simulator.truth.book('binance', 'BTCUSDT')?.lastUpdateId }));
    const n = 100;
    const mine = book.top(n);
    expect(mine.bids.map(([p, q]) => `${canon(p)}:${q}`)).toEqual(truth.bids.slice(0, n).map(([p, q]) => `${canon(p)}:${q}`));
    expect(mine.asks.map(([p, q]) => `${canon(p)}:${q}`)).toEqual(truth.asks.slice(0, n).map(([p, q]) => `${canon(p)}:${q}`));
    c.demo.simulator.setRate(200);
  }, 60_000);
});
