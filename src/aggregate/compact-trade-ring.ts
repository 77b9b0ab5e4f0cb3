/**
 * A fixed-capacity ring of recent trades of ONE (venue, symbol), kept as columns instead of Trade
 * objects. Why: a ring of 10,000 event objects per symbol keeps every trade alive for minutes, so
 * each one is copied by the young-generation GC and promoted, and the old generation (marked in
 * full by every major GC) grows with symbols × capacity. Here a trade costs numbers in typed
 * arrays; ids equal to String(seq) and the usual sources are not stored. Prices and sizes pushed
 * with their parse (pushParsed, the aggregator's path) are kept as numbers too (value, scale and
 * fractional digits as written, which rebuild the exact text): a string per trade held for
 * minutes was copied by every young-generation GC and then promoted. Texts the numbers cannot
 * rebuild (a sign, leading zeros, beyond 2^53) and plain push() keep their strings (copied out
 * of their frame, see `own`). Binance aggTrade f/l and the frame's E get
 * columns of their own, allocated only once a trade carrying them arrives (a ring of @trade or
 * Bybit trades never pays for them). `at(i)` rebuilds an equal Trade on read
 * (reads are rare: REST pages, a new kline stream), so callers keep the RingBuffer<Trade> shape.
 */
import type { AggressorSide, Trade } from '../model/events.js';
import { formatScaled, type Scaled } from './exact.js';

const SIDES: readonly AggressorSide[] = ['buy', 'sell', 'unknown'];
const SOURCES: readonly string[] = ['trade', 'aggTrade', 'publicTrade', 'backfill'];
const OTHER = 255;

/** The fields of a trade the columns do not cover (rare on Binance; Bybit's ids are UUIDs). */
interface Odd {
  readonly tradeId?: string;
  readonly source?: string;
  readonly execType?: string;
  readonly firstTradeId?: number;
  readonly lastTradeId?: number;
  readonly frameTime?: number;
}

/** Int32 marker of "no frameTime" in the frame-time column (a delta to eventTime otherwise). */
const NO_DELTA = -0x80000000;
/** Uint32 marker of "no lastTradeId" in the span column (l - f otherwise). */
const NO_SPAN = 0xffffffff;

/**
 * V8 keeps a substring of 13+ chars as a view into its parent: a price sliced out of a frame
 * would keep the whole frame text alive as long as the ring holds it.
 */
