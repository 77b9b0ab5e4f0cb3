/**
 * End to end: simulator (child process) -> gateway (this process: Binance feed, integrity,
 * pipeline, aggregation, SQLite sink, downstream server) -> stored aggregates and one downstream
 * client. The simulator's rate is raised stage by stage; a stage is "kept up" when, after a short
 * drain, the gateway has aggregated every trade a bare `ws` client received straight from the
 * simulator in the same time (the baseline), with nothing dropped. Latency: trade event time to
 * receipt, through the gateway vs straight from the simulator (the difference is what the gateway
 * adds), hdr histograms. Run: node --import tsx bench/e2e.bench.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/load.js';
import { startGateway } from '../src/gateway/gateway.js';
import { TickgateClient } from '../src/server/client.js';
import type { DataMessage } from '../src/server/protocol.js';
import type { Trade } from '../src/model/events.js';
import { report, withRatio } from './report.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
/** Simulator rates (trades/s over Binance + Bybit; Binance gets about half). */
const STAGES = (process.env.E2E_STAGES ?? '1000,2000,4000,8000').split(',').map(Number);
const STAGE_MS = Number(process.env.E2E_STAGE_MS ?? 4_000);
const DRAIN_MS = 2_000;
const SIM_MAIN = fileURLToPath(new URL('../simulator/main.ts', import.meta.url));

const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startSimChild(): Promise<{ port: number; stop(): void }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SIM_MAIN, '--port', '0', '--seed', '1', '--rate', '0', '--symbols', SYMBOLS.join(','), '--market-hours', 'always-open'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    proc.once('exit', (c) => reject(new Error(`simulator exited ${c}`)));
  });
  return { port, stop: () => proc.kill('SIGTERM') };
}

async function setRate(port: number, rate: number): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/admin/generate`, { method: 'POST', body: JSON.stringify({ count: 0, rate }), headers: { 'content-type': 'application/json' } });
  if (!r.ok) throw new Error(`setRate ${rate}: HTTP ${r.status}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickgate-e2e-bench-'));
  const sim = await startSimChild();
  const base = `127.0.0.1:${sim.port}`;
  const { config } = loadConfig({
    env: {},
    cli: {
      log: { level: 'silent' }, marketHours: { skip: true },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: SYMBOLS, streams: ['trade'] } },
      connection: { networkCheck: 'off' },
      sinks: [`sqlite:${dir}/tickgate.db`], storage: { spoolDir: `${dir}/spool` }, server: { port: 0 },
    },
  });
  const gw = await startGateway(config);

  // Baseline: a bare ws client straight on the simulator's trade streams.
  const directIds = new Map(SYMBOLS.map((s) => [s, new Set<number>()]));
  let direct = 0;
  let hDirect = histogram();
  const ws = new WebSocket(`ws://${base}/binance/stream?streams=${SYMBOLS.map((s) => `${s.toLowerCase()}@trade`).join('/')}`, { perMessageDeflate: false });
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { data: { s: string; t: number; T: number } };
    directIds.get(m.data.s)!.add(m.data.t);
    direct++;
    hDirect.recordValue(Math.max(1, Date.now() - m.data.T));
  });
  await new Promise((r) => ws.once('open', r));

  // Through the gateway: a downstream client on the same trades.
  let viaGateway = 0;
  let hGateway = histogram();
  const client = new TickgateClient<Trade>({ url: `${gw.url!.replace(/^http/, 'ws')}/ws`, channels: SYMBOLS.map((s) => `trades.binance.${s}`) });
  client.on('data', (m: DataMessage<Trade>) => { viaGateway++; hGateway.recordValue(Math.max(1, Date.now() - m.data.eventTime)); });
  client.connect();
  while (!gw.readiness().ready || SYMBOLS.some((s) => client.position(`trades.binance.${s}`) === undefined)) await sleep(50);

  let maxKept = 0;
  let generatingS = 0;
  for (const rate of STAGES) {
    hDirect = histogram(); hGateway = histogram();
    const d0 = direct; const g0 = viaGateway; const a0 = gw.aggregator.stats().trades;
    const t0 = performance.now();
    await setRate(sim.port, rate);
    await sleep(STAGE_MS);
    await setRate(sim.port, 0);
    const genS = (performance.now() - t0) / 1000;
    generatingS += genS;
    const aggAtEnd = gw.aggregator.stats().trades - a0;
    await sleep(DRAIN_MS);
    const published = direct - d0;
    const aggregated = gw.aggregator.stats().trades - a0;
    const dropped = Object.values(gw.pipeline.stats().consumers).reduce((a, c) => a + c.dropped.total, 0);
    const kept = aggregated === published && dropped === 0;
    if (kept) maxKept = rate;
    report(withRatio({
      bench: 'e2e.stage', metric: 'trades_aggregated_per_s', value: Math.round(aggAtEnd / genS), unit: 'trades/s',
      baseline: Math.round(published / genS), baselineName: 'simulator published (bare ws client)',
      simRate: rate, published, aggregatedAfterDrain: aggregated, deliveredDownstream: viaGateway - g0, pipelineDrops: dropped, keptUp: kept,
    }));
    report(withRatio({
      bench: 'e2e.stage', metric: 'latency_p50_ms', value: hGateway.getValueAtPercentile(50), unit: 'ms',
      baseline: Math.max(1, hDirect.getValueAtPercentile(50)), baselineName: 'simulator -> bare ws client', simRate: rate,
      p99Ms: hGateway.getValueAtPercentile(99), baselineP99Ms: hDirect.getValueAtPercentile(99),
      gatewayAddedP50Ms: hGateway.getValueAtPercentile(50) - hDirect.getValueAtPercentile(50),
      gatewayAddedP99Ms: hGateway.getValueAtPercentile(99) - hDirect.getValueAtPercentile(99),
    }));
    if (!kept) break;
  }

  await client.close();
  ws.close();
  const emitted = gw.status().aggregates;
  await gw.stop();
  sim.stop();
  // Stored: per symbol, the sum of 1 s snapshot trade counts must equal every trade published.
  const db = new Database(`${dir}/tickgate.db`, { readonly: true });
  let stored = 0; let lost = 0; let duplicated = 0;
  for (const s of SYMBOLS) {
    const n = (db.prepare("SELECT coalesce(sum(trade_count), 0) AS n FROM snapshots WHERE venue = 'binance' AND symbol = ?").get(s) as { n: number }).n;
    const want = directIds.get(s)!.size;
    stored += n; lost += Math.max(0, want - n); duplicated += Math.max(0, n - want);
  }
  db.close();
  const published = [...directIds.values()].reduce((a, x) => a + x.size, 0);
  report(withRatio({
    bench: 'e2e.total', metric: 'trades_stored', value: stored, unit: 'trades', baseline: published, baselineName: 'simulator published',
    lost, duplicated, maxKeptUpSimRate: maxKept,
    storedTradesPerGeneratingS: Math.round(stored / generatingS), publishedTradesPerGeneratingS: Math.round(published / generatingS), snapshotsEmitted: emitted.snapshots, candlesEmitted: emitted.candles,
  }));
  rmSync(dir, { recursive: true, force: true });
  if (lost > 0 || duplicated > 0) process.exitCode = 1;
}

await main();
