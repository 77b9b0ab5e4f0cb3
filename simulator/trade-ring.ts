/**
 * Bounded, columnar history per (venue, symbol): the simulator's ground truth and the REST
 * trade history (historicalTrades / aggTrades) are the same rows. Typed-array columns grow by
 * doubling up to the cap, then the oldest row is overwritten, so memory is ~48 bytes a trade
 * whatever the rate (an array of objects costs ~200 and churns the GC at 300k trades/s).
 * Running counts and aggregates cover every trade ever recorded, evicted ones included.
 */

/** Rows a ring starts with (it doubles up to its cap): 500 idle symbols cost little. */
const INITIAL_ROWS = 64;

/**
 * A growable ring of numeric columns; rows are addressed by logical index 0 = oldest. The
 * columns of a row sit side by side (row-major, one Float64Array): recording a trade touches
 * one cache line instead of one per column, which is what it costs with 500 symbols' rings
 * written at random.
 */
export class ColumnRing {
  /** Row r's column c is data[r * columns + c] (r physical). */
  data: Float64Array;
  capacity: number;
  size = 0;
  /** Physical index of the oldest row. */
  head = 0;
  evicted = 0;

  constructor(readonly columns: number, readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`ring cap must be a positive integer, got ${cap}`);
    this.capacity = Math.min(cap, INITIAL_ROWS);
    this.data = new Float64Array(this.capacity * columns);
  }

  /** Reserve the next row and return its physical index (overwrites the oldest when full). */
  next(): number {
    if (this.size < this.capacity) {
      const p = this.head + this.size++;
      return p >= this.capacity ? p - this.capacity : p;
    }
    if (this.capacity < this.cap) {
      // Only reachable before the first wrap (head is 0), so a plain copy keeps the order.
      this.capacity = Math.min(this.cap, this.capacity * 2);
      const n = new Float64Array(this.capacity * this.columns);
      n.set(this.data);
      this.data = n;
      return this.size++;
    }
    const idx = this.head;
    this.head = idx + 1 === this.capacity ? 0 : idx + 1;
    this.evicted++;
    return idx;
  }

  phys(i: number): number {
    const p = this.head + i;
    return p >= this.capacity ? p - this.capacity : p;
  }

  get(col: number, i: number): number {
    return this.data[this.phys(i) * this.columns + col] as number;
  }

  /** First logical index whose column value is >= v (the column must be non-decreasing). */
  lowerBound(col: number, v: number): number {
    let lo = 0;
    let hi = this.size;
    const d = this.data;
    const w = this.columns;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((d[this.phys(mid) * w + col] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  bytes(): number {
    return this.capacity * this.columns * 8;
  }
}

/** Formats a symbol's integer units as the venue prints them. */
export interface TradeCodec {
  price(units: number): string;
  qty(units: number): string;
}

export const C_ID = 0;
export const C_AGG = 1;
export const C_PRICE = 2;
export const C_QTY = 3;
export const C_TIME = 4;
/** published count (bits 0-1) + buyerMaker (bit 2 true, bit 3 null). */
export const C_FLAGS = 5;
const COLUMNS = 6;

export interface TradeRow {
  /** Trade id (Binance t, Bybit i as a number, equities: a per-symbol sequence). */
  readonly id: number;
  readonly aggId: number | null;
  readonly price: string;
  readonly qty: string;
  readonly timeMs: number;
  readonly buyerMaker: boolean | null;
  /** Times the trade's frame went out on the trade stream (0 skipped/stopped, 2 repeated). */
  published: number;
}

export interface TradeSummary {
  /** Every trade recorded for the symbol, evicted ones included. */
  readonly total: number;
  /** Rows still held (the REST history window). */
  readonly held: number;
  readonly evicted: number;
  /** First id ever recorded, oldest id still held, newest id (-1 when none). */
  readonly firstId: number;
  readonly oldestHeldId: number;
  readonly lastId: number;
  /** Trades whose frame never went out (skip / stop-stream) and trades sent twice (repeat). */
  readonly unpublished: number;
  readonly repeated: number;
  /** Sum of quantities in the symbol's integer units (exact while < 2^53), when recorded in units. */
  readonly qtyUnits: number;
  readonly bytes: number;
}

/**
 * One symbol's trades. Rows recorded in integer units (recordUnits, with a codec) are printed
 * on read; rows recorded as text (record) keep their strings beside the numeric columns.
 */
export class TradeRing {
  private readonly ring: ColumnRing;
  private priceText: string[] | null = null;
  private qtyText: string[] | null = null;
  private total = 0;
  private firstId = -1;
  private unpublished = 0;
  private repeated = 0;
  private qtyUnits = 0;
  /** aggId of the newest evicted row: an aggregate starting there is partly gone. */
  evictedAggId = Number.NaN;

  constructor(cap: number, readonly codec: TradeCodec | null) {
    this.ring = new ColumnRing(COLUMNS, cap);
    if (!codec) {
      this.priceText = [];
      this.qtyText = [];
    }
  }

  get size(): number {
    return this.ring.size;
  }

  private reserve(id: number, published: number): number {
    if (this.ring.size === this.ring.capacity && this.ring.capacity === this.ring.cap) {
      this.evictedAggId = this.ring.get(C_AGG, 0);
    }
    const p = this.ring.next();
    if (this.total === 0) this.firstId = id;
    this.total++;
    if (published === 0) this.unpublished++;
    else if (published > 1) this.repeated++;
    return p;
  }

  /** Hot path: integer units, no strings built. */
  recordUnits(id: number, aggId: number | null, priceUnits: number, qtyUnits: number, timeMs: number, buyerMaker: boolean | null, published: number): void {
    const b = this.reserve(id, published) * COLUMNS;
    const d = this.ring.data;
    d[b + C_ID] = id;
    d[b + C_AGG] = aggId ?? Number.NaN;
    d[b + C_PRICE] = priceUnits;
    d[b + C_QTY] = qtyUnits;
    d[b + C_TIME] = timeMs;
    d[b + C_FLAGS] = Math.min(3, published) | (buyerMaker === null ? 8 : buyerMaker ? 4 : 0);
    this.qtyUnits += qtyUnits;
  }

  record(t: TradeRow): void {
    if (!this.priceText || !this.qtyText) throw new TruthModeError('this ring records integer units; use recordUnits');
    const p = this.reserve(t.id, t.published);
    const b = p * COLUMNS;
    const d = this.ring.data;
    d[b + C_ID] = t.id;
    d[b + C_AGG] = t.aggId ?? Number.NaN;
    d[b + C_PRICE] = Number(t.price);
    d[b + C_QTY] = Number(t.qty);
    d[b + C_TIME] = t.timeMs;
    d[b + C_FLAGS] = Math.min(3, t.published) | (t.buyerMaker === null ? 8 : t.buyerMaker ? 4 : 0);
    this.priceText[p] = t.price;
    this.qtyText[p] = t.qty;
  }

  /** Column value of logical row i (0 = oldest held). */
  col(col: number, i: number): number {
    return this.ring.get(col, i);
  }

  priceAt(i: number): string {
    const p = this.ring.phys(i);
    return this.priceText ? (this.priceText[p] as string) : (this.codec as TradeCodec).price(this.ring.data[p * COLUMNS + C_PRICE] as number);
  }

  qtyAt(i: number): string {
    const p = this.ring.phys(i);
    return this.qtyText ? (this.qtyText[p] as string) : (this.codec as TradeCodec).qty(this.ring.data[p * COLUMNS + C_QTY] as number);
  }

  buyerMakerAt(i: number): boolean | null {
    const f = this.ring.get(C_FLAGS, i);
    return f & 8 ? null : (f & 4) !== 0;
  }

  row(i: number): TradeRow {
    const agg = this.ring.get(C_AGG, i);
    return {
      id: this.ring.get(C_ID, i), aggId: Number.isNaN(agg) ? null : agg, price: this.priceAt(i), qty: this.qtyAt(i),
      timeMs: this.ring.get(C_TIME, i), buyerMaker: this.buyerMakerAt(i), published: this.ring.get(C_FLAGS, i) & 3,
    };
  }

  /** Logical index of the first held row with id >= id (ids are increasing). */
  indexOfId(id: number): number {
    const n = this.ring.size;
    if (n === 0) return 0;
    const first = this.ring.get(C_ID, 0);
    // Contiguous ids (every venue here): direct; otherwise a binary search.
    if (this.ring.get(C_ID, n - 1) - first === n - 1) return Math.max(0, Math.min(n, id - first));
    return this.ring.lowerBound(C_ID, id);
  }

  indexOfAgg(aggId: number): number {
    return this.ring.lowerBound(C_AGG, aggId);
  }

  indexOfTime(timeMs: number): number {
    return this.ring.lowerBound(C_TIME, timeMs);
  }

  last(): TradeRow | undefined {
    return this.ring.size > 0 ? this.row(this.ring.size - 1) : undefined;
  }

  summary(): TradeSummary {
    const n = this.ring.size;
    return {
      total: this.total, held: n, evicted: this.ring.evicted, firstId: this.firstId,
      oldestHeldId: n > 0 ? this.ring.get(C_ID, 0) : -1, lastId: n > 0 ? this.ring.get(C_ID, n - 1) : -1,
      unpublished: this.unpublished, repeated: this.repeated, qtyUnits: this.qtyUnits, bytes: this.bytes(),
    };
  }

  bytes(): number {
    return this.ring.bytes() + (this.priceText ? this.ring.size * 16 : 0);
  }
}

export class TruthModeError extends Error {
  readonly code = 'E_SIM_TRUTH_MODE';
  constructor(message: string) {
    super(message);
    this.name = 'TruthModeError';
  }
}
