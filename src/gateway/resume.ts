/**
 * Resume after a restart (graceful stop or kill -9): per configured (venue, symbol) of a trade
 * stream with numeric ids, read what storage holds (the newest 1 s snapshots of the current
 * window of the longest time interval, the current time-candle rows, the newest tick candle /
 * volume bar), seed the aggregator from it, and hand integrity the id after which each stream
 * resumes: the minimum any fold still needs, so the partial tick candle is rebuilt from the
 * backfill while the other folds skip what they already hold.
 *
 * Source: the first SQLite sink, else the first PostgreSQL sink. It is read after that sink has
 * replayed its spool (waited for, bounded by resumeSpoolWaitMs), so rows a previous process left
 * in the spool count. Every query is an indexed probe: O(symbols), never a scan of history.
 */
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import type { AggregateSeed } from '../aggregate/resume-seed.js';
import { numericId } from '../aggregate/resume-seed.js';
import { intervalName } from '../aggregate/symbol-aggregator.js';
import { normalizeDecimal } from '../model/decimal.js';
import type { Logger } from '../observability/logger.js';
import { pgResumeReader } from '../sinks/postgres-query.js';
import { parseSinkSpec } from '../sinks/spec.js';
import { digitRanges, sqliteResumeReader, type ResumeReader } from '../sinks/sqlite-query.js';

export interface ResumeOptions {
  /** Sink specs as configured, in the order of `drained`. */
  readonly sinks: readonly string[];
  /** Per configured sink: resolves once its spool is replayed (SupervisedSink.drained). */
  readonly drained: readonly (() => Promise<void>)[];
  /** (venue, symbol) pairs whose trade stream resumes by id. */
  readonly pairs: readonly { readonly venue: string; readonly symbol: string }[];
  readonly timeCandleIntervalsMs: readonly number[];
  readonly tickCandleTicks: number | null;
  readonly volumeBarSize: string | null;
  readonly spoolWaitMs: number;
  readonly maxRebuildTrades: number;
  readonly logger: Logger;
}

/** Seeds each pair through `seed` (Aggregator.seed) and returns "venue|SYMBOL" -> resume-after id. */
export async function loadResume(o: ResumeOptions, seed: (s: AggregateSeed) => number | null): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (o.pairs.length === 0) return out;
  const source = openSource(o);
  if (source === null) return out;
  const started = Date.now();
  try {
    await waitDrained(source.drained, o.spoolWaitMs, source.kind, o.logger);
    const reader = await source.open();
    try {
      let seeded = 0;
      for (const { venue, symbol } of o.pairs) {
        const s = await readSeed(reader, venue, symbol, o);
        if (s === null) continue;
        const after = seed(s);
        if (after === null) continue;
        out.set(`${venue}|${symbol}`, after);
        seeded++;
      }
      if (seeded > 0) o.logger.info({ sink: source.kind, streams: seeded, ms: Date.now() - started }, 'resuming aggregates and trade streams from storage');
    } finally {
      await reader.close().catch(() => undefined);
      await source.dispose();
    }
  } catch (err) {
    o.logger.warn({ err: (err as Error).message, sink: source.kind }, 'cannot read resume state; trades missed while stopped are not backfilled');
    out.clear();
  }
  return out;
}

interface Source {
  readonly kind: 'sqlite' | 'postgres';
  readonly drained: () => Promise<void>;
  open(): Promise<ResumeReader>;
  dispose(): Promise<void>;
}

function openSource(o: ResumeOptions): Source | null {
  const specs = o.sinks.map((t) => parseSinkSpec(t));
  const pick = (kind: 'sqlite' | 'postgres'): number => specs.findIndex((s) => s.kind === kind);
  const si = pick('sqlite');
  if (si >= 0) {
    const spec = specs[si]!;
    if (spec.kind !== 'sqlite' || !existsSync(spec.path)) return null;
    return { kind: 'sqlite', drained: o.drained[si]!, open: async () => sqliteResumeReader(spec.path), dispose: async () => undefined };
  }
  const pi = pick('postgres');
  if (pi < 0) return null;
  const spec = specs[pi]!;
  if (spec.kind !== 'postgres') return null;
  let sql: postgres.Sql | null = null;
  return {
    kind: 'postgres', drained: o.drained[pi]!,
    open: async () => {
      sql = postgres(spec.url, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => undefined });
      return pgResumeReader(sql, spec.schema);
    },
    dispose: async () => { await sql?.end({ timeout: 1 }).catch(() => undefined); },
  };
}

async function waitDrained(drained: () => Promise<void>, ms: number, sink: string, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), ms); });
  const late = await Promise.race([drained().then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) log.warn({ sink, waitedMs: ms }, 'resume sink spool not replayed in time: resuming from what is stored (rows still spooled are re-aggregated from the backfill)');
}

const mod = (t: number, ms: number): number => ((t % ms) + ms) % ms;

/** The stored rows one symbol's aggregates resume from, or null when nothing is stored. */
export async function readSeed(
  r: ResumeReader, venue: string, symbol: string,
  o: Pick<ResumeOptions, 'timeCandleIntervalsMs' | 'tickCandleTicks' | 'volumeBarSize' | 'maxRebuildTrades'>,
): Promise<AggregateSeed | null> {
  const newest = await r.newestSnapshot(venue, symbol);
  if (newest === null) return null;
  const whole = o.timeCandleIntervalsMs.filter((ms) => ms % 1000 === 0);
  const longest = Math.max(1000, ...whole);
  const from = newest.startTime - mod(newest.startTime, longest);
  // Bounded: at most longest / 1 s rows.
  const seconds = (await r.snapshotsFrom(venue, symbol, from)).filter((s) => s.startTime <= newest.startTime);
  let lastNonEmpty = null;
  for (let i = seconds.length - 1; i >= 0 && lastNonEmpty === null; i--) if (!seconds[i]!.empty) lastNonEmpty = seconds[i]!;
  lastNonEmpty ??= await r.newestSnapshot(venue, symbol, { nonEmpty: true, before: from });
  const firstNonEmpty = await r.oldestNonEmptySnapshot(venue, symbol);
  const timeCandles = [];
  for (const ms of new Set([1000, ...whole])) {
    const c = await r.timeCandleAt(venue, symbol, intervalName(ms), newest.startTime - mod(newest.startTime, ms));
    if (c !== null) timeCandles.push(c);
  }
  const tickCandles = [];
  const near = numericId(lastNonEmpty?.lastTradeId ?? null);
  const names = [
    ...(o.tickCandleTicks ? [`t${o.tickCandleTicks}`] : []),
    ...(o.volumeBarSize ? [`v${normalizeDecimal(o.volumeBarSize)}`] : []),
  ];
  if (near !== null) {
    // Stored tick candles may run ahead of the stored seconds (a candle is emitted at its last
    // trade, a second only when it closes), never by more than a rebuild bound.
    const ranges = digitRanges(Math.max(0, near - o.maxRebuildTrades), near + o.maxRebuildTrades);
    for (const name of names) {
      for (const g of ranges) {
        const c = await r.newestTickCandleIn(venue, symbol, name, g.lo, g.hi, g.digits);
        if (c !== null) { tickCandles.push(c); break; }
      }
    }
  }
  return { venue, symbol, seconds, lastNonEmpty, firstNonEmpty, timeCandles, tickCandles };
}
