/**
 * One OHLCV bucket folded from trades with exact sums. Shared by snapshots, time candles, tick
 * candles and volume bars. Open/close are chosen by an order key (for time windows: venue time,
 * then seq) so that a bucket does not depend on the arrival order of its trades when the venue
 * gives a sequence; ties keep the first arrival as open and the last arrival as close.
 */
import type { Trade } from '../model/events.js';
import { ExactSum, formatScaled, mul, parsed, parseScaled, ratio, upscale, type Scaled } from './exact.js';

/** Per-symbol scales: significant decimals seen so far (only grow) or configured. */
export interface SymbolScales {
  priceScale: number;
  sizeScale: number;
}

/** A trade parsed once and shared by every fold of its symbol (a reused scratch object). */
export interface ParsedTrade {
  trade: Trade;
  price: Scaled;
  size: Scaled;
  notional: Scaled;
  priceScale: number;
  sizeScale: number;
  /** Last price text and its parse: consecutive trades often print at the same price. */
  lastPriceText: string;
  lastPriceRaw: Scaled;
  lastPriceRawScale: number;
  lastPriceFrac: number;
  /**
   * This trade's price and size at their own significant scale, and their fractional digits as
   * written: enough to rebuild the exact text (CompactTradeRing keeps numbers, not strings).
   */
  priceRaw: Scaled;
  priceRawScale: number;
  priceFrac: number;
  sizeRaw: Scaled;
  sizeRawScale: number;
  sizeFrac: number;
}

export function newParsedTrade(trade: Trade): ParsedTrade {
  return {
    trade, price: 0, size: 0, notional: 0, priceScale: 0, sizeScale: 0, lastPriceText: '', lastPriceRaw: 0, lastPriceRawScale: 0, lastPriceFrac: 0,
    priceRaw: 0, priceRawScale: 0, priceFrac: 0, sizeRaw: 0, sizeRawScale: 0, sizeFrac: 0,
  };
}

/**
 * Parse price and size into `out` at the symbol's scales, growing them when a finer value
 * arrives (buckets rescale themselves lazily on their next add).
 */
export function parseTrade(trade: Trade, scales: SymbolScales, out: ParsedTrade): ParsedTrade {
  let p: Scaled;
  let sp: number;
  if (trade.price === out.lastPriceText) {
    p = out.lastPriceRaw;
    sp = out.lastPriceRawScale;
    out.priceFrac = out.lastPriceFrac;
  } else {
    p = parseScaled(trade.price);
    sp = parsed.scale;
    out.lastPriceText = trade.price;
    out.lastPriceRaw = p;
    out.lastPriceRawScale = sp;
    out.lastPriceFrac = out.priceFrac = parsed.frac;
  }
  let q = parseScaled(trade.size);
  const sq = parsed.scale;
  out.priceRaw = p;
  out.priceRawScale = sp;
  out.sizeRaw = q;
  out.sizeRawScale = sq;
  out.sizeFrac = parsed.frac;
  if (sp > scales.priceScale) scales.priceScale = sp;
  if (sq > scales.sizeScale) scales.sizeScale = sq;
  p = upscale(p, scales.priceScale - sp);
  q = upscale(q, scales.sizeScale - sq);
  out.trade = trade;
  out.price = p;
  out.size = q;
  out.notional = mul(p, q);
  out.priceScale = scales.priceScale;
  out.sizeScale = scales.sizeScale;
  return out;
}

function seqOf(id: string | null): number {
  const n = id === null ? NaN : Number(id);
  return Number.isSafeInteger(n) ? n : 0;
}

export class OhlcvAcc {
  priceScale: number;
  sizeScale: number;
  open: Scaled = 0;
  high: Scaled = 0;
  low: Scaled = 0;
  close: Scaled = 0;
  /** Close carried into an empty bucket (snapshots of quiet seconds). */
  carry: Scaled | null = null;
  firstTradeId: string | null = null;
  lastTradeId: string | null = null;
  openTime = 0;
  closeTime = 0;
  private openSeq = 0;
  private closeSeq = 0;
  count = 0;
  readonly volume = new ExactSum();
  readonly notional = new ExactSum();
  readonly buyVolume = new ExactSum();
  readonly sellVolume = new ExactSum();
  revision = 0;
  /** Queued for re-emission by its time fold (amended since its last emission). */
  amendQueued = false;

