/**
 * Replays a recorded-frames file through the same decode -> integrity -> aggregate path a live
 * run uses, and writes the aggregates to sinks. Time is the recording's (frames' receive times
 * drive the clock, trades' venue times drive the windows), so a replay is deterministic: the same
 * file always writes the same rows.
 */
import { readFileSync, statSync } from 'node:fs';
import { Aggregator, type AggregatorOptions } from '../aggregate/aggregator.js';
import { FeedIntegrity } from '../integrity/feed-integrity.js';
import type { BookRules } from '../integrity/book-sync.js';
import { BinanceDecoder } from '../venues/binance/decode.js';
import { BybitDecoder } from '../venues/bybit/decode.js';
import { EquitiesDecoder } from '../venues/equities/decode.js';
import { decodeDepthSnapshot } from '../venues/binance/rest-decode.js';
import { countsInCandles } from '../venues/binance-futures/rules.js';
import { venuesDefaults } from '../config/defaults/venues.js';
import type { FrameDecoder } from '../venues/decode-result.js';
import type { BookSnapshot } from '../model/events.js';
import { ConfigError, TickgateError } from '../model/errors.js';
import { parseSinkSpec } from '../sinks/spec.js';
import { createSink } from '../sinks/create-sink.js';
import type { Sink, SinkRecord } from '../sinks/sink.js';
import { DEFAULT_FLUSH_TICK_MS } from '../config/defaults/aggregate.js';
import { parseRecordedFrameLine, readRecordedLines } from './recorded-frames.js';

export const REPLAY_VENUES = ['binance', 'binance-futures', 'bybit', 'equities'] as const;
export type ReplayVenue = (typeof REPLAY_VENUES)[number];
export const BYBIT_CATEGORIES = ['spot', 'linear'] as const;
export type BybitCategory = (typeof BYBIT_CATEGORIES)[number];

export interface ReplayRunOptions {
  readonly file: string;
  readonly venue: ReplayVenue;
  /** Bybit only: the recording's category (linear tickers are snapshot + delta). Default spot. */
  readonly category?: BybitCategory;
  /** USD-M trade kinds (`X`) that count in candles; default MARKET (as Binance's klines). */
  readonly candleTradeKinds?: readonly string[];
  /** REST depth snapshot (`{"body": {...lastUpdateId...}}` or the bare body) to start books from. */
  readonly snapshotFile?: string;
  /** Sink specs; none = aggregate only (dry run). */
  readonly sinks?: readonly string[];
  readonly aggregate?: Omit<AggregatorOptions, 'onOutput' | 'enrichment' | 'logger'>;
  /** Records per sink write. */
  readonly batchRecords?: number;
  /** Decode with the venue's validated fast path (venues.<venue>.fastPath); default on. */
  readonly fastPath?: boolean;
  readonly onProgress?: (p: { readonly bytesRead: number; readonly totalBytes: number; readonly frames: number }) => void;
}

export interface ReplaySummary {
  readonly frames: number;
  readonly skippedLines: number;
  readonly events: number;
  readonly malformed: number;
  readonly trades: number;
  readonly gapsDetected: number;
  readonly bookResyncs: number;
  readonly snapshots: number;
  readonly candles: number;
  readonly rawTrades: number;
  readonly written: Readonly<Record<string, number>>;
  readonly firstFrameMs: number | null;
  readonly lastFrameMs: number | null;
  /** Frames the decoder's fast path took, and frames it left to JSON.parse (0/0 when off or none). */
  readonly fastPath: { readonly fast: number; readonly fallback: number };
}

export class ReplayError extends TickgateError {
  constructor(message: string, context: Record<string, string | number> = {}) {
    super('E_REPLAY', message, { context });
  }
}

function decoderFor(venue: ReplayVenue, fastPath: boolean | undefined): FrameDecoder {
  switch (venue) {
    case 'binance': return new BinanceDecoder({ fastPath });
    case 'binance-futures': return new BinanceDecoder({ venue: 'binance-futures', fastPath });
    case 'bybit': return new BybitDecoder({ fastPath });
    case 'equities': return new EquitiesDecoder();
  }
}

/** Book continuity rules of a venue's recording. */
function bookRulesFor(venue: ReplayVenue): BookRules {
  return venue === 'bybit' ? 'bybit' : venue === 'binance-futures' ? 'binance-futures' : 'binance-spot';
}

function loadSnapshot(file: string, receiveTime: number, venue: string): (symbol: string) => Promise<BookSnapshot> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ReplayError(`cannot read snapshot ${file}: ${(err as Error).message}`, { file });
  }
  const wrapped = doc as { body?: unknown; receivedAtMs?: number };
  const body = wrapped.body ?? doc;
  const at = typeof wrapped.receivedAtMs === 'number' ? wrapped.receivedAtMs : receiveTime;
  return (symbol) => Promise.resolve(decodeDepthSnapshot(body, symbol, at, venue));
}

