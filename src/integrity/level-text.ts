/**
 * Text helpers for book levels shared by both book sides (FixedBookSide, the exact side in
 * order-book.ts) and by the compat depth merge: they scan char codes (no regex match, no
 * intermediate strings), since a depth frame carries dozens of levels.
 */
import type { DecimalString, Level } from '../model/events.js';
import { normalizeDecimal } from '../model/decimal.js';

const C0 = 48;
const C9 = 57;
const DOT = 46;
const MINUS = 45;

/** /^-?0*(\.0*)?$/ */
export function isZeroSize(size: string): boolean {
  const n = size.length;
  let i = 0;
  if (i < n && size.charCodeAt(i) === MINUS) i++;
  while (i < n && size.charCodeAt(i) === C0) i++;
  if (i < n && size.charCodeAt(i) === DOT) {
    i++;
    while (i < n && size.charCodeAt(i) === C0) i++;
  }
  return i === n;
}

/**
 * Canonical key of a price ("61837.63000000" and "61837.63" are the same level): a plain
 * \d+(\.\d+)? loses its leading and trailing zeros (one slice, or the price itself when
 * already canonical); anything else goes through normalizeDecimal.
 */
export function priceKey(price: string): string {
  const n = price.length;
  let i = 0;
  while (i < n && isDigit(price.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === 0) return normalizeDecimal(price);
  let end = n;
  if (i < n) {
    if (price.charCodeAt(i) !== DOT) return normalizeDecimal(price);
    i++;
    const fracStart = i;
    while (i < n && isDigit(price.charCodeAt(i))) i++;
    if (i === fracStart || i !== n) return normalizeDecimal(price);
    while (end > fracStart && price.charCodeAt(end - 1) === C0) end--;
    if (end === fracStart) end = intEnd; // all-zero fraction: drop the point too
  }
  let start = 0;
  while (start < intEnd - 1 && price.charCodeAt(start) === C0) start++;
  return start === 0 && end === n ? price : price.slice(start, end);
}

function isDigit(c: number): boolean {
  return c >= C0 && c <= C9;
}

/**
 * The level to store: the venue's own [price, size] when given (immutable like every event, so a
 * delta costs no tuple per level), else a new one.
 */
export function levelOf(price: DecimalString, size: DecimalString, level: Level | null): Level {
  return level !== null && level.length === 2 ? level : [price, size];
}
