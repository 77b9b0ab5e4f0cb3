/**
 * Exact fixed-point arithmetic for the aggregation hot path.
 *
 * A value is a scaled integer held as a `number` while it is a safe integer (|v| < 2^53) and as a
 * `bigint` beyond that; JS compares number and bigint exactly, so high/low need no conversion.
 * Parsing is hand-written (no regex, no BigInt) for strings of at most 15 significant digits,
 * which covers every real price and size; longer strings fall back to BigInt. Nothing is ever
 * rounded: a malformed string throws DecimalError.
 */
import { DecimalError, fromScaled } from '../model/decimal.js';

/** A scaled integer: number when safe, bigint otherwise. */
export type Scaled = number | bigint;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 15; i++, p *= 10) POW10.push(p);
const POW10N: bigint[] = [];
for (let i = 0n; i <= 40n; i++) POW10N.push(10n ** i);

function pow10n(k: number): bigint {
  return k < POW10N.length ? (POW10N[k] as bigint) : 10n ** BigInt(k);
}

/**
 * Scale of the last parseScaled() result (significant fractional digits, trailing zeros
 * dropped) and `frac`, the fractional digits as written (trailing zeros included: "1.50" has
 * scale 1, frac 2). An object property, not an exported `let`: live-binding reads are slower.
 */
export const parsed = { scale: 0, frac: 0 };

function fracOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Parse a decimal string to its scaled integer at its own significant scale: "61837.63000000"
 * gives 6183763 and parsed.scale = 2. Trailing fractional zeros are not significant.
 */
export function parseScaled(text: string): Scaled {
  // One pass from the right, no regex, no BigInt. Trailing zeros are counted first: dropped if a
  // dot precedes them, integer digits otherwise. Up to 15 digits accumulate exactly in a double
  // (every real price and size); longer strings go to parseLong.
  const len = text.length;
  const first = len !== 0 && text.charCodeAt(0) === 45 ? 1 : 0;
  let k = len - 1;
  let c = 0;
  let zeros = 0;
  while (k >= first && (c = text.charCodeAt(k)) === 48) { k--; zeros++; }
  let dot = -1;
  let scale = 0;
  if (k >= first && c === 46) {
    if (zeros === 0) throw new DecimalError(text, 'expected digits with an optional fraction'); // "5."
    dot = k--;
    zeros = 0; // they were fractional
  }
  let v = 0;
  let m = 1;
  let n = 0;
  for (; k >= first; k--) {
    c = text.charCodeAt(k) - 48;
    if (c >= 0 && c <= 9) {
      v += c * m;
      m *= 10;
      n++;
    } else if (c === -2 && dot < 0) {
      dot = k;
      scale = n;
      zeros = 0; // the trailing zeros were fractional
    } else {
      throw new DecimalError(text, 'expected digits with an optional fraction');
    }
  }
  if (dot === first || n + zeros === 0) throw new DecimalError(text, 'expected digits with an optional fraction'); // ".5", "", "-"
  if (n + zeros > 15) return parseLong(text);
  if (zeros > 0) v *= POW10[zeros] as number;
  parsed.scale = scale;
  parsed.frac = dot < 0 ? 0 : len - 1 - dot;
  return first === 1 && v !== 0 ? -v : v;
}

/** Longer strings: leading zeros are skipped, and beyond 15 significant digits BigInt takes over. */
function parseLong(text: string): Scaled {
  const len = text.length;
  let i = 0;
  let neg = false;
  if (len > 0 && text.charCodeAt(0) === 45) { neg = true; i = 1; }
  let v = 0;
  let digits = 0; // significant digits accumulated into v
  let frac = -1; // fractional digits kept in v; -1 before the dot
  let zeros = 0; // pending fractional zeros not yet multiplied in
  let intDigits = 0;
  for (; i < len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (frac < 0) {
        intDigits++;
        v = v * 10 + c;
        if (v !== 0) digits++;
      } else if (c === 0) {
        zeros++;
      } else {
        if (zeros > 0) { v *= POW10[zeros] ?? 10 ** zeros; digits += zeros; frac += zeros; zeros = 0; }
        v = v * 10 + c;
        digits++;
        frac++;
      }
      if (digits > 15 || zeros > 15) return parseBig(text);
    } else if (c === -2 && frac < 0) {
      frac = 0;
    } else {
      throw new DecimalError(text, 'expected digits with an optional fraction');
    }
  }
  if (intDigits === 0 || frac === 0 && zeros === 0) {
    // "", "-", ".5", "5." are rejected like model/decimal.ts does.
    throw new DecimalError(text, 'expected digits with an optional fraction');
  }
  parsed.scale = frac < 0 ? 0 : frac;
  parsed.frac = fracOf(text);
  return neg && v !== 0 ? -v : v;
}

function parseBig(text: string): Scaled {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new DecimalError(text, 'expected digits with an optional fraction');
  const neg = text.charCodeAt(0) === 45;
  const body = neg ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const frac = dot < 0 ? '' : body.slice(dot + 1).replace(/0+$/, '');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  parsed.scale = frac.length;
  parsed.frac = fracOf(text);
  const v = BigInt(intPart + frac);
  return narrow(neg ? -v : v);
}