export async function replayRecording(opts: ReplayRunOptions): Promise<ReplaySummary> {
  if (!(REPLAY_VENUES as readonly string[]).includes(opts.venue)) {
    throw new ConfigError(`--venue "${opts.venue}" is unknown: expected one of ${REPLAY_VENUES.join(', ')}`, { key: 'venue', value: opts.venue });
  }
  if (opts.category !== undefined) {
    if (opts.venue !== 'bybit') throw new ConfigError(`--category applies to --venue bybit only (got --venue ${opts.venue})`, { key: 'category', value: opts.category });
    if (!(BYBIT_CATEGORIES as readonly string[]).includes(opts.category)) {
      throw new ConfigError(`--category "${opts.category}" is unknown: expected one of ${BYBIT_CATEGORIES.join(', ')}`, { key: 'category', value: opts.category });
    }
  }
  let totalBytes: number;
  try {
    totalBytes = statSync(opts.file).size;
  } catch (err) {
    throw new ReplayError(`cannot read recording ${opts.file}: ${(err as Error).message}`, { file: opts.file });
  }
  const sinks: Sink[] = (opts.sinks ?? []).map((s) => createSink(parseSinkSpec(s)));
  for (const s of sinks) await s.open();
  const written: Record<string, number> = Object.fromEntries(sinks.map((s) => [s.name, 0]));
  const batchRecords = opts.batchRecords ?? 500;
  let pending: SinkRecord[] = [];
  let snapshots = 0, candles = 0, rawTrades = 0;
  const flushPending = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    for (const s of sinks) {
      await s.write(batch);
      written[s.name] = (written[s.name] ?? 0) + batch.length;
    }
  };

  const aggregator = new Aggregator({
    ...opts.aggregate,
    onOutput: (out) => {
      if (out.kind === 'trade') { rawTrades++; pending.push(out.trade); return; }
      if (out.kind === 'snapshot') snapshots++; else candles++;
      pending.push(out);
    },
  });
  const decoder = decoderFor(opts.venue, opts.fastPath);
  const bookRules: BookRules | undefined = opts.snapshotFile ? bookRulesFor(opts.venue) : undefined;
  const kinds = opts.candleTradeKinds ?? venuesDefaults.binanceFutures.candleTradeKinds;
  let clock = 0;
  const integrity = new FeedIntegrity({
    venue: opts.venue,
    ...(bookRules ? { bookRules } : {}),
    ...(opts.snapshotFile ? { fetchBookSnapshot: loadSnapshot(opts.snapshotFile, 0, opts.venue) } : {}),
    // As live: USD-M non-MARKET trades are not folded into candles.
    onEvent: (e) => { if (e.type !== 'trade' || countsInCandles(e, kinds)) aggregator.ingest(e); },
  });

  let frames = 0, skippedLines = 0, bytesRead = 0, lastTick = -Infinity;
  let firstFrameMs: number | null = null, lastFrameMs: number | null = null;
  try {
    for await (const line of readRecordedLines(opts.file, (n) => { bytesRead += n; })) {
      const rec = parseRecordedFrameLine(line);
      if (rec === null) {
        if (line.trim() !== '') skippedLines++;
        continue;
      }
      frames++;
      firstFrameMs ??= rec.receivedMs;
      lastFrameMs = rec.receivedMs;
      clock = rec.receivedMs;
      const r = decoder.decode(rec.frame, rec.receivedMs);
      if (r.events.length > 0) integrity.pushAll(r.events);
      // The recording's own clock closes windows exactly as the live flush timer would.
      if (clock - lastTick >= DEFAULT_FLUSH_TICK_MS) {
        lastTick = clock;
        aggregator.onClock(clock);
      }
      if (pending.length >= batchRecords) await flushPending();
      if (frames % 5000 === 0) {
        opts.onProgress?.({ bytesRead, totalBytes, frames });
        // Snapshot fetches and other integrity work are promises: let them settle in order.
        await new Promise((r2) => setImmediate(r2));
      }
    }
    await new Promise((r2) => setImmediate(r2));
    aggregator.flush();
    await flushPending();
  } finally {
    integrity.close();
    for (const s of sinks) await s.close();
  }
  opts.onProgress?.({ bytesRead: totalBytes, totalBytes, frames });
  const d = decoder.stats();
  const i = integrity.stats();
  return {
    frames, skippedLines, events: i.eventsOut, malformed: d.malformed, trades: aggregator.stats().trades,
    gapsDetected: i.gapsDetected + i.bookGaps, bookResyncs: i.bookResyncs, snapshots, candles, rawTrades, written,
    firstFrameMs, lastFrameMs,
    fastPath: decoder instanceof BinanceDecoder || decoder instanceof BybitDecoder ? decoder.fastPathStats() : { fast: 0, fallback: 0 },
  };
}