  constructor(
    readonly startTime: number,
    readonly endTime: number,
    scales: SymbolScales,
  ) {
    this.priceScale = scales.priceScale;
    this.sizeScale = scales.sizeScale;
  }

  /** Fold one trade of a time window; `keyTime`/`keySeq` (venue time, seq) order open/close (ties: arrival order). */
  addTimed(t: ParsedTrade, keyTime: number, keySeq: number): void {
    if (t.priceScale !== this.priceScale || t.sizeScale !== this.sizeScale) this.rescale(t.priceScale, t.sizeScale);
    const p = t.price;
    const id = t.trade.tradeId;
    if (this.count === 0) {
      this.open = this.high = this.low = this.close = p;
      this.firstTradeId = this.lastTradeId = id;
      this.openTime = this.closeTime = keyTime;
      this.openSeq = this.closeSeq = keySeq;
    } else {
      if (p > this.high) this.high = p;
      if (p < this.low) this.low = p;
      if (keyTime < this.openTime || (keyTime === this.openTime && keySeq < this.openSeq)) {
        this.open = p; this.firstTradeId = id; this.openTime = keyTime; this.openSeq = keySeq;
      }
      if (keyTime > this.closeTime || (keyTime === this.closeTime && keySeq >= this.closeSeq)) {
        this.close = p; this.lastTradeId = id; this.closeTime = keyTime; this.closeSeq = keySeq;
      }
    }
    this.addSums(t);
  }

  /**
   * Fold the next trade in arrival order (tick candles, volume bars): open is the first, close
   * the last. Keeps no order keys, so such a bucket is not for merge().
   */
  addNext(t: ParsedTrade): void {
    if (t.priceScale !== this.priceScale || t.sizeScale !== this.sizeScale) this.rescale(t.priceScale, t.sizeScale);
    const p = t.price;
    const id = t.trade.tradeId;
    if (this.count === 0) {
      this.open = this.high = this.low = p;
      this.firstTradeId = id;
    } else {
      if (p > this.high) this.high = p;
      if (p < this.low) this.low = p;
    }
    this.close = p;
    this.lastTradeId = id;
    this.addSums(t);
  }

  private addSums(t: ParsedTrade): void {
    this.count++;
    const q = t.size;
    this.volume.add(q);
    this.notional.add(t.notional);
    const side = t.trade.side;
    if (side === 'buy') this.buyVolume.add(q);
    else if (side === 'sell') this.sellVolume.add(q);
  }

  /**
   * Fold a whole bucket in, as if its trades were added here one by one in their order (open
   * and close by the same keys; a tie goes to the bucket on open only if strictly earlier, on
   * close if not earlier, like add()). `b` is rescaled in place if it is coarser (exact).
   */
  merge(b: OhlcvAcc): void {
    if (b.count === 0) return;
    if (this.count === 0) {
      // Nothing folded yet (all sums zero): take b's scales, as a fold of b's trades would have.
      this.priceScale = b.priceScale;
      this.sizeScale = b.sizeScale;
    }
    const ps = b.priceScale > this.priceScale ? b.priceScale : this.priceScale;
    const qs = b.sizeScale > this.sizeScale ? b.sizeScale : this.sizeScale;
    if (ps !== this.priceScale || qs !== this.sizeScale) this.rescale(ps, qs);
    if (ps !== b.priceScale || qs !== b.sizeScale) b.rescale(ps, qs);
    if (this.count === 0) {
      this.open = b.open; this.high = b.high; this.low = b.low; this.close = b.close;
      this.firstTradeId = b.firstTradeId; this.lastTradeId = b.lastTradeId;
      this.openTime = b.openTime; this.closeTime = b.closeTime;
      this.openSeq = b.openSeq; this.closeSeq = b.closeSeq;
    } else {
      if (b.high > this.high) this.high = b.high;
      if (b.low < this.low) this.low = b.low;
      if (b.openTime < this.openTime || (b.openTime === this.openTime && b.openSeq < this.openSeq)) {
        this.open = b.open; this.firstTradeId = b.firstTradeId; this.openTime = b.openTime; this.openSeq = b.openSeq;
      }
      if (b.closeTime > this.closeTime || (b.closeTime === this.closeTime && b.closeSeq >= this.closeSeq)) {
        this.close = b.close; this.lastTradeId = b.lastTradeId; this.closeTime = b.closeTime; this.closeSeq = b.closeSeq;
      }
    }
    this.count += b.count;
    this.volume.addSum(b.volume);
    this.notional.addSum(b.notional);
    this.buyVolume.addSum(b.buyVolume);
    this.sellVolume.addSum(b.sellVolume);
  }

