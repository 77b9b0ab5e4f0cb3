/**
 * Clock hold of one (venue, symbol): while any of its trade streams is behind (integrity's
 * in-band 'behind' marker, or a restart seeded from storage), the wall clock closes none of its
 * windows, so the seconds of an outage are not emitted empty and then amended by the backfill.
 * Trades still close windows by event time. Released by 'whole', a declared TradeGap, (for the
 * restart hold) the first new trade, or, as a bound, after maxMs of wall clock (counted).
 */

/** Why a hold exists: a stream source ("trade", "aggTrade") or the restart seed. */
export type HoldKey = string;

const RESTART: HoldKey = 'restart';
/** After a declared hole: its seconds are unknown, so none is emitted empty before the next trade. */
const GAP: HoldKey = 'gap';

export interface StreamHoldStats {
  /** Holds started (markers and restarts). */
  started: number;
  /** Released by 'whole', a TradeGap or the first trade after a restart. */
  released: number;
  /** Released because they lasted longer than maxMs (a marker that never came). */
  expired: number;
}

export class StreamHold {
  /** Held keys -> wall time the hold was first seen by the clock (NaN until then). */
  private readonly keys = new Map<HoldKey, number>();
  readonly stats: StreamHoldStats = { started: 0, released: 0, expired: 0 };

  /**
   * `restartMaxMs` bounds the restart hold apart: a symbol quiet after a restart gets its empty
   * seconds after it, instead of after a whole outage bound.
   */
  constructor(private readonly maxMs: number, private readonly restartMaxMs: number = maxMs) {}

  get held(): boolean {
    return this.keys.size > 0;
  }

  /** Start (or keep) a hold; a repeated 'behind' keeps the original start. */
  hold(key: HoldKey): void {
    if (this.keys.has(key)) return;
    this.keys.set(key, NaN);
    this.stats.started++;
  }

  release(key: HoldKey): void {
    if (this.keys.delete(key)) this.stats.released++;
  }

  /** A 'whole' marker: that stream caught up, which also ends a restart hold (a gap hold waits for its trade). */
  whole(source: HoldKey): void {
    this.release(source);
    this.release(RESTART);
  }

  /**
   * A declared hole ends every hold of the symbol's stream (nothing more is coming for it); the
   * clock then waits for the next trade (bounded like a restart), which follows the hole.
   */
  declaredGap(): void {
    this.stats.released += this.keys.size;
    this.keys.clear();
    this.hold(GAP);
  }

  /** A new trade was folded: a restart or gap hold ends (trades now drive the windows). */
  onTrade(): void {
    if (this.keys.size === 0) return;
    this.release(RESTART);
    this.release(GAP);
  }

  /** Whether the clock may not close windows at nowMs; expires holds older than maxMs. */
  blocks(nowMs: number): boolean {
    if (this.keys.size === 0) return false;
    for (const [key, since] of this.keys) {
      if (Number.isNaN(since)) this.keys.set(key, nowMs);
      else if (nowMs - since >= (key === RESTART || key === GAP ? this.restartMaxMs : this.maxMs)) {
        this.keys.delete(key);
        this.stats.expired++;
      }
    }
    return this.keys.size > 0;
  }
}
