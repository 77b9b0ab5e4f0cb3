/**
 * The hot path on the real recorded Binance frames (test/fixtures/recorded): frames/s on one core
 * through decode alone and through decode + integrity + aggregation (1 s snapshots, 100-tick and
 * 1 s / 1 m candles; books maintained for the mixed frames), with the fast path on and off, next
 * to bare JSON.parse and to tardis-dev (normalizeTrades + computeTradeBars tick 100 and time 1 s,
 * fed the same frames through its mapper API, no network) in the same run.
 * Corpora: the 9,757 @trade frames and all 41,248 frames, repeated with ids and times shifted so
 * the streams continue (no duplicates, no gaps: every repeat is new data to integrity).
 * Rounds alternate between the contenders so machine noise hits them alike; the median round is
 * reported (`value`, wall clock) with `cpuValue` (per process CPU second).
 * Stages (trade corpus): decode, integrity and aggregation each alone (CPU ns per frame).
 * Replay: `tickgate replay`'s path (replayRecording) on the recorded file end to end (gzip read,
 * line split, decode, integrity with books from the REST snapshot, aggregation), fast path on and
 * off, next to reading the same file with gunzip + readline + JSON.parse in the same run.
 * Run: node --import tsx bench/hotpath.bench.ts
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { computeTradeBars, normalizeTrades } from 'tardis-dev';
import { report, withRatio } from './report.js';
import { BinanceDecoder } from '../src/venues/binance/decode.js';
import { decodeDepthSnapshot } from '../src/venues/binance/rest-decode.js';
import { FeedIntegrity } from '../src/integrity/feed-integrity.js';
import { Aggregator } from '../src/aggregate/aggregator.js';
import type { BookSnapshot, MarketEvent } from '../src/model/events.js';
import { BINANCE_DEPTH_SNAPSHOT, BINANCE_FRAMES } from '../test/helpers/recorded-data.js';
import { replayRecording } from '../src/gateway/replay.js';
import { parseRecordedFrameLine, readRecordedLines } from '../src/gateway/recorded-frames.js';

const ROUNDS = Number(process.env.HOTPATH_ROUNDS ?? 5);
const TARGET_FRAMES = Number(process.env.HOTPATH_FRAMES ?? 200_000);

interface Line { readonly rt: number; readonly frame: string }

const lines: Line[] = gunzipSync(readFileSync(BINANCE_FRAMES)).toString('utf8').split('\n').filter((l) => l.length > 0)
  .map((l) => ({ rt: Number(l.slice(0, l.indexOf(' '))), frame: l.slice(l.indexOf(' ') + 1) }));
const snapshotBody = (JSON.parse(readFileSync(BINANCE_DEPTH_SNAPSHOT, 'utf8')) as { body: unknown }).body;

/** Repeats `base` until `target` frames, shifting trade ids, book update ids and times per repeat. */
function repeated(base: Line[], target: number): Line[] {
  const parsed = base.map((l) => ({ rt: l.rt, env: JSON.parse(l.frame) as { stream: string; data: Record<string, number> } }));
  let minT = Infinity, maxT = -Infinity, firstU = -1, lastU = -1;
  for (const { env: { data: d } } of parsed) {
    if (typeof d.t === 'number') { minT = Math.min(minT, d.t); maxT = Math.max(maxT, d.t); }
    if (typeof d.U === 'number') { if (firstU < 0) firstU = d.U; lastU = d.u!; }
  }
  const idShift = maxT - minT + 1;
  // The next repeat's first depth update continues the last one's u (U == u + 1).
  const bookShift = lastU - firstU + 1;
  const timeShift = base[base.length - 1]!.rt - base[0]!.rt + 2_000;
  const out: Line[] = [];
  for (let k = 0; out.length < target; k++) {
    for (const { rt, env } of parsed) {
      if (k === 0) { out.push({ rt, frame: JSON.stringify(env) }); continue; }
      const d = { ...env.data };
      if (typeof d.t === 'number') d.t += k * idShift;
      if (typeof d.U === 'number') d.U += k * bookShift;
      if (typeof d.u === 'number') d.u += k * bookShift;
      for (const key of ['E', 'T'] as const) if (typeof d[key] === 'number') d[key] += k * timeShift;
      out.push({ rt: rt + k * timeShift, frame: JSON.stringify({ stream: env.stream, data: d }) });
    }
  }
  return out;
}

