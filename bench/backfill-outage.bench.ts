/**
 * Backfill after a long venue outage: 10 minutes at 2k trades/s on one symbol (1.2M trades;
 * OUTAGE_TRADES overrides). The simulator (child process) runs live at 2k/s into the gateway
 * (this process: Binance trade stream, integrity, pipeline, aggregation, SQLite); then every
 * venue socket is dropped and refused, the outage's history is generated at once (ground truth +
 * REST history, like the venue's own), and the gateway reconnects (no live trades meanwhile, so
 * completion is exact: the aggregator folded the live trades plus the whole outage). Measured
 * from the reconnect: time until the gateway holds every trade (aggregator folded the whole id
 * range and SQLite snapshots sum to the truth), trades/s, and peak RSS of the gateway process
 * sampled every 50 ms. Only public behaviour is read (aggregator/integrity stats, storage), so
 * the bench works whatever the backfill's internals. The simulator enforces Binance's real REST
 * weight limit (6000/min; OUTAGE_WEIGHT_PER_MIN raises it); the gateway keeps to its own spot
 * budget (the default, not configurable for spot), which is what bounds the time: 1,201 pages of
 * historicalTrades at weight 25.
 * Run: node --import tsx bench/backfill-outage.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { startGateway } from '../src/gateway/gateway.js';
import { admin, setRate, sleep, startSimChild } from './helpers/sim-child.js';
import { report } from './report.js';

const SYMBOL = 'BTCUSDT';
const LIVE_RATE = 2_000;
const OUTAGE_TRADES = Number(process.env.OUTAGE_TRADES ?? 1_200_000);
const WEIGHT = Number(process.env.OUTAGE_WEIGHT_PER_MIN ?? 6_000);
const LIVE_MS = 3_000;
const TIMEOUT_MS = Number(process.env.OUTAGE_TIMEOUT_MS ?? 600_000);

interface Summary { total: number; firstId: number; lastId: number }
const summary = (port: number): Promise<Summary> => admin<Summary>(port, `summary/binance/${SYMBOL}`);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickgate-outage-bench-'));
  const sim = await startSimChild({ symbols: [SYMBOL], historyTradesPerSymbol: OUTAGE_TRADES + 500_000, weightLimitPerMin: WEIGHT });
  const host = `127.0.0.1:${sim.port}`;
  const { config } = loadConfig({
    env: {},
    cli: {
      log: { level: 'silent' }, marketHours: { skip: true },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${host}/binance`, restBaseUrl: `http://${host}/binance`, symbols: [SYMBOL], streams: ['trade'] } },
      connection: { networkCheck: 'off', reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1_000 },
      sinks: [`sqlite:${dir}/tickgate.db`], storage: { spoolDir: `${dir}/spool` }, server: { port: 0 },
    },
  });
  const gw = await startGateway(config);
  while (!gw.readiness().ready) await sleep(50);
  const folded = (): number => gw.aggregator.stats().trades;
  const integrity = (): Record<string, unknown> => {
    const f = [...gw.feeds.values()][0];
    return f ? (f.integrity.stats() as unknown as Record<string, unknown>) : {};
  };

  // Live, then the outage.
  await setRate(sim.port, LIVE_RATE);
  await sleep(LIVE_MS);
  await setRate(sim.port, 0);
  const live = await summary(sim.port);
  while (folded() < live.total) await sleep(50);
  await admin(sim.port, 'faults', [{ kind: 'reset', venue: 'binance' }, { kind: 'close', venue: 'binance', code: 1006 }]);
  await sleep(300);
  const gen = await admin<{ trades: number; firstId: number; lastId: number; ms: number }>(sim.port, 'history', { symbol: SYMBOL, trades: OUTAGE_TRADES });

  // Reconnect: live trading resumes; the gateway must backfill the whole outage.
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const t0 = performance.now();
  await fetch(`http://${host}/admin/faults`, { method: 'DELETE' });
  let doneMs = -1;
  while (performance.now() - t0 < TIMEOUT_MS) {
    if (folded() >= live.total + gen.trades) {
      doneMs = performance.now() - t0;
      break;
    }
    await sleep(20);
  }
  const end = await summary(sim.port);
  // Then every trade in storage, checked against the truth.
  const db = new Database(`${dir}/tickgate.db`, { readonly: true });
  const storedQ = db.prepare("SELECT coalesce(sum(trade_count), 0) AS n, min(CAST(first_trade_id AS INTEGER)) AS f, max(CAST(last_trade_id AS INTEGER)) AS l FROM snapshots WHERE venue = 'binance' AND symbol = ? AND trade_count > 0");
  let stored = { n: 0, f: 0, l: 0 };
  const s0 = performance.now();
  while (performance.now() - s0 < 30_000) {
    stored = storedQ.get(SYMBOL) as typeof stored;
    if (stored.n >= end.total && stored.l >= end.lastId) break;
    await sleep(200);
  }
  const storedMs = performance.now() - t0;
  clearInterval(sampler);
  db.close();
  const stats = integrity();
  await gw.stop();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
  const secs = doneMs > 0 ? doneMs / 1000 : Number.NaN;
  report({
    bench: 'backfill.outage', metric: 'time_to_complete_ms', value: Math.round(doneMs), unit: 'ms',
    outage: `${OUTAGE_TRADES} trades on one symbol (10 min at 2k trades/s)`, generatedTrades: gen.trades, historyGeneratedInMs: Math.round(gen.ms),
    tradesPerS: Number.isNaN(secs) ? 0 : Math.round(gen.trades / secs), completed: doneMs > 0,
    peakRssMb: Math.round(peakRss / 1e6), rssBeforeMb: Math.round(rssBefore / 1e6), rssGrowthMb: Math.round((peakRss - rssBefore) / 1e6),
    stored: stored.n, truth: end.total, lost: Math.max(0, end.total - stored.n), duplicated: Math.max(0, stored.n - end.total),
    firstIdOk: stored.f === end.firstId, lastIdOk: stored.l === end.lastId, storedCompleteMs: Math.round(storedMs),
    restWeightPerMin: WEIGHT, liveRateBefore: LIVE_RATE, folded: folded(),
    integrity: pick(stats, ['gapsDetected', 'gapsFilled', 'reconnectBackfills', 'gapsUnfilled', 'tradesBackfilled', 'backfillTradesFetched', 'backfillPages', 'pages', 'tradesFetched', 'peakBuffered', 'duplicatesDropped', 'overflowDropped']),
    cores: 'simulator child process and the gateway share the same 2 cores',
  });
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

await main();
process.exit(process.exitCode ?? 0);