  /**
   * Restore a bucket from a stored row (restart): prices at this bucket's price scale, sizes at
   * its size scale. Order keys are the lower bounds of what the row allows (its window start, the
   * first and last trade ids): every later trade of the stream is later in (time, seq), so the
   * open and close it decides are those of an uninterrupted fold.
   */
  restore(r: { open: Scaled; high: Scaled; low: Scaled; close: Scaled; count: number; volume: Scaled; notional: Scaled; buyVolume: Scaled; sellVolume: Scaled; firstTradeId: string | null; lastTradeId: string | null; revision: number }): void {
    if (r.count === 0) {
      this.carry = r.close;
    } else {
      this.open = r.open; this.high = r.high; this.low = r.low; this.close = r.close;
      this.firstTradeId = r.firstTradeId; this.lastTradeId = r.lastTradeId;
      this.openTime = this.closeTime = this.startTime;
      this.openSeq = seqOf(r.firstTradeId);
      this.closeSeq = seqOf(r.lastTradeId);
      this.count = r.count;
      this.volume.add(r.volume);
      this.notional.add(r.notional);
      this.buyVolume.add(r.buyVolume);
      this.sellVolume.add(r.sellVolume);
    }
    this.revision = r.revision;
  }

  /** Scales only grow: multiply every stored value by the difference, exactly. */
  rescale(priceScale: number, sizeScale: number): void {
    const dp = priceScale - this.priceScale;
    const dq = sizeScale - this.sizeScale;
    if (dp < 0 || dq < 0) throw new RangeError('scales only grow');
    if (dp > 0) {
      this.open = upscale(this.open, dp);
      this.high = upscale(this.high, dp);
      this.low = upscale(this.low, dp);
      this.close = upscale(this.close, dp);
      if (this.carry !== null) this.carry = upscale(this.carry, dp);
    }
    if (dq > 0) {
      this.volume.rescale(dq);
      this.buyVolume.rescale(dq);
      this.sellVolume.rescale(dq);
    }
    this.notional.rescale(dp + dq);
    this.priceScale = priceScale;
    this.sizeScale = sizeScale;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** The close to carry into the next empty bucket, at this bucket's price scale. */
  lastPrice(): Scaled | null {
    return this.count > 0 ? this.close : this.carry;
  }

  /** Output fields shared by Snapshot1s and Candle (exact strings; vwap from exact sums). */
  fields(venue: string, symbol: string): OhlcvFields {
    const ps = this.priceScale;
    const qs = this.sizeScale;
    const empty = this.count === 0;
    const c = empty ? (this.carry ?? 0) : 0;
    return {
      venue,
      symbol,
      open: formatScaled(empty ? c : this.open, ps),
      high: formatScaled(empty ? c : this.high, ps),
      low: formatScaled(empty ? c : this.low, ps),
      close: formatScaled(empty ? c : this.close, ps),
      volume: this.volume.format(qs),
      notional: this.notional.format(ps + qs),
      vwap: ratio(this.notional, ps + qs, this.volume, qs),
      tradeCount: this.count,
      buyVolume: this.buyVolume.format(qs),
      sellVolume: this.sellVolume.format(qs),
      firstTradeId: this.firstTradeId,
      lastTradeId: this.lastTradeId,
      revision: this.revision,
    };
  }
}

export interface OhlcvFields {
  readonly venue: string;
  readonly symbol: string;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly notional: string;
  readonly vwap: number | null;
  readonly tradeCount: number;
  readonly buyVolume: string;
  readonly sellVolume: string;
  readonly firstTradeId: string | null;
  readonly lastTradeId: string | null;
  readonly revision: number;
}