const tradeCorpus = repeated(lines.filter((l) => l.frame.includes('@trade"')), TARGET_FRAMES);
const mixedCorpus = repeated(lines, TARGET_FRAMES);
// Same bytes as recorded for repeat 0 (JSON.stringify keeps key order and number text).
if (mixedCorpus[0]!.frame !== lines[0]!.frame) throw new Error('re-serialized frames differ from the recording');

interface Rate { readonly wall: number; readonly cpu: number }

function timed(n: number, body: () => void): Rate {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  body();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  return { wall: n / s, cpu: n / ((cu.user + cu.system) / 1e6) };
}

let sink = 0;

function bareParse(corpus: Line[]): Rate {
  return timed(corpus.length, () => {
    for (let i = 0; i < corpus.length; i++) if (JSON.parse(corpus[i]!.frame) !== null) sink++;
  });
}

let lastFast = { fast: 0, fallback: 0 };

function decodeOnly(corpus: Line[], fastPath: boolean): Rate {
  const d = new BinanceDecoder({ fastPath });
  const r = timed(corpus.length, () => {
    for (let i = 0; i < corpus.length; i++) sink += d.decode(corpus[i]!.frame, corpus[i]!.rt).events.length;
  });
  if (d.stats().malformed > 0) throw new Error('malformed frames in the corpus');
  if (fastPath) lastFast = d.fastPathStats();
  return r;
}

let lastOutputs = { trades: 0, outputs: 0, bookLevels: 0, gaps: 0, resyncs: 0 };

/** decode -> FeedIntegrity (trade ids, book U/u from the REST snapshot, ticker ids) -> Aggregator. */
async function fullPath(corpus: Line[], fastPath: boolean, books: boolean): Promise<Rate> {
  const d = new BinanceDecoder({ fastPath });
  let outputs = 0;
  let trades = 0;
  const agg = new Aggregator({ onOutput: () => { outputs++; }, tickCandleTicks: 100, timeCandleIntervalsMs: [1_000, 60_000], allowedLatenessMs: 1_000 });
  const integrity = new FeedIntegrity({
    venue: 'binance',
    ...(books ? { bookRules: 'binance-spot' as const, fetchBookSnapshot: (s: string): Promise<BookSnapshot> => Promise.resolve(decodeDepthSnapshot(snapshotBody, s, corpus[0]!.rt)) } : {}),
    // eslint-disable-next-line require-yield
    fetchTrades: async function* () { throw new Error('the corpus has no trade gap'); },
    onEvent: (e) => {
      if (e.type === 'trade') trades++;
      agg.ingest(e);
    },
  });
  // The first depth frame asks for the REST snapshot; let it arrive before the clock starts.
  let start = 0;
  if (books) {
    while (!corpus[start]!.frame.includes('depthUpdate')) integrity.pushAll(d.decode(corpus[start]!.frame, corpus[start++]!.rt).events);
    integrity.pushAll(d.decode(corpus[start]!.frame, corpus[start++]!.rt).events);
    await new Promise((r) => setImmediate(r));
  }
  const r = timed(corpus.length - start, () => {
    for (let i = start; i < corpus.length; i++) {
      const ev = d.decode(corpus[i]!.frame, corpus[i]!.rt).events;
      for (let j = 0; j < ev.length; j++) integrity.push(ev[j]!);
    }
    agg.flush();
  });
  const s = integrity.stats();
  const book = integrity.book('BTCUSDT');
  lastOutputs = { trades, outputs, bookLevels: book === undefined ? 0 : book.depth.bids + book.depth.asks, gaps: s.gapsDetected + s.bookGaps, resyncs: s.bookResyncs };
  integrity.close();
  if (s.gapsDetected + s.bookGaps > 0 || outputs === 0) throw new Error(`unexpected integrity result ${JSON.stringify(lastOutputs)}`);
  if (books && lastOutputs.bookLevels === 0) throw new Error('book not maintained');
  return r;
}

/**
 * Where a trade's time goes, each stage on its own (CPU ns per frame): integrity alone on the
 * decoded events, aggregation alone on the integrity output (decode alone is decode_fast). Stages after decode
 * run on events decoded beforehand, so their frames are no longer in cache: the sum can differ
 * from the whole path measured in one loop.
 */