/** A bigint that fits is turned back into a number so the fast path resumes. */
export function narrow(v: bigint): Scaled {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

/** v * 10^k exactly. */
export function upscale(v: Scaled, k: number): Scaled {
  if (k === 0) return v;
  if (typeof v === 'number') {
    if (k <= 15) {
      const r = v * (POW10[k] as number);
      // Both operands are exact integers: a float result within the safe range is exact.
      if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
    }
    return BigInt(v) * pow10n(k);
  }
  return v * pow10n(k);
}

/** a * b exactly. */
export function mul(a: Scaled, b: Scaled): Scaled {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
    return BigInt(a) * BigInt(b);
  }
  return BigInt(a) * BigInt(b);
}

/** An exact running sum: a number limb while safe, spilled into a bigint limb when not. */
export class ExactSum {
  small = 0;
  big = 0n;

  add(x: Scaled): void {
    if (typeof x === 'number') {
      const s = this.small + x;
      if (s <= MAX_SAFE && s >= -MAX_SAFE) { this.small = s; return; }
      this.big += BigInt(this.small) + BigInt(x);
      this.small = 0;
    } else {
      this.big += x;
    }
  }

  addSum(o: ExactSum): void {
    this.add(o.small);
    if (o.big !== 0n) this.big += o.big;
  }

  /** Multiply the sum by 10^k (the scale grew). */
  rescale(k: number): void {
    if (k === 0) return;
    this.big = (this.big + BigInt(this.small)) * pow10n(k);
    this.small = 0;
  }

  isZero(): boolean {
    return this.small === 0 && this.big === 0n;
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }

  /** Float of value / 10^scale, for ratios only. */
  toFloat(scale: number): number {
    return this.big === 0n ? this.small / 10 ** scale : Number(this.value()) / 10 ** scale;
  }

  format(scale: number): string {
    return this.big === 0n ? formatScaled(this.small, scale) : fromScaled(this.value(), scale);
  }

  clone(): ExactSum {
    const c = new ExactSum();
    c.small = this.small;
    c.big = this.big;
    return c;
  }
}

// Direct-mapped memo of formatScaled for numbers: prices repeat across windows (open, high,
// low, close of neighbouring seconds) and number-to-string dominated output cost.
const FORMAT_MEMO_SLOTS = 256;
const memoValue = new Float64Array(FORMAT_MEMO_SLOTS).fill(NaN);
const memoScale = new Int32Array(FORMAT_MEMO_SLOTS);
const memoText: string[] = new Array<string>(FORMAT_MEMO_SLOTS).fill('');

/** Canonical decimal string of v / 10^scale (trailing zeros trimmed), without BigInt when v is a number. */
export function formatScaled(v: Scaled, scale: number): string {
  if (typeof v === 'bigint') return fromScaled(v, scale);
  if (v === 0) return '0';
  const slot = (v ^ (scale << 5)) & (FORMAT_MEMO_SLOTS - 1);
  if (memoValue[slot] === v && memoScale[slot] === scale) return memoText[slot] as string;
  const text = formatNumber(v, scale);
  memoValue[slot] = v;
  memoScale[slot] = scale;
  memoText[slot] = text;
  return text;
}

/**
 * Decimal digits of a non-negative safe integer. Beyond the small-integer range String() goes
 * through the general double printer; two halves below 10^8 each take its fast integer path.
 */
function digitsOf(v: number): string {
  if (v <= 0x3fffffff) return String(v);
  let hi = Math.floor(v / 1e8);
  let lo = v - hi * 1e8; // exact: hi * 1e8 <= v < 2^53
  // The quotient may round up across an integer: correct by one.
  if (lo < 0) { hi--; lo += 1e8; } else if (lo >= 1e8) { hi++; lo -= 1e8; }
  const low = String(lo);
  return hi === 0 ? low : String(hi) + '00000000'.slice(low.length) + low;
}

function formatNumber(v: number, scale: number): string {
  const neg = v < 0;
  if (scale === 0) return neg ? `-${digitsOf(-v)}` : digitsOf(v);
  let digits = digitsOf(neg ? -v : v);
  let end = digits.length;
  let fracLen = scale;
  while (fracLen > 0 && digits.charCodeAt(end - 1) === 48) { end--; fracLen--; }
  if (end < digits.length) digits = digits.slice(0, end);
  if (fracLen === 0) return neg && digits !== '0' ? `-${digits}` : digits;
  if (digits.length <= fracLen) digits = '0'.repeat(fracLen - digits.length + 1) + digits;
  const cut = digits.length - fracLen;
  const out = `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return neg ? `-${out}` : out;
}

/**
 * num / den as a float, from exact sums at their scales. Depends only on the exact values (not
 * on how the limbs are split), so equal sums always give the identical float.
 */
export function ratio(num: ExactSum, numScale: number, den: ExactSum, denScale: number): number | null {
  if (den.isZero()) return null;
  const n = num.big === 0n ? num.small : narrow(num.value());
  const d = den.big === 0n ? den.small : narrow(den.value());
  let q: number;
  if (typeof n === 'number' && typeof d === 'number') {
    q = n / d; // both exact doubles: correctly rounded
  } else {
    // Keep ~20 significant digits through an integer division, then one conversion.
    const bn = BigInt(n);
    const bd = BigInt(d);
    const shift = 20 + Math.max(0, bd.toString().length - bn.toString().length);
    q = Number((bn * pow10n(shift)) / bd) / 10 ** shift;
  }
  const k = numScale - denScale;
  return k >= 0 ? q / 10 ** k : q * 10 ** -k;
}
