/**
 * Collector side of a shard takeover: the stream's last trade per (venue, symbol, kind) is where
 * the new owner resumes. Trades of such a stream pass through a gap filler seeded with that id
 * (`resumeAfterId`, the integrity path a restart uses) until it has caught up: a first trade past
 * the resume point starts a REST backfill of exactly the ids the stream lacks, delivered in order
 * before the live ones, so a takeover beyond the standby ring (or after the collector held no
 * venue subscription for the shard at all) leaves neither a gap nor a double. Once whole the
 * filler is dropped and trades go straight on (the feed's own integrity keeps them contiguous).
 *
 * The filler is injected (the gateway passes integrity's TradeGapFiller): cluster/ stays below the
 * integrity stage and knows no REST client.
 */
import type { MarketEvent, Trade } from '../model/events.js';
import { eventKind } from './event-identity.js';

/** The part of a trade gap filler used here. */
export interface ResumeFiller {
  push(t: Trade): void;
  /** True while it is backfilling or holds trades back. */
  catchingUp(): boolean;
  close(): void;
}

/** `emit` receives trades, StreamState markers and TradeGap declarations in order. */
export type ResumeFillerFactory = (a: { venue: string; symbol: string; source: string; resumeAfterId: number; emit: (e: MarketEvent) => void }) => ResumeFiller | null;

export interface TakeoverBackfillStats {
  /** Streams whose resume point was set by a takeover. */
  armed: number;
  /** Of those, streams whose first trade after the takeover was past the resume point (a REST backfill ran). */
  backfilled: number;
  /** Streams without a filler (no REST fetcher for the venue): a gap after the resume point stays. */
  unfillable: number;
}

const key = (venue: string, symbol: string, kind: string): string => `${venue}|${symbol}|${kind}`;

export class TakeoverBackfill {
  /** Resume points waiting for the stream's first trade after the takeover. */
  private readonly armed = new Map<string, number>();
  private readonly active = new Map<string, ResumeFiller>();
  readonly stats: TakeoverBackfillStats = { armed: 0, backfilled: 0, unfillable: 0 };

  constructor(private readonly factory: ResumeFillerFactory | null, private readonly out: (e: MarketEvent) => void) {}

  /** The stream holds every trade up to `lastId` of (venue, symbol, kind): resume after it. */
  arm(venue: string, symbol: string, kind: string, lastId: number): void {
    const k = key(venue, symbol, kind);
    // A filler still catching up from an earlier takeover keeps going (its point is older, so it covers this one).
    if (this.active.has(k)) return;
    this.armed.set(k, lastId);
    this.stats.armed++;
  }

  /** The shard was lost or released: its pending resume points no longer apply. */
  disarm(pick: (venue: string, symbol: string) => boolean): void {
    for (const k of this.armed.keys()) {
      const [v, s] = k.split('|') as [string, string];
      if (pick(v, s)) this.armed.delete(k);
    }
    for (const [k, f] of this.active) {
      const [v, s] = k.split('|') as [string, string];
      if (pick(v, s)) { f.close(); this.active.delete(k); }
    }
  }

  /** Hot path: every event of an owned shard, in feed order. */
  push(e: MarketEvent): void {
    if (e.type !== 'trade' || e.seq === null || (this.armed.size === 0 && this.active.size === 0)) { this.out(e); return; }
    const k = key(e.venue, e.symbol, eventKind(e));
    let f = this.active.get(k);
    if (f === undefined) {
      const after = this.armed.get(k);
      if (after === undefined) { this.out(e); return; }
      // At or below the resume point the stream holds it already (the publish floor drops it):
      // e.g. a standby ring's trades from before this collector lost the shard once. Stay armed:
      // only the first trade past the point says whether ids are missing.
      if (e.seq <= after) { this.out(e); return; }
      this.armed.delete(k);
      if (e.seq === after + 1) { this.out(e); return; } // the live stream continues the bus: nothing to fetch
      this.stats.backfilled++;
      const made = this.factory?.({ venue: e.venue, symbol: e.symbol, source: e.source, resumeAfterId: after, emit: this.out }) ?? null;
      if (made === null) { this.stats.unfillable++; this.out(e); return; }
      f = made;
      this.active.set(k, f);
    }
    f.push(e);
    if (!f.catchingUp()) { f.close(); this.active.delete(k); }
  }

  /** Streams with a takeover backfill running now. */
  running(): number {
    return this.active.size;
  }

  close(): void {
    for (const f of this.active.values()) f.close();
    this.active.clear();
    this.armed.clear();
  }
}