function stages(corpus: Line[]): { integrity: number; aggregate: number } {
  // Decoded outside the clock (decode alone is decode_fast, without keeping its events).
  const d = new BinanceDecoder({ fastPath: true });
  const events: MarketEvent[] = [];
  for (let i = 0; i < corpus.length; i++) {
    const ev = d.decode(corpus[i]!.frame, corpus[i]!.rt).events;
    for (let j = 0; j < ev.length; j++) events.push(ev[j]!);
  }
  const passed: MarketEvent[] = [];
  const integrity = new FeedIntegrity({
    venue: 'binance',
    // eslint-disable-next-line require-yield
    fetchTrades: async function* () { throw new Error('the corpus has no trade gap'); },
    onEvent: (e) => { passed.push(e); },
  });
  const integ = timed(corpus.length, () => {
    for (let i = 0; i < events.length; i++) integrity.push(events[i]!);
  });
  integrity.close();
  let outputs = 0;
  const agg = new Aggregator({ onOutput: () => { outputs++; }, tickCandleTicks: 100, timeCandleIntervalsMs: [1_000, 60_000], allowedLatenessMs: 1_000 });
  const ag = timed(corpus.length, () => {
    for (let i = 0; i < passed.length; i++) agg.ingest(passed[i]!);
    agg.flush();
  });
  sink += outputs;
  return { integrity: 1e9 / integ.cpu, aggregate: 1e9 / ag.cpu };
}

/** tardis-dev: JSON.parse + its Binance trades mapper + tick-100 and 1 s trade bars. */
function tardis(corpus: Line[]): Rate {
  const mapper = normalizeTrades('binance', new Date(corpus[0]!.rt));
  const bars = [computeTradeBars({ kind: 'tick', interval: 100 })(), computeTradeBars({ kind: 'time', interval: 1_000 })()];
  let n = 0;
  const r = timed(corpus.length, () => {
    for (let i = 0; i < corpus.length; i++) {
      const msg = JSON.parse(corpus[i]!.frame) as unknown;
      if (!mapper.canHandle(msg)) continue;
      const it = mapper.map(msg, new Date(corpus[i]!.rt));
      if (it === undefined) continue;
      for (const t of it) {
        for (const b of bars) for (const _ of b.compute(t)) n++;
      }
    }
  });
  if (n === 0) throw new Error('tardis-dev computed no bar');
  sink += n;
  return r;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function suite(name: string, corpus: Line[], books: boolean): Promise<void> {
  const runs: Record<string, Rate[]> = { parse: [], decodeFast: [], decodeFull: [], pathFast: [], pathFull: [], tardis: [] };
  const split: { integrity: number; aggregate: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    runs.parse!.push(bareParse(corpus));
    runs.decodeFast!.push(decodeOnly(corpus, true));
    runs.decodeFull!.push(decodeOnly(corpus, false));
    runs.pathFast!.push(await fullPath(corpus, true, books));
    runs.pathFull!.push(await fullPath(corpus, false, books));
    runs.tardis!.push(tardis(corpus));
    // Last in the round: the code is warm by then.
    if (!books) split.push(stages(corpus));
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { wall: median(v.map((x) => x.wall)), cpu: median(v.map((x) => x.cpu)) }])) as Record<string, Rate>;
  const common = { corpus: `recorded btcusdt-20240808 ${name}, repeated with shifted ids`, frames: corpus.length, unit: 'frames/s/core', rounds: ROUNDS, fastPathShare: Number((lastFast.fast / Math.max(1, lastFast.fast + lastFast.fallback)).toFixed(4)), fallbacks: lastFast.fallback };
  const line = (bench: string, v: Rate, base: Rate, baselineName: string, extra: Record<string, unknown> = {}): void =>
    report(withRatio({ bench, metric: 'frames_per_s', value: Math.round(v.wall), baseline: Math.round(base.wall), baselineName, ...common, ...extra, cpuValue: Math.round(v.cpu), cpuBaseline: Math.round(base.cpu), cpuRatio: Number((v.cpu / base.cpu).toFixed(3)) }));
  const path = 'decode + integrity + 1s snapshot + t100 + 1s/1m candles' + (books ? ' + books' : '');
  line(`hotpath.${name}.decode_fast`, m.decodeFast!, m.parse!, 'JSON.parse');
  line(`hotpath.${name}.decode_full`, m.decodeFull!, m.parse!, 'JSON.parse');
  line(`hotpath.${name}.pipeline_fast`, m.pathFast!, m.parse!, 'JSON.parse', { path, ...lastOutputs });
  line(`hotpath.${name}.pipeline_fast`, m.pathFast!, m.tardis!, 'tardis-dev normalizeTrades + computeTradeBars tick 100 + time 1s', { metric2: 'vs_tardis', path });
  line(`hotpath.${name}.pipeline_full`, m.pathFull!, m.tardis!, 'tardis-dev normalizeTrades + computeTradeBars tick 100 + time 1s', { path });
  line(`hotpath.${name}.tardis`, m.tardis!, m.parse!, 'JSON.parse', { note: 'tardis-dev on mixed frames maps trades only (no books)' });
  if (split.length > 0) {
    const ns = (k: 'integrity' | 'aggregate'): number => Math.round(median(split.map((x) => x[k])));
    const decodeNs = Math.round(1e9 / m.decodeFast!.cpu);
    const sum = decodeNs + ns('integrity') + ns('aggregate');
    report({
      bench: `hotpath.${name}.stages`, metric: 'cpu_ns_per_frame', value: sum, unit: 'ns/frame (CPU)',
      decodeNs, integrityNs: ns('integrity'), aggregateNs: ns('aggregate'), wholePathNs: Math.round(1e9 / m.pathFast!.cpu),
      baseline: Math.round(1e9 / m.parse!.cpu), baselineName: 'JSON.parse ns/frame (CPU), same run', ratio: Number((sum / (1e9 / m.parse!.cpu)).toFixed(3)),
      note: 'each stage alone on the previous stage\'s output (decoded beforehand): where a trade\'s time goes; the stages read events whose frames are out of cache, so the sum differs from the whole path in one loop',
    });
  }
}

