/**
 * End-to-end capacity: simulator (child process: the load generator) -> gateway (this process:
 * Binance feed with trade + bookTicker + depth on E2E_SYMBOLS symbols, integrity, pipeline,
 * aggregation, SQLite sink, downstream server) -> SQLite AND one downstream WebSocket subscriber
 * of every trades.binance.<SYM> channel (in its own process, with the direct frame counter, so the
 * gateway's event loop is not shared with its observers). The rate is raised stage by stage (~10 s each); a stage
 * is kept up only when EVERY output got everything: per symbol the stored 1 s snapshots' trade
 * counts and first/last ids equal the simulator's ground truth, the subscriber got every id with
 * no gap and no duplicate, and no pipeline consumer dropped anything (book tickers conflated by
 * key are by design and reported apart). Stages stop at the first miss, or when the simulator
 * can go no faster on the shared cores. Capacity = the highest kept stage,
 * in frames/s the venue sent. Baseline (same run, before the gateway starts): the highest stage
 * at which a bare `ws` client reading the simulator directly got every frame.
 * Each stage also reports CPU µs per frame (gateway process incl. its threads; the subscriber's).
 * After the first failed stage the bench waits (E2E_EVENTUAL_MS) until the gateway says it is whole
 * again (no REST backfill running, no stream behind, every queue and the spool empty), then splits
 * what is still missing into declared holes (trade_gaps rows, gap notices: the contract when
 * recovery is impossible) and silent losses (must be 0), with what the backfill recovered.
 * Run: node --import tsx bench/e2e.bench.ts   (env: E2E_STAGES events/s list, E2E_STAGE_MS, E2E_SYMBOLS,
 * E2E_SUB_QUEUE_MESSAGES / E2E_SUB_QUEUE_BYTES: the subscriber's server-side queue budget, E2E_VERBOSE)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/load.js';
import { startGateway } from '../src/gateway/gateway.js';
import { startObserver, type ObserverState } from './helpers/observer.js';
import { admin, manySymbols, setRate, simStats, sleep, startSimChild } from './helpers/sim-child.js';
import { report, withRatio } from './report.js';

const SYMBOLS = manySymbols(Number(process.env.E2E_SYMBOLS ?? 100));
/** Generated events/s per stage (an event is a book change or a taker order of 1-4 trades). */
const STAGES = (process.env.E2E_STAGES ?? '2500,5000,10000,20000,30000,45000,60000').split(',').map(Number);
const BASELINE_STAGES = (process.env.E2E_BASELINE_STAGES ?? '20000,40000,60000,90000,120000,160000').split(',').map(Number);
const STAGE_MS = Number(process.env.E2E_STAGE_MS ?? 10_000);
const BASELINE_STAGE_MS = 3_000;
const DRAIN_MAX_MS = Number(process.env.E2E_DRAIN_MS ?? 10_000);
/** After a failed stage: how long to wait to tell "behind" from "lost". */
const EVENTUAL_MS = Number(process.env.E2E_EVENTUAL_MS ?? 60_000);
const SUB_QUEUE_MESSAGES = Number(process.env.E2E_SUB_QUEUE_MESSAGES ?? 250_000);
const SUB_QUEUE_BYTES = Number(process.env.E2E_SUB_QUEUE_BYTES ?? 64 * 1024 * 1024);
const SHARED = 'the load generator (simulator child process), the gateway (this process) and the observers (subscriber + direct client, a child process) share the same 2 cores';

interface Summary { total: number; firstId: number; lastId: number }
const progress = (what: string): void => {
  if (process.env.E2E_VERBOSE) process.stderr.write(`${new Date().toISOString()} ${what}\n`);
};
const streamsOf = (syms: readonly string[]): string[] => syms.flatMap((s) => [`${s.toLowerCase()}@trade`, `${s.toLowerCase()}@bookTicker`, `${s.toLowerCase()}@depth@100ms`]);

