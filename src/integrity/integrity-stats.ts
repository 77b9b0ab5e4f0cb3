/**
 * FeedIntegrity's totals: the per-stream parts' counters summed into one IntegrityStats. Parts
 * dropped by FeedIntegrity.forgetSymbol leave their cumulative counters in RetiredCounters, so
 * every total only grows (prometheus counters are read from it); their gauges (buffered, behind,
 * running backfills) leave with them.
 */
import type { BookSync } from './book-sync.js';
import type { RecentTradeBackfill, RecentTradeBackfillStats } from './recent-trade-backfill.js';
import type { SequenceStats } from './sequence-tracker.js';
import type { TradeGapFiller } from './trade-gap-filler.js';
import type { TradeGapFillerStats } from './trade-backfill-types.js';

export interface IntegrityStats {
  readonly eventsIn: number;
  readonly eventsOut: number;
  readonly gapsDetected: number;
  readonly gapsFilled: number;
  readonly reconnectBackfills: number;
  readonly gapsUnfilled: number;
  readonly tradesBackfilled: number;
  /** Backfilled trades emitted after a newer one (loss inside a live stream, found afterwards). */
  readonly tradesLate: number;
  /** Recent-trades pages fetched by the periodic reconciliation that completed. */
  readonly reconciliations: number;
  readonly duplicatesDropped: number;
  readonly bookGaps: number;
  readonly bookResyncs: number;
  readonly bookSnapshots: number;
  readonly bufferedTrades: number;
  /** Most live trades one stream held at once during a backfill (bounded by maxBufferedTrades). */
  readonly peakBufferedTrades: number;
  readonly overflowDropped: number;
  /** Numbered trade streams with a backfill running now. */
  readonly backfillsInProgress: number;
  /** Ids those backfills still have to deliver, where the end is known. */
  readonly backfillIdsRemaining: number;
  /** Rows received in backfill pages (including ones the live stream also delivered). */
  readonly backfillTradesFetched: number;
  readonly backfillPages: number;
  /** Fetch rate of the running backfills (0 when none runs). */
  readonly backfillTradesPerSec: number;
  /** Holes declared unrecoverable (TradeGap events) and the ids in them (where the end is known). */
  readonly tradeGapsDeclared: number;
  readonly tradeIdsDeclaredMissing: number;
  /** Numbered trade streams currently behind (between StreamState 'behind' and 'whole'). */
  readonly streamsBehind: number;
  /** Raw live sequence as received (before repair). */
  readonly live: SequenceStats;
}

const zeroFillerStats = (): TradeGapFillerStats => ({
  gapsDetected: 0, gapsFilled: 0, reconnectBackfills: 0, gapsUnfilled: 0, idsDeclaredMissing: 0, tradesBackfilled: 0, duplicatesDropped: 0, overflowDropped: 0,
  fetches: 0, fetchFailures: 0, pages: 0, tradesFetched: 0, buffered: 0, peakBuffered: 0, backfilling: 0, idsRemaining: 0, tradesPerSec: 0, behind: 0, behindEpisodes: 0, internalErrors: 0,
});

const zeroRecentStats = (): RecentTradeBackfillStats => ({
  fetches: 0, fetchFailures: 0, checks: 0, reconnectBackfills: 0, reconciliations: 0, tradesBackfilled: 0, late: 0, duplicatesDropped: 0, overflowDropped: 0, windowExceeded: 0, checksFailed: 0, buffered: 0,
});

/** What now: a gauge of the moment, not carried over once its part is gone. */
const FILLER_GAUGES: readonly (keyof TradeGapFillerStats)[] = ['buffered', 'backfilling', 'idsRemaining', 'tradesPerSec', 'behind'];

/** Cumulative counters of trade streams FeedIntegrity no longer holds. */
export class RetiredCounters {
  readonly filler = zeroFillerStats();
  readonly recent = zeroRecentStats();

  addFiller(s: TradeGapFillerStats): void {
    for (const k of Object.keys(this.filler) as (keyof TradeGapFillerStats)[]) {
      if (k === 'peakBuffered') this.filler.peakBuffered = Math.max(this.filler.peakBuffered, s.peakBuffered);
      else if (!FILLER_GAUGES.includes(k)) this.filler[k] += s[k];
    }
  }

  addRecent(s: RecentTradeBackfillStats): void {
    for (const k of Object.keys(this.recent) as (keyof RecentTradeBackfillStats)[]) if (k !== 'buffered') this.recent[k] += s[k];
  }
}

export interface IntegrityParts {
  readonly eventsIn: number;
  readonly eventsOut: number;
  readonly fillers: Iterable<TradeGapFiller>;
  readonly recent: Iterable<RecentTradeBackfill>;
  readonly books: Iterable<BookSync>;
  readonly retired: RetiredCounters;
  /** Dropped by the content dedup window and the book-ticker update ids. */
  readonly dedupDropped: number;
  readonly live: SequenceStats;
}

export function integrityStats(p: IntegrityParts): IntegrityStats {
  const t: TradeGapFillerStats = { ...p.retired.filler };
  let peak = t.peakBuffered;
  for (const f of p.fillers) {
    const s = f.stats();
    for (const k of Object.keys(t) as (keyof TradeGapFillerStats)[]) t[k] += s[k];
    peak = Math.max(peak, s.peakBuffered);
  }
  const declared = t.gapsUnfilled;
  let late = 0;
  let reconciliations = 0;
  for (const s of [p.retired.recent, ...[...p.recent].map((r) => r.stats())]) {
    t.tradesBackfilled += s.tradesBackfilled;
    t.reconnectBackfills += s.reconnectBackfills;
    t.duplicatesDropped += s.duplicatesDropped;
    t.overflowDropped += s.overflowDropped;
    t.fetches += s.fetches;
    t.fetchFailures += s.fetchFailures;
    t.buffered += s.buffered;
    t.gapsUnfilled += s.windowExceeded + s.checksFailed;
    late += s.late;
    reconciliations += s.reconciliations;
  }
  let bookGaps = 0;
  let bookResyncs = 0;
  let bookSnapshots = 0;
  let bookDups = 0;
  for (const b of p.books) {
    const s = b.stats();
    bookGaps += s.gaps;
    bookResyncs += s.resyncs;
    bookSnapshots += s.snapshots;
    bookDups += s.duplicatesDropped;
  }
  return {
    eventsIn: p.eventsIn, eventsOut: p.eventsOut,
    gapsDetected: t.gapsDetected + bookGaps, gapsFilled: t.gapsFilled, reconnectBackfills: t.reconnectBackfills, gapsUnfilled: t.gapsUnfilled, tradesBackfilled: t.tradesBackfilled, tradesLate: late, reconciliations,
    duplicatesDropped: t.duplicatesDropped + bookDups + p.dedupDropped,
    bookGaps, bookResyncs, bookSnapshots, bufferedTrades: t.buffered, peakBufferedTrades: peak, overflowDropped: t.overflowDropped,
    backfillsInProgress: t.backfilling, backfillIdsRemaining: t.idsRemaining, backfillTradesFetched: t.tradesFetched, backfillPages: t.pages,
    backfillTradesPerSec: t.tradesPerSec, tradeGapsDeclared: declared, tradeIdsDeclaredMissing: t.idsDeclaredMissing, streamsBehind: t.behind,
    live: p.live,
  };
}
