/**
 * A second JS client users run, unchanged: the `binance` package (tiagosiebler), its WebsocketClient
 * pointed at tickgate by `wsUrl` (it connects to <wsUrl>/stream and SUBSCRIBEs) and its MainClient
 * by `baseUrl`. Trades equal the simulator's; REST exchangeInfo, depth, recent trades and klines
 * parse through the library.
 */
import { MainClient, WebsocketClient } from 'binance';
import { afterAll, describe, expect, it } from 'vitest';
import { useCompatDemo, waitFor } from './helpers.js';

const quiet = { trace: () => undefined, info: () => undefined, error: () => undefined };

describe('the `binance` npm client through tickgate\'s Binance-compatible endpoint', () => {
  const c = useCompatDemo({}, 200);
  let ws: WebsocketClient;

  afterAll(() => { ws?.closeAll(true); });

  it('WebsocketClient.subscribeSpotTrades: consecutive trades equal to the simulator\'s', async () => {
    ws = new WebsocketClient({ wsUrl: c.ws, beautify: false }, quiet as never);
    const got: { t: number; p: string; q: string; T: number; m: boolean }[] = [];
    ws.on('message', (m: unknown) => {
      const d = ((m as { data?: unknown }).data ?? m) as { e?: string; t: number; p: string; q: string; T: number; m: boolean };
      if (d.e === 'trade') got.push(d);
    });
    await ws.subscribeSpotTrades('BTCUSDT');
    await waitFor(() => got.length >= 30, '30 trades', 20_000);
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: got[0]!.t, limit: got.length });
    expect(got.map((d) => `${d.t}|${d.p}|${d.q}|${d.T}|${d.m}`)).toEqual(truth.map((t) => `${t.id}|${t.price}|${t.qty}|${t.timeMs}|${t.buyerMaker}`));
  }, 30_000);

  it('MainClient: exchangeInfo, depth, recent trades and klines', async () => {
    const rest = new MainClient({ baseUrl: c.rest });
    const info = await rest.getExchangeInfo();
    expect(info.symbols.map((s) => s.symbol)).toContain('BTCUSDT');
    const book = await rest.getOrderBook({ symbol: 'BTCUSDT', limit: 5 });
    expect(book.bids).toHaveLength(5);
    expect(book.lastUpdateId).toBeGreaterThan(0);
    const trades = await rest.getRecentTrades({ symbol: 'BTCUSDT', limit: 20 });
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: trades[0]!.id, limit: 20 });
    expect(trades.map((t) => t.id)).toEqual(truth.map((t) => t.id));
    const klines = await waitFor(async () => { try { return await rest.getKlines({ symbol: 'BTCUSDT', interval: '1s', limit: 3 }); } catch { return null; } }, 'klines covered', 15_000);
    expect(klines.length).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