async function truth(port: number): Promise<Map<string, Summary>> {
  const out = new Map<string, Summary>();
  await Promise.all(SYMBOLS.map(async (s) => {
    const r = await fetch(`http://127.0.0.1:${port}/admin/summary/binance/${s}`);
    const j = (await r.json()) as Summary | null;
    out.set(s, j ?? { total: 0, firstId: -1, lastId: -1 });
  }));
  return out;
}

/** A bare ws client on the simulator, all streams of every symbol on one connection. */
async function directClient(port: number): Promise<{ ws: WebSocket; frames: () => number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/binance/ws`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const ack = new Promise((r) => ws.once('message', r));
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streamsOf(SYMBOLS), id: 1 }));
  await ack;
  let n = 0;
  ws.on('message', () => {
    n++;
  });
  return { ws, frames: () => n };
}

/** Highest frames/s a bare client reads from the simulator with every frame delivered. */
async function baseline(port: number): Promise<{ framesPerS: number; eventsPerS: number }> {
  const c = await directClient(port);
  let best = { framesPerS: 0, eventsPerS: 0 };
  for (const target of BASELINE_STAGES) {
    const q0 = (await simStats(port)).hubs.binance?.framesQueued ?? 0;
    const r0 = c.frames();
    const g0 = await simStats(port);
    const t0 = performance.now();
    await setRate(port, target);
    await sleep(BASELINE_STAGE_MS);
    const g1 = await simStats(port);
    const got = c.frames() - r0;
    const secs = (performance.now() - t0) / 1000;
    await setRate(port, 0);
    await sleep(1_000);
    const queued = ((await simStats(port)).hubs.binance?.framesQueued ?? 0) - q0;
    const eventsPerS = ((g1.generator.events - g0.generator.events) * 1000) / Math.max(1, g1.atMs - g0.atMs);
    const kept = c.frames() - r0 === queued;
    const framesPerS = Math.round(got / secs);
    progress(`baseline stage ${target}: ${framesPerS} frames/s`);
    report({ bench: 'e2e.baseline_stage', metric: 'frames_per_s', value: framesPerS, unit: 'frames/s', targetEventsPerS: target, eventsPerS: Math.round(eventsPerS), keptUp: kept });
    if (!kept) break;
    // The simulator itself is saturated (shared cores): a higher target would measure nothing new.
    const saturated = framesPerS < best.framesPerS * 1.1;
    if (framesPerS > best.framesPerS) best = { framesPerS, eventsPerS: Math.round(eventsPerS) };
    if (saturated) break;
  }
  c.ws.terminate();
  return best;
}

/**
 * With E2E_VERBOSE: one stderr line a second while a stage runs and drains: where events wait
 * (pipeline queues, the sink's memory queue and spool, the server's per-client queues, the
 * simulator's send queue to its clients), to tell which part is behind.
 */
function monitor(gw: Awaited<ReturnType<typeof startGateway>>, simPort: number): { stop(): void } {
  if (!process.env.E2E_VERBOSE) return { stop: () => undefined };
  let last = { ev: 0, sent: 0, simBytes: 0, at: performance.now() };
  let busy = false; // a simulator too loaded to answer must not pile up requests
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    void simStats(simPort).finally(() => { busy = false; }).then((sim) => {
      const at = performance.now();
      const secs = (at - last.at) / 1000;
      const p = gw.pipeline.stats();
      const ev = p.published;
      const srv = gw.server!.stats();
      const sinks = Object.entries(gw.sinks.stats()).map(([n, k]) => `${n}:${k.state} q=${k.queueRecords} spool=${k.spoolRows} written=${k.writtenRecords} dropped=${k.droppedRecords}`).join(' ');
      const queues = Object.entries(p.consumers).filter(([, c]) => c.queueDepth > 0).map(([n, c]) => `${n}=${c.queueDepth}`).join(',');
      const client = gw.server!.clients()[0];
      const simBytes = Object.values(sim.hubs).reduce((a, h) => a + h.bytesWritten, 0);
      progress(`events/s=${Math.round((ev - last.ev) / secs)} sent/s=${Math.round((srv.messagesSent - last.sent) / secs)} simMB/s=${((simBytes - last.simBytes) / secs / 1e6).toFixed(1)} queues=[${queues}] ${sinks} client{q=${client?.queueMessages} buf=${client?.socketBufferedBytes} drops=${srv.drops}} lagP99=${Math.round(gw.pipeline.lag?.recentP99Ms() ?? 0)} up{${upstream(gw)}}`);
      last = { ev, sent: srv.messagesSent, simBytes, at };
    }).catch(() => undefined);
  }, 1_000);
  return { stop: () => clearInterval(t) };
}

const upstream = (gw: Awaited<ReturnType<typeof startGateway>>): string => {
  const st = gw.status();
  const v = st.venues.find((x) => x.venue === 'binance');
  return `reconnects=${st.connections.reduce((a, c) => a + c.reconnects, 0)} gaps=${v?.gapsDetected} backfills=${v?.backfillsInProgress} remaining=${v?.backfillIdsRemaining} behind=${v?.streamsBehind} declared=${v?.tradeGapsDeclared}`;
};

/** The gateway's own view: whole when no backfill runs, no stream is behind, and nothing waits anywhere. */
function caughtUp(gw: Awaited<ReturnType<typeof startGateway>>): { whole: boolean; detail: Record<string, unknown> } {
  const st = gw.status();
  const v = st.venues.find((x) => x.venue === 'binance');
  const queued = Object.values(gw.pipeline.stats().consumers).reduce((a, c) => a + c.queueDepth + c.inFlight, 0);
  const sinks = Object.values(gw.sinks.stats());
  const sinkBehind = sinks.reduce((a, k) => a + k.queueRecords + k.spoolRows, 0);
  const clientQueue = gw.server!.clients().reduce((a, c) => a + c.queueMessages, 0);
  const detail = {
    backfillsInProgress: v?.backfillsInProgress ?? 0, backfillIdsRemaining: v?.backfillIdsRemaining ?? 0, streamsBehind: v?.streamsBehind ?? 0,
    gapsDetected: v?.gapsDetected ?? 0, gapsFilled: v?.gapsFilled ?? 0, tradesBackfilled: v?.tradesBackfilled ?? 0, tradeGapsDeclared: v?.tradeGapsDeclared ?? 0,
    pipelineQueued: queued, sinkBehind, sinkStates: sinks.map((k) => k.state), sinkDroppedRecords: sinks.reduce((a, k) => a + k.droppedRecords, 0), sinkSpooledRecords: sinks.reduce((a, k) => a + k.spooledRecords, 0), clientQueue, serverDrops: gw.server!.stats().drops, serverGapNotices: gw.server!.stats().gapNotices,
  };
  const whole = detail.backfillsInProgress === 0 && detail.streamsBehind === 0 && queued === 0 && sinkBehind === 0 && clientQueue === 0;
  return { whole, detail };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickgate-e2e-bench-'));
  const sim = await startSimChild({ symbols: SYMBOLS, maxStreams: 1024, historyTradesPerSymbol: 2_000_000 });
  progress(`simulator on port ${sim.port}`);
  const base = await baseline(sim.port);
  progress('baseline done');
  // The baseline made trades the gateway never saw: it resumes from now (the stores are empty).
  const start = await truth(sim.port);

  const host = `127.0.0.1:${sim.port}`;
  const { config } = loadConfig({
    env: {},
    cli: {
      log: { level: 'silent' }, marketHours: { skip: true },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${host}/binance`, restBaseUrl: `http://${host}/binance`, symbols: SYMBOLS, streams: ['trade', 'bookTicker', 'depth'] } },
      connection: { networkCheck: 'off' },
      sinks: [`sqlite:${dir}/tickgate.db`], storage: { spoolDir: `${dir}/spool` },
      // The subscriber's queue budget (the guarantee is "complete within the budget, else announced
      // gaps"): sized, as a deployment would for a subscriber of every trades channel, to hold a
      // few seconds of the highest stage when the shared cores stall it (default 16,384 / 4 MiB).
      server: { port: 0, maxQueueMessages: SUB_QUEUE_MESSAGES, maxQueueBytes: SUB_QUEUE_BYTES },
    },
  });
  progress('truth read; starting gateway');
  const gw = await startGateway(config);
  progress('gateway started');

  // The downstream subscriber and the direct frame counter run in their own process
  // (bench/helpers/observer-child.ts): in this one they would share the gateway's event loop and
  // the bench would measure itself.
  const obs = await startObserver();
  await obs.ask({ op: 'subscribe', url: `${gw.url!.replace(/^http/, 'ws')}/ws`, symbols: SYMBOLS });
  let o = await obs.state();
  const w0 = Date.now();
  while (!gw.readiness().ready || SYMBOLS.some((s) => !o.positions[s])) {
    if (Date.now() - w0 > 30_000) throw new Error(`gateway not ready after 30 s: ${JSON.stringify({ readiness: gw.readiness(), subscribed: SYMBOLS.filter((s) => o.positions[s]).length })}`);
    await sleep(50);
    o = await obs.state();
  }
  progress('subscriber ready');
  await sleep(1_000);

  // The sink creates its file on the first write.
  let db: Database.Database | null = null;
  const storedRows = (): Array<{ symbol: string; n: number; f: number; l: number }> => {
    if (!db && existsSync(`${dir}/tickgate.db`)) db = new Database(`${dir}/tickgate.db`, { readonly: true });
    return db ? (db.prepare(STORED_SQL).all() as Array<{ symbol: string; n: number; f: number; l: number }>) : [];
  };
  const STORED_SQL = ("SELECT symbol, coalesce(sum(trade_count), 0) AS n, min(CAST(first_trade_id AS INTEGER)) AS f, max(CAST(last_trade_id AS INTEGER)) AS l FROM snapshots WHERE venue = 'binance' AND trade_count > 0 GROUP BY symbol");
  /** Ids inside this stage's range covered by declared holes (trade_gaps rows), and those rows. */
  const declaredIds = (t0: Map<string, Summary>, t1: Map<string, Summary>): { ids: number; rows: number } => {
    if (!db) return { ids: 0, rows: 0 };
    const gaps = (db as Database.Database).prepare("SELECT symbol, from_id AS f, to_id AS t FROM trade_gaps WHERE venue = 'binance'").all() as Array<{ symbol: string; f: number; t: number | null }>;
    let ids = 0;
    for (const g of gaps) {
      const lo = t0.get(g.symbol)!.lastId + 1;
      const hi = t1.get(g.symbol)!.lastId;
      const to = g.t ?? hi;
      ids += Math.max(0, Math.min(to, hi) - Math.max(g.f, lo) + 1);
    }
    return { ids, rows: gaps.length };
  };
  await obs.ask({ op: 'direct', port: sim.port, streams: streamsOf(SYMBOLS) });

  /** Per-output accounting against truth made since the gateway started. */
  const account = (t: Map<string, Summary>, ob: ObserverState) => {
    const rows = new Map(storedRows().map((r) => [r.symbol, r]));
    let want = 0; let lost = 0; let duplicated = 0; let idMismatch = 0; let downstreamMissing = 0; let downstreamDup = 0;
    for (const s of SYMBOLS) {
      const now = t.get(s)!;
      const before = start.get(s)!;
      const n = now.total - before.total;
      if (n === 0) continue;
      const firstId = now.lastId - n + 1;
      want += n;
      const r = rows.get(s);
      const stored = r?.n ?? 0;
      lost += Math.max(0, n - stored);
      duplicated += Math.max(0, stored - n);
      if (!r || r.f !== firstId || r.l !== now.lastId) idMismatch++;
      const d = ob.down[s]!;
      // d.count = distinct increasing ids received; every id of firstId..lastId must be there.
      downstreamMissing += Math.max(0, n - d.count);
      downstreamDup += d.dups;
    }
    return { want, lost, duplicated: duplicated + downstreamDup, idMismatch, downstreamMissing, downstreamDup };
  };

  type StageResult = { target: number; framesPerS: number; tradesPerS: number; kept: boolean; acc: ReturnType<typeof account>; drainMs: number; dropped: number; gaps: number };
  let best: StageResult | null = null;
  let failed: StageResult | null = null;
  /** The first failed stage after the extra wait: behind (recovered), declared, or silently lost. */
  let afterWait: Record<string, unknown> | null = null;
  for (const target of STAGES) {
    await obs.state(true);
    const o0 = await obs.state();
    const f0 = o0.directFrames;
    const cpu0 = process.cpuUsage();
    const t0m = await truth(sim.port);
    const t0 = performance.now();
    await setRate(sim.port, target);
    const mon = monitor(gw, sim.port);
    await sleep(STAGE_MS);
    await setRate(sim.port, 0);
    const secs = (performance.now() - t0) / 1000;
    const t1m = await truth(sim.port);
    const frames = (await obs.state()).directFrames - f0;

    let trades = 0;
    for (const s of SYMBOLS) trades += t1m.get(s)!.total - t0m.get(s)!.total;
    // Drain: wait until every output holds every trade, or give up.
    const d0 = performance.now();
    let ob = await obs.state();
    let acc = account(t1m, ob);
    while ((acc.lost > 0 || acc.idMismatch > 0 || acc.downstreamMissing > 0) && performance.now() - d0 < DRAIN_MAX_MS) {
      await sleep(250);
      ob = await obs.state();
      acc = account(t1m, ob);
    }
    mon.stop();
    // CPU per frame the venue sent, stage + drain (the gateway process incl. its worker threads;
    // the observers' process): less noisy than rates on shared cores, comparable between runs.
    const cpu1 = process.cpuUsage(cpu0);
    const gatewayCpuUsPerFrame = frames > 0 ? Number(((cpu1.user + cpu1.system) / frames).toFixed(2)) : null;
    const subscriberCpuUsPerFrame = frames > 0 ? Number(((ob.cpuUs - o0.cpuUs) / frames).toFixed(2)) : null;
    const { gaps, resyncs, reconnects } = ob;
    const drainMs = Math.round(performance.now() - d0);
    // Conflated book tickers are by design (latest value per key); any other drop is a loss.
    const consumers = Object.values(gw.pipeline.stats().consumers);
    const dropped = consumers.reduce((a, c) => a + c.dropped.dropOldest + c.dropped.spillFailed, 0);
    const conflated = consumers.reduce((a, c) => a + c.dropped.conflated, 0);
    const kept = acc.lost === 0 && acc.duplicated === 0 && acc.idMismatch === 0 && acc.downstreamMissing === 0 && dropped === 0 && gaps === 0;
    const r: StageResult = { target, framesPerS: Math.round(frames / secs), tradesPerS: Math.round(trades / secs), kept, acc, drainMs, dropped, gaps };
    report({
      bench: 'e2e.stage', metric: 'frames_per_s', value: r.framesPerS, unit: 'frames/s', tradesPerS: r.tradesPerS, targetEventsPerS: target, symbols: SYMBOLS.length,
      keptUp: kept, ...acc, pipelineDrops: dropped, bookTickersConflated: conflated, gapNotices: gaps, subscriberResyncs: resyncs, subscriberReconnects: reconnects, drainMs,
      latencyP50Ms: ob.latencyP50Ms, latencyP99Ms: ob.latencyP99Ms, gatewayCpuUsPerFrame, subscriberCpuUsPerFrame,
    });
    if (!kept) {
      // Behind or lost? Wait until the gateway itself says it is whole again (no backfill running,
      // no stream behind, every queue empty, the sink caught up with nothing spooled), bounded by
      // EVENTUAL_MS; then split what is still missing into DECLARED holes (trade_gaps rows and gap
      // notices: the contract when recovery is impossible) and SILENT losses (must be 0).
      const e0 = performance.now();
      let late = account(t1m, await obs.state());
      let idle = caughtUp(gw);
      while ((late.lost > 0 || late.downstreamMissing > 0 || !idle.whole) && performance.now() - e0 < EVENTUAL_MS) {
        await sleep(500);
        late = account(t1m, await obs.state());
        idle = caughtUp(gw);
      }
      const ob2 = await obs.state();
      const declared = declaredIds(t0m, t1m);
      // Silent only once the gateway says it is whole: before that, what is missing may still be
      // on its way (a REST backfill paced by the venue's weight budget), so it is reported as behind.
      const verdict = {
        stillBehind: !idle.whole,
        silentStoredLoss: idle.whole ? Math.max(0, late.lost - declared.ids) : null,
        silentDownstreamLoss: idle.whole && ob2.gaps + ob2.resyncs === 0 ? late.downstreamMissing : null,
      };
      afterWait = {
        extraWaitMs: Math.round(performance.now() - e0), gatewayWhole: idle.whole, storedLost: late.lost, downstreamMissing: late.downstreamMissing,
        declaredGapIds: declared.ids, recoveredByBackfill: Number(idle.detail.tradesBackfilled), sinkDroppedRecords: Number(idle.detail.sinkDroppedRecords),
        ...verdict,
      };
      report({
        bench: 'e2e.stage', metric: 'missing_after_extra_wait', value: late.lost + late.downstreamMissing, unit: 'trades', extraWaitMs: Math.round(performance.now() - e0),
        gatewayWhole: idle.whole, gatewayState: idle.detail,
        storedLost: late.lost, downstreamMissing: late.downstreamMissing, idMismatch: late.idMismatch, duplicated: late.duplicated,
        declaredGapIds: declared.ids, declaredGapRows: declared.rows, gapNotices: ob2.gaps, subscriberResyncs: ob2.resyncs, subscriberReconnects: ob2.reconnects,
        ...verdict,
        upstreamReconnects: gw.status().connections.reduce((a, c) => a + c.reconnects, 0),
        simSlowConsumersDropped: Object.values((await simStats(sim.port)).hubs).reduce((a, h) => a + h.slowConsumersDropped, 0),
      });
      failed = r;
      break;
    }
    const saturated = best !== null && r.framesPerS < best.framesPerS * 1.1;
    if (best === null || r.framesPerS > best.framesPerS) best = r;
    if (saturated) break;
  }

  await obs.close();
  (db as Database.Database | null)?.close();
  await gw.stop();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
  const b = best;
  report(withRatio({
    bench: 'e2e.capacity', metric: 'frames_per_s', value: b?.framesPerS ?? 0, unit: 'frames/s',
    tradesPerS: b?.tradesPerS ?? 0, symbols: SYMBOLS.length,
    lost: b?.acc.lost ?? 0, duplicated: b?.acc.duplicated ?? 0, downstreamMissing: b?.acc.downstreamMissing ?? 0,
    baseline: Math.max(1, base.framesPerS), baselineName: 'bare ws client reading the simulator directly (highest stage with every frame)',
    data: 'trade + bookTicker + depth@100ms per symbol', outputs: 'SQLite snapshots (count, first/last id per symbol) AND a downstream subscriber of every trades channel (ids continuous)',
    stageMs: STAGE_MS, cores: SHARED, subscriberQueueBudget: { messages: SUB_QUEUE_MESSAGES, bytes: SUB_QUEUE_BYTES },
    firstFailedStage: failed ? { framesPerS: failed.framesPerS, tradesPerS: failed.tradesPerS, ...failed.acc, pipelineDrops: failed.dropped, gapNotices: failed.gaps, afterExtraWait: afterWait } : null,
  }));
}

await main();
// Lingering handles (client reconnect timers, keep-alive sockets) must not keep the bench alive.
process.exit(process.exitCode ?? 0);