function own(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

/**
 * Whether `id` is exactly String(seq) (no sign, no leading zero, same digits), read digit by
 * digit: String() of an id above 2^31 goes through V8's general double printer and allocates,
 * which showed as the ring's main cost per trade.
 */
function idIsSeq(id: string, seq: number): boolean {
  const n = id.length;
  if (n === 0 || n > 16 || (n > 1 && id.charCodeAt(0) === 48)) return false;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  return v <= Number.MAX_SAFE_INTEGER && v === seq;
}

/**
 * Whether a decimal text is its canonical form plus trailing fractional zeros, so textOf() gives
 * it back: no sign, and no leading zero unless the integer part is "0". (The parse already
 * refused anything that is not a decimal.)
 */
function rebuildable(text: string): boolean {
  const c = text.charCodeAt(0);
  return c !== 45 && (c !== 48 || text.length === 1 || text.charCodeAt(1) === 46);
}

/** The text of a value at its significant scale, padded to `frac` fractional digits as written. */
function textOf(v: number, scale: number, frac: number): string {
  const canonical = formatScaled(v, scale);
  if (frac <= scale) return canonical;
  // formatScaled has no dot for scale 0 (and gives "0" for zero).
  return (scale === 0 ? `${canonical}.` : canonical) + '0'.repeat(frac - scale);
}

function sourceCode(source: string): number {
  // Literal compares (internalized strings compare by pointer first), no array search.
  if (source === 'trade') return 0;
  if (source === 'aggTrade') return 1;
  if (source === 'publicTrade') return 2;
  if (source === 'backfill') return 3;
  return OTHER;
}

export class CompactTradeRing {
  private readonly seq: Float64Array;
  private readonly eventTime: Float64Array;
  private readonly receiveTime: Float64Array;
  private readonly side: Uint8Array;
  private readonly source: Uint8Array;
  /** The text, or undefined when the number columns hold it. */
  private readonly price: (string | undefined)[];
  private readonly size_: (string | undefined)[];
  /** Significant value, its scale and the fractional digits as written (see textOf). */
  private readonly priceV: Float64Array;
  private readonly priceS: Uint8Array;
  private readonly priceF: Uint8Array;
  private readonly sizeV: Float64Array;
  private readonly sizeS: Uint8Array;
  private readonly sizeF: Uint8Array;
  private readonly odd: (Odd | undefined)[];
  /** aggTrade f (NaN when absent) and l - f; null until a trade with f/l is pushed. */
  private first: Float64Array | null = null;
  private span: Uint32Array | null = null;
  /** frameTime - eventTime (NO_DELTA when absent); null until a trade with a frameTime is pushed. */
  private frameDelta: Int32Array | null = null;
  private head = 0; // next write position
  private count = 0;

  constructor(readonly venue: string, readonly symbol: string, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.seq = new Float64Array(capacity);
    this.eventTime = new Float64Array(capacity);
    this.receiveTime = new Float64Array(capacity);
    this.side = new Uint8Array(capacity);
    this.source = new Uint8Array(capacity);
    this.price = new Array<string | undefined>(capacity);
    this.size_ = new Array<string | undefined>(capacity);
    this.priceV = new Float64Array(capacity);
    this.priceS = new Uint8Array(capacity);
    this.priceF = new Uint8Array(capacity);
    this.sizeV = new Float64Array(capacity);
    this.sizeS = new Uint8Array(capacity);
    this.sizeF = new Uint8Array(capacity);
    this.odd = new Array<Odd | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(t: Trade): void {
    const i = this.head;
    // A price (or size) equal to the previous trade's shares its string: runs are common.
    const prev = this.count === 0 ? -1 : (i === 0 ? this.capacity - 1 : i - 1);
    const p = prev < 0 ? undefined : this.price[prev];
    const q = prev < 0 ? undefined : this.size_[prev];
    this.price[i] = p === t.price ? p : own(t.price);
    this.size_[i] = q === t.size ? q : own(t.size);
    this.putRest(i, t);
  }

  /**
   * push() with the trade's parse (see ParsedTrade): price and size go to the number columns
   * when those rebuild their exact text, else they are kept as strings.
   */
  pushParsed(t: Trade, pt: {
    readonly priceRaw: Scaled; readonly priceRawScale: number; readonly priceFrac: number;
    readonly sizeRaw: Scaled; readonly sizeRawScale: number; readonly sizeFrac: number;
  }): void {
    const i = this.head;
    const pr = pt.priceRaw;
    if (typeof pr === 'number' && rebuildable(t.price)) {
      this.price[i] = undefined;
      this.priceV[i] = pr;
      this.priceS[i] = pt.priceRawScale;
      this.priceF[i] = pt.priceFrac;
    } else {
      this.price[i] = own(t.price);
    }
    const sr = pt.sizeRaw;
    if (typeof sr === 'number' && rebuildable(t.size)) {
      this.size_[i] = undefined;
      this.sizeV[i] = sr;
      this.sizeS[i] = pt.sizeRawScale;
      this.sizeF[i] = pt.sizeFrac;
    } else {
      this.size_[i] = own(t.size);
    }
    this.putRest(i, t);
  }

  /** Every column but price and size, then the write position moves on. */
  private putRest(i: number, t: Trade): void {
    this.seq[i] = t.seq === null ? NaN : t.seq;
    this.eventTime[i] = t.eventTime;
    this.receiveTime[i] = t.receiveTime;
    this.side[i] = t.side === 'buy' ? 0 : t.side === 'sell' ? 1 : 2;
    const src = sourceCode(t.source);
    this.source[i] = src;
    const idOdd = t.seq === null || !idIsSeq(t.tradeId, t.seq);
    const idsOdd = !this.putIds(i, t.firstTradeId, t.lastTradeId);
    const frameOdd = !this.putFrameTime(i, t.frameTime, t.eventTime);
    this.odd[i] = idOdd || src === OTHER || t.execType !== undefined || idsOdd || frameOdd
      ? {
        ...(idOdd ? { tradeId: t.tradeId } : {}), ...(src === OTHER ? { source: t.source } : {}), ...(t.execType !== undefined ? { execType: t.execType } : {}),
        ...(idsOdd && t.firstTradeId !== undefined ? { firstTradeId: t.firstTradeId } : {}), ...(idsOdd && t.lastTradeId !== undefined ? { lastTradeId: t.lastTradeId } : {}),
        ...(frameOdd ? { frameTime: t.frameTime } : {}),
      }
      : undefined;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** f/l into their columns; false when they do not fit (one without the other, l < f, a span beyond 32 bits): the caller keeps them in odd. */
  private putIds(i: number, f: number | undefined, l: number | undefined): boolean {
    if (f === undefined && l === undefined) {
      if (this.first !== null) this.first[i] = NaN;
      return true;
    }
    if (f === undefined || l === undefined || !(l - f >= 0 && l - f < NO_SPAN && Number.isInteger(l - f))) {
      if (this.first !== null) this.first[i] = NaN;
      return false;
    }
    if (this.first === null) {
      this.first = new Float64Array(this.capacity).fill(NaN);
      this.span = new Uint32Array(this.capacity);
    }
    this.first[i] = f;
    this.span![i] = l - f;
    return true;
  }

  /** frameTime as a delta to eventTime; false when it does not fit an Int32 (the caller keeps it in odd). */
  private putFrameTime(i: number, frameTime: number | undefined, eventTime: number): boolean {
    if (frameTime === undefined) {
      if (this.frameDelta !== null) this.frameDelta[i] = NO_DELTA;
      return true;
    }
    const d = frameTime - eventTime;
    if (!Number.isInteger(d) || d <= NO_DELTA || d > 0x7fffffff) {
      if (this.frameDelta !== null) this.frameDelta[i] = NO_DELTA;
      return false;
    }
    if (this.frameDelta === null) this.frameDelta = new Int32Array(this.capacity).fill(NO_DELTA);
    this.frameDelta[i] = d;
    return true;
  }

  private index(i: number): number {
    return (this.head - this.count + i + this.capacity) % this.capacity;
  }

  /** Trade id sequence of item i (0 = oldest), null when none; no object built (binary searches). */
  seqAt(i: number): number | null {
    if (i < 0 || i >= this.count) return null;
    const v = this.seq[this.index(i)]!;
    return Number.isNaN(v) ? null : v;
  }

  /** Venue time of item i (0 = oldest), NaN when out of range. */
  eventTimeAt(i: number): number {
    if (i < 0 || i >= this.count) return NaN;
    return this.eventTime[this.index(i)]!;
  }

  /** Item i (0 = oldest) as a Trade equal to the one pushed (a new object on every call). */
  at(i: number): Trade | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const k = this.index(i);
    const s = this.seq[k]!;
    const seq = Number.isNaN(s) ? null : s;
    const odd = this.odd[k];
    const eventTime = this.eventTime[k]!;
    const t: { -readonly [K in keyof Trade]: Trade[K] } = {
      type: 'trade', venue: this.venue, symbol: this.symbol, eventTime, receiveTime: this.receiveTime[k]!,
      tradeId: odd?.tradeId ?? String(seq), seq, price: this.price[k] ?? textOf(this.priceV[k]!, this.priceS[k]!, this.priceF[k]!),
      size: this.size_[k] ?? textOf(this.sizeV[k]!, this.sizeS[k]!, this.sizeF[k]!), side: SIDES[this.side[k]!]!,
      source: odd?.source ?? SOURCES[this.source[k]!]!,
    };
    // Keys in the decoders' order (frameTime, firstTradeId, lastTradeId, execType).
    const d = this.frameDelta === null ? NO_DELTA : this.frameDelta[k]!;
    const frameTime = odd?.frameTime ?? (d === NO_DELTA ? undefined : eventTime + d);
    if (frameTime !== undefined) t.frameTime = frameTime;
    const f = this.first === null ? NaN : this.first[k]!;
    const first = odd?.firstTradeId ?? (Number.isNaN(f) ? undefined : f);
    const last = odd?.lastTradeId ?? (Number.isNaN(f) ? undefined : f + this.span![k]!);
    if (first !== undefined) t.firstTradeId = first;
    if (last !== undefined) t.lastTradeId = last;
    if (odd?.execType !== undefined) t.execType = odd.execType;
    return t;
  }

  last(): Trade | undefined {
    return this.at(this.count - 1);
  }

  toArray(): Trade[] {
    const out: Trade[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i)!);
    return out;
  }
}
