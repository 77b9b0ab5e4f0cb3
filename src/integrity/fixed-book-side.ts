/**
 * One side of an order book on fixed-point prices: each price is the exact integer
 * price * 10^scale (scale = the most fractional digits seen, only grows), so ordering and
 * lookup need no string key, no float parse and no decimal comparison. Prices sit sorted
 * worst-first in a Float64Array (an insert or delete is one memmove, copyWithin, instead of
 * Array#splice on two arrays, which dominated deltas on a 1000-level book); levels are found by
 * price in a Map from the integer to the venue's [price, size].
 * Exact or nothing: a price whose integer would reach 2^53 is refused (put returns false) and the
 * book moves the side to the exact string-keyed implementation.
 */
import type { DecimalString, Level } from '../model/events.js';
import { normalizeDecimal } from '../model/decimal.js';
import { isZeroSize, levelOf } from './level-text.js';

const C0 = 48;
const DOT = 46;
const MINUS = 45;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 16; i++, p *= 10) POW10.push(p);

export class FixedBookSide {
  /** Integer price -> the level as the venue sent it. */
  private readonly levels = new Map<number, Level>();
  /** Sorted keys, worst first (best at the end): keys are price (bids) or -price (asks). */
  private keys = new Float64Array(64);
  private n = 0;
  private scale = 0;
  // Out-values of parse() (no tuple per level).
  private pv = 0;
  private pf = 0;

  /** descending: bids (higher is better); asks keep -price so both sides sort ascending. */
  constructor(private readonly descending: boolean) {}

  get size(): number {
    return this.n;
  }

  /**
   * Apply one level ("0" size removes it). Returns false, changing nothing, when the price
   * cannot be held exactly as an integer below 2^53 (the caller switches to the exact side).
   */
  put(price: DecimalString, size: DecimalString, level: Level | null): boolean {
    const key = this.key(price);
    if (key === null) return false;
    if (isZeroSize(size)) {
      if (!this.levels.delete(key)) return true;
      const i = this.search(key);
      this.keys.copyWithin(i, i + 1, this.n);
      this.n--;
      return true;
    }
    const before = this.levels.size;
    this.levels.set(key, levelOf(price, size, level));
    if (this.levels.size === before) return true;
    const i = this.search(key);
    if (this.n === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.copyWithin(i + 1, i, this.n);
    this.keys[i] = key;
    this.n++;
    return true;
  }

  /** The level at a price (any formatting of it), or undefined. */
  get(price: string): Level | undefined {
    // A price finer than every stored one cannot be stored (and a read grows no scale).
    if (!this.parse(price) || this.pf > this.scale) return undefined;
    const key = this.key(price);
    return key === null ? undefined : this.levels.get(key);
  }

  clear(): void {
    this.levels.clear();
    this.n = 0;
    this.scale = 0;
  }

  best(): Level | undefined {
    return this.n === 0 ? undefined : this.levels.get(this.keys[this.n - 1]!);
  }

  /** Best-first levels, at most n. */
  top(n: number): Level[] {
    const out: Level[] = [];
    for (let i = this.n - 1; i >= 0 && out.length < n; i--) out.push(this.levels.get(this.keys[i]!)!);
    return out;
  }

  /** Every level, best first (to move the side to the exact implementation). */
  all(): Level[] {
    return this.top(Infinity);
  }

  /** First index whose key is >= key. */
  private search(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Storage key of a price at the side's scale (growing it if needed), or null when not exact. */
  private key(price: string): number | null {
    if (!this.parse(price)) return null;
    let v = this.pv;
    const f = this.pf;
    if (f > this.scale && !this.rescale(f)) return null;
    if (f < this.scale) {
      v *= POW10[this.scale - f]!;
      if (v > MAX_SAFE || v < -MAX_SAFE) return null;
    }
    return this.descending ? v : -v;
  }

  /**
   * Digits of a decimal into pv (integer, trailing fractional zeros dropped) and pf (fractional
   * digits kept). False when it has too many significant digits for an exact integer; a malformed
   * price throws DecimalError (as the exact side does).
   */
  private parse(text: string): boolean {
    const n = text.length;
    let i = 0;
    const neg = n > 0 && text.charCodeAt(0) === MINUS;
    if (neg) i++;
    const intStart = i;
    let v = 0;
    let c = 0;
    while (i < n && (c = text.charCodeAt(i) - C0) >= 0 && c <= 9) { v = v * 10 + c; i++; }
    if (i === intStart) return malformed(text);
    let f = 0;
    if (i < n) {
      if (text.charCodeAt(i) !== DOT) return malformed(text);
      i++;
      const fracStart = i;
      let zeros = 0;
      while (i < n && (c = text.charCodeAt(i) - C0) >= 0 && c <= 9) {
        i++;
        // Trailing zeros are not significant: count them, multiply them in only before a digit.
        if (c === 0) { zeros++; continue; }
        if (zeros > 0) {
          if (zeros > 16) return false;
          v *= POW10[zeros]!;
          f += zeros;
          zeros = 0;
        }
        v = v * 10 + c;
        f++;
        if (v > MAX_SAFE) return false;
      }
      if (i === fracStart || i !== n) return malformed(text);
    }
    if (v > MAX_SAFE) return false;
    this.pv = neg ? -v : v;
    this.pf = f;
    return true;
  }

  /** Grow the scale to f: every key times 10^(f - scale), if all stay exact. */
  private rescale(f: number): boolean {
    const k = f - this.scale;
    if (k > 16) return false;
    const m = POW10[k]!;
    const keys = this.keys;
    const n = this.n;
    // Keys are sorted: the largest magnitude is at one end.
    if (n > 0 && Math.max(Math.abs(keys[0]!), Math.abs(keys[n - 1]!)) * m > MAX_SAFE) return false;
    const entries = [...this.levels];
    this.levels.clear();
    for (const [key, level] of entries) this.levels.set(key * m, level);
    for (let i = 0; i < n; i++) keys[i] = keys[i]! * m;
    this.scale = f;
    return true;
  }
}

/** Malformed prices throw the DecimalError the exact side would. */
function malformed(text: string): never {
  normalizeDecimal(text);
  throw new Error(`invalid price "${text.slice(0, 40)}"`);
}
