/**
 * Binance's 24 h rolling-window statistics of one symbol (miniTicker, ticker, REST ticker/24hr),
 * exact: per-minute buckets of scaled bigints, summed and expired as the window moves. Memory is
 * bounded by the window (at most WINDOW_BUCKETS + 1 buckets), not by the trade count.
 *
 * Window: trades whose minute starts at or after the minute holding now - 24 h, up to now. Binance
 * documents the same minute-aligned open for its rolling tickers (up to 59 999 ms wider).
 * Trades arrive in id order (MarketState drops repeats and older ids); a trade whose time is
 * before the newest bucket (a venue clock step) is folded into the newest bucket and counted.
 */
import type { Trade } from '../../model/events.js';
import { mulScaled8, to8 } from './decimal8.js';

export const ROLLING_WINDOW_MS = 86_400_000;
export const ROLLING_BUCKET_MS = 60_000;
/** Buckets a full window holds (the open minute plus the ones up to now). */
export const WINDOW_BUCKETS = ROLLING_WINDOW_MS / ROLLING_BUCKET_MS + 1;

interface Bucket {
  readonly minute: number;
  o: bigint;
  h: bigint;
  l: bigint;
  c: bigint;
  v: bigint;
  q: bigint;
  n: number;
  first: number;
  last: number;
}

/** The window's figures, scaled by 10^8 (null prices when the window holds no trade). */
export interface RollingStats {
  readonly openTime: number;
  readonly closeTime: number;
  readonly o: bigint;
  readonly h: bigint;
  readonly l: bigint;
  readonly c: bigint;
  readonly v: bigint;
  readonly q: bigint;
  readonly n: number;
  /** First and last trade id in the window (-1 when none). */
  readonly first: number;
  readonly last: number;
  /** Price of the last trade before the window; null when tickgate never saw it. */
  readonly prevClose: bigint | null;
  /** Last trade's price and size (kept after the window emptied). */
  readonly lastPrice: bigint | null;
  readonly lastQty: bigint | null;
}

/** Start of the window's first minute for a clock reading. */
export const windowOpenMs = (nowMs: number): number => {
  const from = nowMs - ROLLING_WINDOW_MS;
  return from - (((from % ROLLING_BUCKET_MS) + ROLLING_BUCKET_MS) % ROLLING_BUCKET_MS);
};

export class Rolling24h {
  private buckets: Bucket[] = [];
  private head = 0;
  private v = 0n;
  private q = 0n;
  private n = 0;
  /** Cached extremes; null when an expired bucket held one (recomputed on read). */
  private h: bigint | null = null;
  private l: bigint | null = null;
  private prevClose: bigint | null = null;
  private lastPrice: bigint | null = null;
  private lastQty: bigint | null = null;
  private lastId = -1;
  /** Time of the first trade seen (the window is whole once it lies 24 h back), reset by a gap. */
  private coveredFromMs: number | null = null;
  /** Figures changed since the last push (trades, expiry); bookChanged: the best bid/ask. */
  changed = false;
  bookChanged = false;
  readonly counters = { trades: 0, clockSteps: 0, expired: 0, idJumps: 0 };

  get bucketCount(): number {
    return this.buckets.length - this.head;
  }

  add(t: Trade): void {
    const p = to8(t.price);
    const s = to8(t.size);
    const quote = mulScaled8(p, s); // = mul8(price, size), without parsing both again
    let minute = t.eventTime - (t.eventTime % ROLLING_BUCKET_MS);
    const newest = this.buckets[this.buckets.length - 1];
    if (newest !== undefined && this.bucketCount > 0 && minute < newest.minute) {
      this.counters.clockSteps++;
      minute = newest.minute;
    }
    const id = t.seq ?? -1;
    let b = this.bucketCount > 0 && newest!.minute === minute ? newest! : undefined;
    if (b === undefined) {
      b = { minute, o: p, h: p, l: p, c: p, v: 0n, q: 0n, n: 0, first: id, last: id };
      this.buckets.push(b);
    }
    if (p > b.h) b.h = p;
    if (p < b.l) b.l = p;
    b.c = p;
    b.v += s;
    b.q += quote;
    b.n++;
    b.last = id;
    this.v += s;
    this.q += quote;
    if (this.n === 0) {
      this.h = p;
      this.l = p;
    } else {
      if (this.h !== null && p > this.h) this.h = p;
      if (this.l !== null && p < this.l) this.l = p;
    }
    this.n++;
    this.lastPrice = p;
    this.lastQty = s;
    // Venue trade ids are consecutive: a jump (an upstream released and taken again, a declared
    // hole) means trades of the window were never seen, so coverage restarts at this trade.
    if (this.lastId >= 0 && id !== this.lastId + 1) {
      this.counters.idJumps++;
      this.coveredFromMs = t.eventTime;
    }
    this.lastId = id;
    this.coveredFromMs ??= t.eventTime;
    this.counters.trades++;
    this.changed = true;
  }

  /** Expires the buckets that left the window at `nowMs`. */
  advance(nowMs: number): void {
    const open = windowOpenMs(nowMs);
    while (this.head < this.buckets.length && this.buckets[this.head]!.minute < open) {
      const b = this.buckets[this.head++]!;
      this.v -= b.v;
      this.q -= b.q;
      this.n -= b.n;
      if (b.h === this.h) this.h = null;
      if (b.l === this.l) this.l = null;
      this.prevClose = b.c;
      this.counters.expired++;
      this.changed = true;
    }
    // Compact the consumed prefix now and then (amortized O(1) per bucket).
    if (this.head > 64 && this.head * 2 > this.buckets.length) {
      this.buckets = this.buckets.slice(this.head);
      this.head = 0;
    }
  }

  /** The best bid/ask changed (the full ticker carries it). */
  markBook(): void {
    this.bookChanged = true;
  }

  /** A declared trade hole: the window is not whole again until 24 h after the next trade. */
  markGap(): void {
    this.coveredFromMs = null;
  }

  /** True when every trade of the window at `nowMs` reached tickgate (REST serves it then). */
  covers(nowMs: number): boolean {
    return this.coveredFromMs !== null && this.coveredFromMs < windowOpenMs(nowMs);
  }

  stats(nowMs: number): RollingStats {
    this.advance(nowMs);
    if (this.n > 0 && (this.h === null || this.l === null)) {
      let h = this.buckets[this.head]!.h;
      let l = this.buckets[this.head]!.l;
      for (let i = this.head + 1; i < this.buckets.length; i++) {
        const b = this.buckets[i]!;
        if (b.h > h) h = b.h;
        if (b.l < l) l = b.l;
      }
      this.h = h;
      this.l = l;
    }
    const empty = this.n === 0;
    const firstB = this.buckets[this.head];
    const lastB = this.buckets[this.buckets.length - 1];
    return {
      openTime: windowOpenMs(nowMs), closeTime: nowMs,
      o: empty ? 0n : firstB!.o, h: empty ? 0n : this.h!, l: empty ? 0n : this.l!, c: empty ? 0n : lastB!.c,
      v: this.v, q: this.q, n: this.n, first: empty ? -1 : firstB!.first, last: empty ? -1 : lastB!.last,
      prevClose: this.prevClose, lastPrice: this.lastPrice, lastQty: this.lastQty,
    };
  }
}
