/**
 * The assembled gateway (startDemo: simulator + gateway + SQLite + downstream server) over real
 * loopback sockets: HTTP endpoints, metrics, downstream channels, storage and graceful stop.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '../../../src/gateway/demo.js';
import type { GatewayStatus } from '../../../src/gateway/status.js';
import { TickgateClient } from '../../../src/server/client.js';
import type { DataMessage } from '../../../src/server/protocol.js';
import type { Aggregate, Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { FAST_CONNECTION, getJson, metric, parseMetrics, readSqlite, tempDir, waitFor, type SnapshotRow } from './helpers.js';

const SNAP = 'snapshots.1s.binance.BTCUSDT';
const CANDLE = 'candles.t100.binance.BTCUSDT';

describe('gateway demo: endpoints, channels, storage, graceful stop', () => {
  const tmp = tempDir('gw');
  let demo: Demo;
  let client: TickgateClient;
  const received = { status: [] as GatewayStatus[], snapshots: [] as Snapshot1s[], candles: [] as Candle[], gaps: 0 };
  const pushed: SinkRecord[] = [];

  beforeAll(async () => {
    demo = await startDemo({
      port: 0, dataDir: tmp.dir, rate: 150, cryptoSymbols: ['BTCUSDT'], equitySymbols: ['AAPL'], overrides: FAST_CONNECTION,
    });
    // Record exactly what the aggregator hands to the sinks (the spy forwards every call).
    const sinks = demo.gateway.sinks;
    const push = sinks.push.bind(sinks);
    vi.spyOn(sinks, 'push').mockImplementation((recs: readonly SinkRecord[]) => { pushed.push(...recs); return push(recs); });
    client = new TickgateClient({ url: `${demo.gateway.url!.replace(/^http/, 'ws')}/ws`, channels: ['status', SNAP, CANDLE] });
    client.on('data', (m: DataMessage) => {
      if (m.channel === 'status') received.status.push(m.data as GatewayStatus);
      else if (m.channel === SNAP) received.snapshots.push(m.data as Snapshot1s);
      else if (m.channel === CANDLE) received.candles.push(m.data as Candle);
    });
    client.on('gap', () => { received.gaps++; });
    client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await demo?.stop();
    tmp.remove();
  });

  it('/healthz answers 200 and /readyz turns 200 once every feed is live', async () => {
    const base = demo.gateway.url!;
    const h = await getJson<{ ok: boolean; uptimeMs: number }>(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    const r = await waitFor(async () => { const x = await getJson<{ ready: boolean; reasons: Record<string, string> }>(`${base}/readyz`); return x.status === 200 ? x : null; }, '/readyz 200');
    expect(r.body).toEqual({ ready: true, reasons: {} });
  });

  it('/metrics exposes tickgate_* series with counted frames, connections by state, healthy sinks', async () => {
    const base = demo.gateway.url!;
    await waitFor(() => demo.gateway.status().venues.every((v) => v.framesTotal > 0), 'frames on every venue');
    await waitFor(() => client.state === 'open', 'the downstream client connected');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const m = parseMetrics(await res.text());
    const details = demo.gateway.manager.details();
    expect(details.length).toBeGreaterThanOrEqual(3); // binance, bybit, equities
    expect(metric(m, 'tickgate_connections', { state: 'connected' })).toBe(details.filter((d) => d.state === 'connected').length);
    expect(metric(m, 'tickgate_connections', { state: 'connected' })).toBeGreaterThanOrEqual(3);
    for (const venue of ['binance', 'bybit', 'equities']) {
      expect(metric(m, 'tickgate_frames_total', { venue }), venue).toBeGreaterThan(0);
      expect(metric(m, 'tickgate_events_total', { venue }), venue).toBeGreaterThan(0);
      // A counter that never moved is absent (prom-client exports label sets only once incremented).
      expect(metric(m, 'tickgate_malformed_frames_total', { venue }) ?? 0, venue).toBe(0);
    }
    expect(metric(m, 'tickgate_trades_aggregated_total')).toBeGreaterThan(0);
    const sink = m.find((s) => s.name === 'tickgate_sink_state');
    expect(sink?.value).toBe(0);
    expect(metric(m, 'tickgate_downstream_clients')).toBe(1);
    // Counters only grow between scrapes.
    const frames1 = metric(m, 'tickgate_frames_total', { venue: 'binance' })!;
    await waitFor(async () => (metric(parseMetrics(await (await fetch(`${base}/metrics`)).text()), 'tickgate_frames_total', { venue: 'binance' }) ?? 0) > frames1, 'binance frames to grow');
  });

  it('/api/connections lists every upstream connection with its state and the manager stats', async () => {
    const { status, body } = await getJson<{ stats: { byState: Record<string, number> }; connections: { key: string; venue: string; state: string }[]; status: GatewayStatus }>(`${demo.gateway.url}/api/connections`);
    expect(status).toBe(200);
    expect(new Set(body.connections.map((c) => c.venue))).toEqual(new Set(['binance', 'bybit', 'equities']));
    expect(body.connections.every((c) => c.state === 'connected')).toBe(true);
    expect(body.stats.byState.connected).toBe(body.connections.length);
    expect(body.status.ready).toBe(true);
  });

  it('the status channel carries GatewayStatus about once a second', async () => {
    await waitFor(() => received.status.length >= 2, 'two status messages', 10_000);
    // Readiness may flicker on a loaded machine (a feed reconnecting): wait for a ready one.
    const s = await waitFor(() => received.status.slice(2).find((x) => x.ready), 'a ready status', 15_000,
      () => received.status[received.status.length - 1]);
    expect(s.ready).toBe(true);
    expect(s.connections.map((c) => c.venue).sort()).toEqual(expect.arrayContaining(['binance', 'bybit', 'equities']));
    expect(s.symbols).toEqual(expect.arrayContaining([{ venue: 'binance', symbol: 'BTCUSDT' }, { venue: 'equities', symbol: 'AAPL' }]));
    expect(s.sinks.map((k) => k.state)).toEqual(['ok']);
    expect(s.clients.clients).toBe(1);
    expect(received.status[received.status.length - 1]!.time).toBeGreaterThan(received.status[0]!.time);
  });

  it('snapshots.1s and candles.t100 deliver aggregates with consistent fields', async () => {
    await waitFor(() => received.snapshots.length >= 3 && received.candles.length >= 2, '3 snapshots and 2 t100 candles', 25_000,
      () => ({ snaps: received.snapshots.length, candles: received.candles.length }));
    for (const s of received.snapshots) {
      expect(s.kind).toBe('snapshot');
      expect(s.venue).toBe('binance');
      expect(s.startTime % 1000).toBe(0);
    }
    for (const c of received.candles) {
      expect(c.interval).toBe('t100');
      expect(c.tradeCount).toBe(100);
      expect(BigInt(c.lastTradeId!) - BigInt(c.firstTradeId!)).toBe(99n); // binance trade ids are contiguous
    }
    const starts = received.candles.map((c) => Number(c.firstTradeId));
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(100); // no candle skipped
    expect(received.gaps).toBe(0);
  });

  it('graceful stop flushes: SQLite holds every aggregate emitted, equal to what was published downstream', async () => {
    const before = demo.gateway.status().aggregates;
    expect(before.snapshots).toBeGreaterThan(0);
    await client.close();
    await demo.stop();
    const emitted = demo.gateway.status().aggregates;
    const aggregates = pushed.filter((r): r is Aggregate => 'kind' in r);
    // Every emitted aggregate went to the sinks (including the windows closed by the stop).
    expect(aggregates.length).toBe(emitted.snapshots + emitted.candles);
    expect(emitted.snapshots).toBeGreaterThanOrEqual(before.snapshots);

    const db = join(tmp.dir, 'tickgate.db');
    const latest = new Map<string, Aggregate>();
    for (const r of aggregates) {
      const key = r.kind === 'snapshot' ? `s|${r.venue}|${r.symbol}|${r.startTime}`
        : r.candleType === 'time' ? `tc|${r.venue}|${r.symbol}|${r.interval}|${r.startTime}` : `kc|${r.venue}|${r.symbol}|${r.interval}|${r.firstTradeId}`;
      const prev = latest.get(key);
      if (!prev || prev.revision <= r.revision) latest.set(key, r);
    }
    const snaps = readSqlite<SnapshotRow>(db, 'SELECT venue, symbol, start_time, trade_count, revision, close, volume FROM snapshots');
    const timeCandles = readSqlite<{ n: number }>(db, 'SELECT count(*) AS n FROM time_candles')[0]!.n;
    const tickCandles = readSqlite<{ n: number }>(db, 'SELECT count(*) AS n FROM tick_candles')[0]!.n;
    const keys = [...latest.keys()];
    expect(snaps.length).toBe(keys.filter((k) => k.startsWith('s|')).length);
    expect(timeCandles).toBe(keys.filter((k) => k.startsWith('tc|')).length);
    expect(tickCandles).toBe(keys.filter((k) => k.startsWith('kc|')).length);
    for (const row of snaps) {
      const want = latest.get(`s|${row.venue}|${row.symbol}|${row.start_time}`) as Snapshot1s | undefined;
      expect(want, `${row.venue} ${row.symbol} ${row.start_time}`).toBeDefined();
      expect({ n: row.trade_count, close: row.close, volume: row.volume, rev: row.revision }).toEqual({ n: want!.tradeCount, close: want!.close, volume: want!.volume, rev: want!.revision });
    }

    // What the downstream client saw on its channels is what was stored.
    const stored = new Map(snaps.filter((r) => r.venue === 'binance' && r.symbol === 'BTCUSDT').map((r) => [r.start_time, r]));
    expect(received.snapshots.length).toBeGreaterThan(0);
    for (const s of received.snapshots) {
      const row = stored.get(s.startTime);
      expect(row, `snapshot ${s.startTime} stored`).toBeDefined();
      if (row!.revision === s.revision) expect({ n: row!.trade_count, close: row!.close, volume: row!.volume }).toEqual({ n: s.tradeCount, close: s.close, volume: s.volume });
    }
    const candleRows = readSqlite<{ first_trade_id: string; trade_count: number; close: string }>(db,
      "SELECT first_trade_id, trade_count, close FROM tick_candles WHERE venue = 'binance' AND symbol = 'BTCUSDT' AND interval_name = 't100'");
    const byFirst = new Map(candleRows.map((r) => [r.first_trade_id, r]));
    for (const c of received.candles) expect(byFirst.get(c.firstTradeId!)).toEqual({ first_trade_id: c.firstTradeId, trade_count: c.tradeCount, close: c.close });
  });
});
