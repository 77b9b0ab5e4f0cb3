/**
 * Exact order book, sizes kept as the venue's strings, each side sorted best-first so best/top-N
 * are O(1)/O(N). A side starts on fixed-point prices (FixedBookSide: integer keys in a typed
 * array, no string key or float parse per level); a price it cannot hold exactly (an integer of
 * 2^53 or more at the side's scale) moves that side, once, to ExactBookSide below: levels keyed by
 * the canonical decimal string of their price, ordered by float value and by exact decimal
 * comparison when the floats are equal, so order is exact even for prices a double cannot tell apart.
 */
import type { DecimalString, Level } from '../model/events.js';
import { compareDecimal, normalizeDecimal } from '../model/decimal.js';
import { FixedBookSide } from './fixed-book-side.js';

import { isZeroSize, levelOf, priceKey } from './level-text.js';

export { isZeroSize, priceKey } from './level-text.js';

class ExactBookSide {
  /** key -> [price as sent, size as sent] */
  readonly levels = new Map<string, Level>();
  /**
   * keys WORST-first (best at the end), and their float values for fast comparison: most
   * updates touch the top of the book, and an insert or delete there then moves few elements.
   */
  private readonly keys: string[] = [];
  private readonly nums: number[] = [];

  constructor(private readonly descending: boolean) {}

  /** -1 if a is worse than b, 1 if better, 0 if equal (storage order: worst first). */
  private cmp(aNum: number, aKey: string, bNum: number, bKey: string): number {
    let c = aNum < bNum ? -1 : aNum > bNum ? 1 : 0;
    if (c === 0 && aKey !== bKey) c = compareDecimal(aKey, bKey);
    return this.descending ? c : -c;
  }

  private search(num: number, key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(this.nums[mid]!, this.keys[mid]!, num, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * `level` (the venue's [price, size], immutable like every event) is stored as it is when
   * given, so a delta costs no tuple per level.
   */
  put(price: DecimalString, size: DecimalString, level: Level | null): boolean {
    const key = priceKey(price);
    // The float value only orders an insert or a delete; a size change at a known level (most of
    // a delta) needs neither it nor a second lookup.
    if (isZeroSize(size)) {
      if (!this.levels.delete(key)) return true;
      const i = this.search(Number(key), key);
      this.keys.splice(i, 1);
      this.nums.splice(i, 1);
      return true;
    }
    const before = this.levels.size;
    this.levels.set(key, levelOf(price, size, level));
    if (this.levels.size === before) return true;
    const num = Number(key);
    const i = this.search(num, key);
    this.keys.splice(i, 0, key);
    this.nums.splice(i, 0, num);
    return true;
  }

  get(price: string): Level | undefined {
    return this.levels.get(priceKey(price));
  }

  clear(): void {
    this.levels.clear();
    this.keys.length = 0;
    this.nums.length = 0;
  }

  best(): Level | undefined {
    const k = this.keys[this.keys.length - 1];
    return k === undefined ? undefined : this.levels.get(k);
  }

  top(n: number): Level[] {
    const out: Level[] = [];
    const last = this.keys.length - 1;
    for (let i = 0; i < n && i <= last; i++) out.push(this.levels.get(this.keys[last - i]!)!);
    return out;
  }

  get size(): number {
    return this.keys.length;
  }
}

type BookSide = FixedBookSide | ExactBookSide;

/** The same levels on the exact side (a price the fixed-point side cannot hold arrived). */
function toExact(side: FixedBookSide, descending: boolean): ExactBookSide {
  const exact = new ExactBookSide(descending);
  for (const l of side.all()) exact.put(l[0], l[1], l);
  return exact;
}

export class OrderBook {
  private bidSide: BookSide = new FixedBookSide(true);
  private askSide: BookSide = new FixedBookSide(false);
  /** Update id of the last snapshot/delta applied (-1 before any). */
  lastUpdateId = -1;

  constructor(readonly symbol: string) {}

  /** Replace the whole book. */
  applySnapshot(bids: readonly Level[], asks: readonly Level[], lastUpdateId: number): void {
    // A new book starts on fixed point again.
    this.bidSide = new FixedBookSide(true);
    this.askSide = new FixedBookSide(false);
    for (const [p, s] of bids) this.putBid(p, s, null);
    for (const [p, s] of asks) this.putAsk(p, s, null);
    this.lastUpdateId = lastUpdateId;
  }

  /** Absolute sizes per level; a zero size removes the level. */
  applyDelta(bids: readonly Level[], asks: readonly Level[], lastUpdateId: number): void {
    for (let i = 0; i < bids.length; i++) this.putBid(bids[i]![0], bids[i]![1], bids[i]!);
    for (let i = 0; i < asks.length; i++) this.putAsk(asks[i]![0], asks[i]![1], asks[i]!);
    this.lastUpdateId = lastUpdateId;
  }

  private putBid(price: DecimalString, size: DecimalString, level: Level | null): void {
    if (this.bidSide.put(price, size, level)) return;
    this.bidSide = toExact(this.bidSide as FixedBookSide, true);
    this.bidSide.put(price, size, level);
  }

  private putAsk(price: DecimalString, size: DecimalString, level: Level | null): void {
    if (this.askSide.put(price, size, level)) return;
    this.askSide = toExact(this.askSide as FixedBookSide, false);
    this.askSide.put(price, size, level);
  }

  bestBid(): Level | undefined {
    return this.bidSide.best();
  }

  bestAsk(): Level | undefined {
    return this.askSide.best();
  }

  /** Best-first levels. */
  bids(n = Infinity): Level[] {
    return this.bidSide.top(n);
  }

  asks(n = Infinity): Level[] {
    return this.askSide.top(n);
  }

  get depth(): { bids: number; asks: number } {
    return { bids: this.bidSide.size, asks: this.askSide.size };
  }

  /** Size at a price (exact match on the canonical price), or undefined. */
  sizeAt(side: 'bid' | 'ask', price: string): DecimalString | undefined {
    return (side === 'bid' ? this.bidSide : this.askSide).get(price)?.[1];
  }

  /**
   * Canonical text of the top `n` levels ("b:price:size|...|a:price:size"), with prices and sizes
   * normalized: two books are equal iff their canonical texts are equal.
   */
  canonical(n = Infinity): string {
    const side = (tag: string, levels: Level[]): string => levels.map(([p, s]) => `${tag}:${priceKey(p)}:${normalizeDecimal(s)}`).join('|');
    return `${side('b', this.bids(n))}|${side('a', this.asks(n))}`;
  }

  /** 32-bit FNV-1a of canonical(n): a cheap fingerprint for cross-checks (e.g. vs the simulator). */
  checksum(n = Infinity): number {
    const text = this.canonical(n);
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  equals(other: OrderBook, n = Infinity): boolean {
    return this.canonical(n) === other.canonical(n);
  }
}
