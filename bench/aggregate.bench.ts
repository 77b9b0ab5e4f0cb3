/**
 * Aggregation throughput, trades/s on one core, through the fold itself: 1 s snapshots +
 * 100-tick candles + 1 s and 1 m time candles, on generated and on recorded trades, with and
 * without the order-flow enrichment (computed inline once per venue second, the worst case).
 * Baselines in the same run: a loop that only parseFloat()s the same strings, and a naive
 * BigInt fold of the 1 s snapshots (model/decimal.ts toScaled per trade).
 *
 * `value` is trades per wall-clock second (best of REPEATS); `cpuValue` is the same run divided
 * by the process's CPU time instead, which on a shared, oversubscribed machine is closer to
 * what one core can do (time spent descheduled does not count; GC helper threads do).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { report, withRatio } from './report.js';
import type { Trade } from '../src/model/events.js';
import { toScaled } from '../src/model/decimal.js';
import { Aggregator } from '../src/aggregate/aggregator.js';
import { computeOrderFlow } from '../src/aggregate/enrich/order-flow.js';
import { BINANCE_FRAMES } from '../test/helpers/recorded-data.js';

const GENERATED = 400_000;
const REPEATS = 4;

function generated(n: number): Trade[] {
  const out: Trade[] = [];
  let price = 6_183_763; // cents
  let t = 1_723_161_255_000;
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    price += Math.round((rnd() - 0.5) * 20);
    t += Math.floor(rnd() * 3); // ~700 trades per second
    const size = 1 + Math.floor(rnd() * 200_000); // 0.00001 .. 2 BTC
    out.push({
      type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: t, receiveTime: t + 3, tradeId: String(3_735_683_259 + i), seq: 3_735_683_259 + i,
      price: `${Math.floor(price / 100)}.${String(price % 100).padStart(2, '0')}000000`,
      size: `${Math.floor(size / 100_000)}.${String(size % 100_000).padStart(5, '0')}000`,
      side: rnd() < 0.5 ? 'buy' : 'sell', source: 'trade',
    });
  }
  return out;
}

function recorded(minTrades: number): Trade[] {
  const base: Trade[] = [];
  for (const line of gunzipSync(readFileSync(BINANCE_FRAMES)).toString('utf8').split('\n')) {
    if (!line.includes('@trade')) continue;
    const sp = line.indexOf(' ');
    const d = (JSON.parse(line.slice(sp + 1)) as { data: { t: number; p: string; q: string; T: number; m: boolean; s: string } }).data;
    base.push({ type: 'trade', venue: 'binance', symbol: d.s, eventTime: d.T, receiveTime: Number(line.slice(0, sp)), tradeId: String(d.t), seq: d.t, price: d.p, size: d.q, side: d.m ? 'sell' : 'buy', source: 'trade' });
  }
  // Replay the recording back to back (times shifted) to get a long enough stream.
  const span = base[base.length - 1]!.eventTime - base[0]!.eventTime + 1000;
  const out: Trade[] = [];
  for (let k = 0; out.length < minTrades; k++) for (const t of base) out.push({ ...t, eventTime: t.eventTime + k * span, receiveTime: t.receiveTime + k * span, seq: (t.seq ?? 0) + k * base.length });
  return out;
}

/** Trades per second of wall time and of process CPU time, for one run. */
interface Rate { wall: number; cpu: number }

function best(run: () => Rate): Rate {
  const top: Rate = { wall: 0, cpu: 0 };
  for (let i = 0; i < REPEATS; i++) {
    const r = run();
    top.wall = Math.max(top.wall, r.wall);
    top.cpu = Math.max(top.cpu, r.cpu);
  }
  return top;
}

function rate(n: number, body: () => void): Rate {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  body();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  return { wall: n / s, cpu: n / ((cu.user + cu.system) / 1e6) };
}

function fold(trades: Trade[], enrich: boolean, snapshotsOnly = false): Rate {
  let outputs = 0;
  const agg = new Aggregator({
    onOutput: () => { outputs++; }, enrichWindowMs: 60_000, allowedLatenessMs: 1_000,
    tickCandleTicks: snapshotsOnly ? null : 100, timeCandleIntervalsMs: snapshotsOnly ? [] : [1_000, 60_000],
  });
  return rate(trades.length, () => {
    let nextEnrich = trades[0]!.eventTime + 1_000;
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      agg.ingest(t);
      if (enrich && t.eventTime >= nextEnrich) {
        nextEnrich = t.eventTime + 1_000;
        for (const input of agg.enrichmentInputs(60_000)) computeOrderFlow(input);
      }
    }
    agg.flush();
    if (outputs === 0) throw new Error('no output');
  });
}

function parseFloatBaseline(trades: Trade[]): Rate {
  let sink = 0;
  const r = rate(trades.length, () => {
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      sink += parseFloat(t.price) * parseFloat(t.size);
    }
  });
  if (sink === 42) process.stdout.write('');
  return r;
}

/** The obvious exact implementation: BigInt per trade, 1 s snapshots only. */
function naiveBigIntBaseline(trades: Trade[]): Rate {
  return rate(trades.length, () => {
    let sec = -1; let vol = 0n; let notional = 0n; let hi = 0n; let lo = 0n; let count = 0;
    const out: unknown[] = [];
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      const s = Math.floor(t.eventTime / 1000);
      if (s !== sec) { if (count) out.push({ vol, notional, hi, lo }); sec = s; vol = 0n; notional = 0n; count = 0; }
      const p = toScaled(t.price, 8);
      const q = toScaled(t.size, 8);
      vol += q; notional += p * q;
      if (count === 0 || p > hi) hi = p;
      if (count === 0 || p < lo) lo = p;
      count++;
    }
    if (out.length === 0 && trades.length > 2000) throw new Error('no output');
  });
}

for (const [name, trades] of [['generated', generated(GENERATED)], ['recorded', recorded(GENERATED)]] as const) {
  const pf = best(() => parseFloatBaseline(trades));
  const naive = best(() => naiveBigIntBaseline(trades));
  const plain = best(() => fold(trades, false));
  const enriched = best(() => fold(trades, true));
  const snapOnly = best(() => fold(trades, false, true));
  const common = { stream: name, trades: trades.length, folds: '1s snapshot + t100 + 1s/1m candles', unit: 'trades/s/core' };
  const line = (bench: string, metric: string, v: Rate, base: Rate, baselineName: string, extra: Record<string, unknown> = {}) =>
    report(withRatio({ bench, metric, value: Math.round(v.wall), baseline: Math.round(base.wall), baselineName, ...common, ...extra,
      cpuValue: Math.round(v.cpu), cpuBaseline: Math.round(base.cpu), cpuRatio: Number((v.cpu / base.cpu).toFixed(3)) }));
  line('aggregate.fold', 'trades_per_s', plain, naive, 'naive BigInt 1s fold');
  line('aggregate.fold', 'trades_per_s_vs_parsefloat', plain, pf, 'parseFloat price*size loop (inexact)');
  line('aggregate.fold_snapshots_only', 'trades_per_s', snapOnly, naive, 'naive BigInt 1s fold', { folds: '1s snapshot only' });
  line('aggregate.fold_enriched', 'trades_per_s', enriched, plain, 'fold without enrichment', { enrichment: 'order flow, 60 s window of 1 s flow bins, inline every venue second' });
}