/** The recorded file read as the replay reads it (gunzip + readline), each frame JSON.parsed. */
async function readAndParse(): Promise<Rate> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const line of readRecordedLines(BINANCE_FRAMES)) {
    const rec = parseRecordedFrameLine(line);
    if (rec !== null && JSON.parse(rec.frame) !== null) n++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  sink += n;
  return { wall: n / s, cpu: n / ((cu.user + cu.system) / 1e6) };
}

let lastReplay = { fast: 0, fallback: 0, trades: 0, snapshots: 0, candles: 0 };

async function replay(fastPath: boolean): Promise<Rate> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await replayRecording({
    file: BINANCE_FRAMES, venue: 'binance', snapshotFile: BINANCE_DEPTH_SNAPSHOT, fastPath,
    aggregate: { tickCandleTicks: 100, timeCandleIntervalsMs: [1_000, 60_000], allowedLatenessMs: 1_000, skipMarketHours: true },
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  if (r.gapsDetected > 0 || r.malformed > 0) throw new Error(`unexpected replay result ${JSON.stringify(r)}`);
  if (fastPath) lastReplay = { ...r.fastPath, trades: r.trades, snapshots: r.snapshots, candles: r.candles };
  return { wall: r.frames / s, cpu: r.frames / ((cu.user + cu.system) / 1e6) };
}

async function replaySuite(): Promise<void> {
  const runs: Record<string, Rate[]> = { read: [], fast: [], full: [] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.read!.push(await readAndParse());
    runs.fast!.push(await replay(true));
    runs.full!.push(await replay(false));
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { wall: median(v.map((x) => x.wall)), cpu: median(v.map((x) => x.cpu)) }])) as Record<string, Rate>;
  const common = {
    corpus: 'recorded btcusdt-20240808.frames.gz (41,248 frames: trade, bookTicker, depth) as tickgate replay reads it', unit: 'frames/s/core', rounds: ROUNDS,
    path: 'gunzip + readline + decode + integrity (books from the REST snapshot) + 1s snapshot + t100 + 1s/1m candles, dry run (no sink)',
    fastPathShare: Number((lastReplay.fast / Math.max(1, lastReplay.fast + lastReplay.fallback)).toFixed(4)), fallbacks: lastReplay.fallback,
  };
  for (const [bench, v] of [['hotpath.replay.fast', m.fast!], ['hotpath.replay.full', m.full!]] as const) {
    report(withRatio({
      bench, metric: 'frames_per_s', value: Math.round(v.wall), baseline: Math.round(m.read!.wall), baselineName: 'gunzip + readline + JSON.parse of the same file',
      ...common, ...(bench === 'hotpath.replay.fast' ? { trades: lastReplay.trades, snapshots: lastReplay.snapshots, candles: lastReplay.candles } : {}),
      cpuValue: Math.round(v.cpu), cpuBaseline: Math.round(m.read!.cpu), cpuRatio: Number((v.cpu / m.read!.cpu).toFixed(3)),
    }));
  }
}

const only = process.env.HOTPATH_ONLY;
if (only === undefined || only === 'trade') await suite('trade', tradeCorpus, false);
if (only === undefined || only === 'mixed') await suite('mixed', mixedCorpus, true);
if (only === undefined || only === 'replay') await replaySuite();
if (sink === 42) process.stdout.write('\n');
