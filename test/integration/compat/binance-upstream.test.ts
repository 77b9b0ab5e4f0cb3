/**
 * One upstream subscription per stream: 20 clients asking for a stream tickgate does not carry
 * (ETHUSDT trades) make it subscribe once, on tickgate's existing connection (no new upstream
 * connection); all 20 see the same trades, equal to the simulator's; the stream is released
 * upstream after the grace period once the last client left.
 */
import { describe, expect, it } from 'vitest';
import { StreamClient, useCompatDemo, waitFor } from './helpers.js';
import { metric, parseMetrics } from '../gateway/helpers.js';

describe('Binance-compatible endpoint: one upstream per stream, on demand', () => {
  const c = useCompatDemo({}, 200);
  const clients = c.clients;

  const binanceConnections = (): number => c.demo.gateway.manager.details().filter((d) => d.venue === 'binance').length;

  it('20 clients on ethusdt@trade: subscribed upstream once, same trades for all, equal to the simulator; released after the grace period', async () => {
    const connsBefore = binanceConnections();
    const feed = c.demo.gateway.feeds.get('binance')!;
    const streamsOf = (): string[] => feed.connectionList().flatMap((x) => x.streams());
    expect(streamsOf()).not.toContain('ethusdt@trade');
    for (let i = 0; i < 20; i++) clients.push(new StreamClient(i % 2 === 0 ? `${c.ws}/ws/ethusdt@trade` : `${c.ws}/ws`));
    await Promise.all(clients.map((x) => x.open()));
    await Promise.all(clients.map((x, i) => (i % 2 === 0 ? Promise.resolve() : x.request('SUBSCRIBE', ['ethusdt@trade']).then((r) => expect(r).toEqual({ result: null, id: 1 })))));
    await waitFor(() => clients.every((x) => x.data().length >= 40), '40 ETHUSDT trades on every client', 30_000);
    expect(streamsOf().filter((s) => s === 'ethusdt@trade')).toHaveLength(1);
    expect(binanceConnections()).toBe(connsBefore);
    // The multiplier on /metrics: 20 subscriptions downstream, one stream, one on-demand upstream.
    const m = parseMetrics(await (await fetch(`${c.demo.gateway.url}/metrics`)).text());
    expect(metric(m, 'tickgate_compat_clients', { venue: 'binance' })).toBe(20);
    expect(metric(m, 'tickgate_compat_subscriptions', { venue: 'binance' })).toBe(20);
    expect(metric(m, 'tickgate_compat_streams_downstream', { venue: 'binance' })).toBe(1);
    expect(metric(m, 'tickgate_compat_upstream_streams_on_demand', { venue: 'binance' })).toBe(1);
    expect(metric(m, 'tickgate_compat_deliveries_total', { venue: 'binance' })).toBeGreaterThanOrEqual(20 * 40);
    // Every client sees the same ids (from where each joined), in order, equal to the simulator's.
    const last = Math.min(...clients.map((x) => x.data().at(-1)!.t as number));
    const start = Math.max(...clients.map((x) => x.data()[0]!.t as number));
    expect(last - start).toBeGreaterThan(10);
    const truth = c.demo.simulator.truth.trades('binance', 'ETHUSDT', { fromId: start, toId: last }).map((t) => `${t.id}|${t.price}|${t.qty}|${t.timeMs}|${t.buyerMaker}`);
    for (const x of clients) {
      const seen = x.data().filter((d) => (d.t as number) >= start && (d.t as number) <= last).map((d) => `${d.t}|${d.p}|${d.q}|${d.T}|${d.m}`);
      expect(seen).toEqual(truth);
    }
    await Promise.all(clients.map((x) => x.close()));
    await waitFor(() => !streamsOf().includes('ethusdt@trade'), 'ethusdt@trade released upstream', 10_000);
    // The configured stream is never released.
    expect(streamsOf()).toContain('btcusdt@trade');
  }, 60_000);

  it('an on-demand book (ethusdt@depth@100ms): integrity syncs it, the diffs continue tickgate\'s REST snapshot of it', async () => {
    const x = new StreamClient(`${c.ws}/ws/ethusdt@depth@100ms`);
    clients.push(x);
    await x.open();
    await waitFor(() => x.data().length >= 3, 'ETHUSDT diffs', 20_000);
    const fromState = c.demo.gateway.compat!.rest.counters.fromState;
    const snap = await (await fetch(`${c.rest}/api/v3/depth?symbol=ETHUSDT&limit=1000`)).json() as { lastUpdateId: number };
    expect(c.demo.gateway.compat!.rest.counters.fromState).toBe(fromState + 1); // the maintained book, not a forward
    await waitFor(() => x.data().some((d) => (d.u as number) > snap.lastUpdateId), 'a diff after the snapshot', 10_000);
    const after = x.data().filter((d) => (d.u as number) > snap.lastUpdateId);
    expect(after[0]!.U as number).toBeLessThanOrEqual(snap.lastUpdateId + 1);
    for (let i = 1; i < after.length; i++) expect(after[i]!.U).toBe((after[i - 1]!.u as number) + 1);
    await x.close();
  }, 40_000);
});
