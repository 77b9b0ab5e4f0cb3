/**
 * The 24 h ticker streams through a gateway pointed at the simulator: every field of
 * `<s>@miniTicker`, `<s>@ticker` and the `!…@arr` forms equals what the simulator's ground-truth
 * trades F..L give when computed here independently (exact decimal strings), and the frames come
 * at Binance's 1000 ms speed; ccxt's watchTicker parses them unchanged.
 */
import { describe, expect, it } from 'vitest';
import { metric, parseMetrics } from '../gateway/helpers.js';
import { StreamClient, useCompatDemo, waitFor } from './helpers.js';
import { ccxtAt } from './ccxt-at.js';
import { big8, foldTrades, str8, type FoldTrade } from './truth-fold.js';

/** A 24 h ticker's figures of trades F..L: the fold, change, VWAP and last quantity. */
function expected(truth: readonly FoldTrade[]) {
  const f = foldTrades(truth);
  return { ...f, p: str8(f.units.c - f.units.o), w: str8((f.units.q * 100_000_000n) / f.units.v), Q: str8(big8(truth.at(-1)!.qty)) };
}

describe('Binance-compatible 24 h ticker streams', () => {
  const c = useCompatDemo({}, 200);
  const clients = c.clients;

  const truthOf = (F: number, L: number) => c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: F, limit: L - F + 1 });

  it('@miniTicker, @ticker and !…@arr: every field equals the simulator\'s trades F..L, pushed each 1000 ms', async () => {
    const x = new StreamClient(`${c.ws}/stream?streams=btcusdt@ticker/btcusdt@miniTicker/!miniTicker@arr/!ticker@arr`);
    clients.push(x);
    await x.open();
    const of = (stream: string) => x.data((_d, s) => s === stream);
    await waitFor(() => of('btcusdt@ticker').length >= 4 && of('!ticker@arr').length >= 2 && of('!miniTicker@arr').length >= 2, 'ticker frames', 20_000);

    const tickers = of('btcusdt@ticker');
    for (const d of tickers.slice(-3)) {
      expect(Object.keys(d)).toEqual(['e', 'E', 's', 'p', 'P', 'w', 'x', 'c', 'Q', 'b', 'B', 'a', 'A', 'o', 'h', 'l', 'v', 'q', 'O', 'C', 'F', 'L', 'n']);
      const F = d.F as number;
      const L = d.L as number;
      const truth = truthOf(F, L);
      expect(truth.length).toBe(L - F + 1);
      expect(d.n).toBe(truth.length);
      const e = expected(truth);
      expect({ p: d.p, w: d.w, c: d.c, Q: d.Q, o: d.o, h: d.h, l: d.l, v: d.v, q: d.q }).toEqual({ p: e.p, w: e.w, c: e.c, Q: e.Q, o: e.o, h: e.h, l: e.l, v: e.v, q: e.q });
      expect(d.e).toBe('24hrTicker');
      expect(d.s).toBe('BTCUSDT');
      expect(d.C).toBe(d.E);
      expect(d.O).toBe(Math.floor(((d.C as number) - 86_400_000) / 60_000) * 60_000);
      // Percent: independent float check within rounding of the 3rd decimal.
      expect(Math.abs(Number(d.P) - (Number(e.p) / Number(e.o)) * 100)).toBeLessThan(0.0006);
      for (const k of ['b', 'B', 'a', 'A', 'x']) expect(d[k]).toMatch(/^\d+\.\d{8}$/);
      expect(Number(d.b)).toBeLessThan(Number(d.a));
    }
    // The first trade of the window is the first the gateway saw: later frames keep F and grow L.
    const Fs = new Set(tickers.map((d) => d.F));
    expect(Fs.size).toBe(1);

    for (const d of of('btcusdt@miniTicker').slice(-3)) {
      expect(Object.keys(d)).toEqual(['e', 'E', 's', 'c', 'o', 'h', 'l', 'v', 'q']);
      // miniTicker carries no F/L: match it against the ticker frame of the same push.
      const full = tickers.find((t) => t.E === d.E);
      expect(full, `ticker frame of E=${d.E}`).toBeDefined();
      const e = expected(truthOf(full!.F as number, full!.L as number));
      expect({ e: d.e, s: d.s, c: d.c, o: d.o, h: d.h, l: d.l, v: d.v, q: d.q }).toEqual({ e: '24hrMiniTicker', s: 'BTCUSDT', c: e.c, o: e.o, h: e.h, l: e.l, v: e.v, q: e.q });
    }

    // The all-market arrays hold one entry per carried symbol that changed, equal to the single-symbol frames.
    for (const arr of of('!ticker@arr').slice(-2) as unknown as Record<string, unknown>[][]) {
      expect(Array.isArray(arr)).toBe(true);
      const syms = arr.map((t) => t.s);
      expect(new Set(syms).size).toBe(syms.length);
      const btc = arr.find((t) => t.s === 'BTCUSDT')!;
      expect(btc).toEqual(tickers.find((t) => t.E === btc.E));
    }
    for (const arr of of('!miniTicker@arr').slice(-2) as unknown as Record<string, unknown>[][]) {
      const btc = arr.find((t) => t.s === 'BTCUSDT')!;
      expect(btc.e).toBe('24hrMiniTicker');
      expect(btc).toEqual(of('btcusdt@miniTicker').find((t) => t.E === btc.E));
    }

    // 1000 ms update speed: consecutive pushes about a second apart (the hub clock is 100 ms).
    const times = tickers.map((d) => d.E as number);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
  }, 40_000);

  it('SUBSCRIBE to @ticker of an on-demand symbol and to !ticker@arr is acked; ticker/24hr is forwarded while the window is not whole', async () => {
    const x = new StreamClient(`${c.ws}/ws`);
    clients.push(x);
    expect(await x.request('SUBSCRIBE', ['ethusdt@miniTicker', '!ticker@arr'])).toEqual({ result: null, id: 1 });
    await waitFor(() => x.data((d) => d.e === '24hrMiniTicker' && d.s === 'ETHUSDT').length >= 1, 'ETHUSDT miniTicker', 20_000);
    expect(await x.request('LIST_SUBSCRIPTIONS')).toEqual({ result: ['ethusdt@miniTicker', '!ticker@arr'], id: 2 });
    const forwardedBefore = c.demo.gateway.compat!.rest.counters.forwarded;
    // The window is minutes old, not 24 h: tickgate does not hold every trade of it, so the venue answers.
    const r = await fetch(`${c.rest}/api/v3/ticker/24hr?symbol=BTCUSDT`);
    await r.text();
    expect(c.demo.gateway.compat!.rest.counters.forwarded).toBe(forwardedBefore + 1);
    // One window per symbol that traded (BTCUSDT configured, ETHUSDT on demand), on /metrics.
    const m = parseMetrics(await (await fetch(`${c.demo.gateway.url}/metrics`)).text());
    expect(metric(m, 'tickgate_compat_ticker_windows', { venue: 'binance' })).toBe(2);
    expect(metric(m, 'tickgate_compat_ticker_symbols_pushed_total', { venue: 'binance' })).toBeGreaterThan(0);
  }, 40_000);

  it('ccxt watchTicker (miniTicker by default, <s>@ticker by name): last, open, high, low, volumes and vwap equal the simulator\'s trades F..L', async () => {
    const ex = ccxtAt(c.rest, c.ws);
    try {
      await ex.loadHttpProxyAgent();
      await ex.loadMarkets();
      // ccxt's default is the miniTicker stream; `name: 'ticker'` asks the full one (which carries F/L).
      const mini = await ex.watchTicker('BTC/USDT');
      expect((mini.info as Record<string, unknown>).e).toBe('24hrMiniTicker');
      expect(mini.last).toBeGreaterThan(0);
      let t = await ex.watchTicker('BTC/USDT', { name: 'ticker' });
      t = await ex.watchTicker('BTC/USDT', { name: 'ticker' }); // a second push: the window holds trades of 2+ s
      const info = t.info as Record<string, unknown>;
      expect(info.e).toBe('24hrTicker');
      const e = expected(truthOf(info.F as number, info.L as number));
      expect(t.symbol).toBe('BTC/USDT');
      expect({ last: t.last, open: t.open, high: t.high, low: t.low, baseVolume: t.baseVolume, quoteVolume: t.quoteVolume, vwap: t.vwap, change: t.change })
        .toEqual({ last: Number(e.c), open: Number(e.o), high: Number(e.h), low: Number(e.l), baseVolume: Number(e.v), quoteVolume: Number(e.q), vwap: Number(e.w), change: Number(e.p) });
      expect(t.bid).toBeLessThan(t.ask!);
    } finally {
      await ex.close();
    }
  }, 40_000);
});
