/**
 * Collector side: which trades go to the bus. Two rules per (venue, symbol, kind), for trades
 * with a numeric id (seq):
 * - never publish a trade at or below the highest one this collector already queued (its own
 *   ring replays and re-sends are not re-published);
 * - never publish a trade at or below a floor read from the stream (the last trade present there),
 *   set on a takeover and whenever the collector's own trade stream fell behind (a venue outage):
 *   another collector (A/B peer, old owner) stored those, possibly longer ago than the stream's
 *   duplicate window, so re-sending them could store them twice.
 * Trades without a numeric id and every other event type pass (the duplicate window covers them).
 */
import type { MarketEvent, TradeGap } from '../model/events.js';
import { eventKind } from './event-identity.js';

export interface TradeFloorStats {
  /** Trades at or below this collector's own high-water mark (already queued once). */
  skippedOwn: number;
  /** Trades at or below the stream's last trade (stored by another collector). */
  skippedInStream: number;
  /** Declared holes not published, or narrowed, because the stream holds those ids. */
  gapsInStream: number;
}

interface Mark { own: number; stream: number }

export class TradeFloors {
  private readonly marks = new Map<string, Mark>();
  readonly stats: TradeFloorStats = { skippedOwn: 0, skippedInStream: 0, gapsInStream: 0 };

  /** True when `e` should be published (and raises the own mark for trades). */
  admit(e: MarketEvent): boolean {
    if (e.type !== 'trade' || e.seq === null) return true;
    const k = key(e.venue, e.symbol, eventKind(e));
    let m = this.marks.get(k);
    if (m === undefined) this.marks.set(k, (m = { own: -1, stream: -1 }));
    if (e.seq <= m.stream) { this.stats.skippedInStream++; return false; }
    if (e.seq <= m.own) { this.stats.skippedOwn++; return false; }
    m.own = e.seq;
    return true;
  }

  /**
   * A hole our own integrity declared (e.g. a re-taken stream whose old backfill reached past the
   * venue's history): the ids at or below the stream floor are not missing from the stream (another
   * collector stored them), so that part is no hole there. Returns the gap to publish, or null.
   */
  admitGap(g: TradeGap): TradeGap | null {
    const m = this.marks.get(key(g.venue, g.symbol, tradeKindOfSource(g.source)));
    if (m === undefined || m.stream < g.fromId) return g;
    this.stats.gapsInStream++;
    if (g.toId !== null && g.toId <= m.stream) return null;
    return { ...g, fromId: m.stream + 1 };
  }

  /** The stream holds every trade up to `lastId` of this (venue, symbol, kind); only raises. */
  raiseStreamFloor(venue: string, symbol: string, kind: string, lastId: number): void {
    const k = key(venue, symbol, kind);
    const m = this.marks.get(k);
    if (m === undefined) this.marks.set(k, { own: -1, stream: lastId });
    else if (lastId > m.stream) m.stream = lastId;
  }

  /** Highest trade id known to be in the stream or queued by this collector (-1: none). */
  highWater(venue: string, symbol: string, kind: string): number {
    const m = this.marks.get(key(venue, symbol, kind));
    return m === undefined ? -1 : Math.max(m.own, m.stream);
  }
}

function key(venue: string, symbol: string, kind: string): string {
  return `${venue}|${symbol}|${kind}`;
}

/** Subject kind of the trades of one trade-stream source (a stream_state marker names its source). */
export function tradeKindOfSource(source: string): string {
  return source === 'aggTrade' ? 'agg_trade' : 'trade';
}
