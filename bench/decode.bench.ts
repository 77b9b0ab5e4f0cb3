/**
 * Decode throughput per venue (frames/s on one core) next to bare JSON.parse of the same frames
 * in the same run. Binance: the 41,248 recorded frames in test/fixtures/recorded; Bybit and equities:
 * generated frames in their documented formats. Binance and Bybit with the fast path (default) and
 * without, with its fast-path share and fallback count (Bybit's tickers frames always fall back:
 * the fast path covers publicTrade and orderbook).
 * Run: node --import tsx bench/decode.bench.ts
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { report, withRatio } from './report.js';
import { BinanceDecoder } from '../src/venues/binance/decode.js';
import { BybitDecoder } from '../src/venues/bybit/decode.js';
import { EquitiesDecoder } from '../src/venues/equities/decode.js';
import type { FrameDecoder } from '../src/venues/decode-result.js';
import { BINANCE_FRAMES } from '../test/helpers/recorded-data.js';

/** Each side runs ROUNDS short rounds, alternating, so machine noise hits both alike. */
const ROUND_MS = 400;
const ROUNDS = 5;

function recordedBinance(): string[] {
  const text = gunzipSync(readFileSync(BINANCE_FRAMES)).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => l.slice(l.indexOf(' ') + 1));
}

/** Deterministic pseudo-random numbers so every run decodes the same frames. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function bybitFrames(n: number): string[] {
  const r = rng(7);
  const out: string[] = [];
  let u = 18_521_288;
  let seq = 7_961_638_724;
  const px = (): string => (30_000 + r() * 500).toFixed(2);
  const qty = (): string => (r() * 5).toFixed(3);
  for (let i = 0; i < n; i++) {
    const ts = 1_687_940_967_000 + i * 20;
    const k = r();
    if (k < 0.45) {
      const levels = (m: number): string => JSON.stringify(Array.from({ length: m }, () => [px(), r() < 0.2 ? '0' : qty()]));
      out.push(`{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":${ts},"data":{"s":"BTCUSDT","b":${levels(1 + Math.floor(r() * 6))},"a":${levels(1 + Math.floor(r() * 6))},"u":${++u},"seq":${(seq += 3)}},"cts":${ts - 2}}`);
    } else if (k < 0.9) {
      const trades = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, j) => `{"T":${ts - j},"s":"BTCUSDT","S":"${r() < 0.5 ? 'Buy' : 'Sell'}","v":"${qty()}","p":"${px()}","L":"PlusTick","i":"${i.toString(16).padStart(8, '0')}-d8dd-5b31-9112-a178eb60${String(j).padStart(4, '0')}","BT":false}`);
      out.push(`{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":${ts},"data":[${trades.join(',')}]}`);
    } else {
      out.push(`{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"${px()}","bid1Price":"${px()}","bid1Size":"${qty()}","ask1Price":"${px()}","ask1Size":"${qty()}"},"cs":${seq},"ts":${ts}}`);
    }
  }
  return out;
}

function equitiesFrames(n: number): string[] {
  const r = rng(11);
  const syms = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'TSLA', 'META', 'GOOGL', 'BRK.B'];
  return Array.from({ length: n }, (_, i) => `{"s":"${syms[i % syms.length]}","p":${(50 + r() * 400).toFixed(2 + (i % 3))},"c":[12,37],"v":${1 + Math.floor(r() * 500)},"dp":false,"ms":"open","t":${1_726_504_563_000 + i}}`);
}

/** Frames per second of `fn` over the corpus, repeated for about ROUND_MS. */
function throughput(frames: string[], fn: (f: string) => unknown): number {
  for (let i = 0; i < Math.min(frames.length, 2_000); i++) fn(frames[i]!); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  let sink = 0;
  while (elapsedMs < ROUND_MS) {
    for (const f of frames) {
      if (fn(f) !== undefined) sink++;
    }
    n += frames.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink < 0) console.log(sink);
  return Math.round((n / elapsedMs) * 1000);
}

function run(name: string, frames: string[], decoder: FrameDecoder, corpus: string, extra: () => Record<string, unknown> = () => ({})): void {
  const bares: number[] = [];
  const decodes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bares.push(throughput(frames, (f) => JSON.parse(f)));
    decodes.push(throughput(frames, (f) => decoder.decode(f, 0)));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const bare = median(bares);
  const decoded = median(decodes);
  const stats = decoder.stats();
  report(withRatio({ bench: `decode.${name}`, metric: 'frames_per_s_per_core', value: decoded, unit: 'frames/s', baseline: bare, baselineName: 'JSON.parse', corpus, frames: frames.length, malformed: stats.malformed, eventsPerFrame: Number((stats.events / stats.frames).toFixed(3)), ...extra() }));
}

/** Fast-path share and fallbacks of a decoder, for the report line. */
const fastShare = (d: BinanceDecoder | BybitDecoder) => (): Record<string, unknown> => {
  const s = d.fastPathStats();
  return { fastPathShare: Number((s.fast / Math.max(1, s.fast + s.fallback)).toFixed(4)), fallbacks: s.fallback };
};

const binanceFrames = recordedBinance();
const fast = new BinanceDecoder();
run('binance', binanceFrames, fast, 'recorded btcusdt-20240808 (trade, bookTicker, depth@100ms), fast path (default)', fastShare(fast));
const full = new BinanceDecoder({ fastPath: false });
run('binance_full', binanceFrames, full, 'recorded btcusdt-20240808, fast path off (JSON.parse + field checks)', fastShare(full));
const trades = binanceFrames.filter((f) => f.includes('@trade"'));
const fastTrades = new BinanceDecoder();
run('binance_trade', trades, fastTrades, 'recorded btcusdt-20240808 @trade frames, fast path', fastShare(fastTrades));
run('binance_trade_full', trades, new BinanceDecoder({ fastPath: false }), 'recorded btcusdt-20240808 @trade frames, fast path off');
const bybit = bybitFrames(20_000);
const bybitFast = new BybitDecoder();
run('bybit', bybit, bybitFast, 'generated v5 orderbook.50 delta / publicTrade / tickers, fast path (default)', fastShare(bybitFast));
const bybitFull = new BybitDecoder({ fastPath: false });
run('bybit_full', bybit, bybitFull, 'generated v5 orderbook.50 delta / publicTrade / tickers, fast path off', fastShare(bybitFull));
run('equities', equitiesFrames(20_000), new EquitiesDecoder(), 'generated EODHD-style trades');
