/**
 * Readers of exact JSON pieces on a frame string, shared by the venues' validated fast paths
 * (binance/fast-frames.ts, bybit/fast-frames.ts). Each reads at an index and returns the index
 * after what it read, or -1 when the text is not exactly that piece (the caller then leaves the
 * frame to JSON.parse). Plain functions over (frame, index): no object per read; a number read
 * goes to `scan.num`, like exact.ts's `parsed` (an object property, not an exported `let`, whose
 * live-binding reads are slower).
 */

export const Q = 34; // "
export const BS = 92; // backslash
export const COLON = 58;
export const COMMA = 44;
export const LBRACE = 123;
export const RBRACE = 125;
export const LBRACK = 91;
export const RBRACK = 93;
export const DOT = 46;
export const MINUS = 45;
export const D0 = 48;
export const D9 = 57;
/** Integers longer than this are left to JSON.parse (16 digits may exceed 2^53). */
export const MAX_INT_DIGITS = 16;

/** Out-value of intAt(). */
export const scan = { num: 0 };

/** Char codes of a literal (compared one by one: String#startsWith with a position is a slow builtin call). */
export function codes(s: string): readonly number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** Whether the frame holds `lit` at p. */
export function at(f: string, p: number, lit: readonly number[]): boolean {
  const n = lit.length;
  if (p + n > f.length) return false;
  for (let i = 0; i < n; i++) if (f.charCodeAt(p + i) !== lit[i]) return false;
  return true;
}

/**
 * A non-negative safe JSON integer at p into scan.num. Refused (-1): no digit, a leading zero
 * ("01"), a fraction or an exponent ("0.5", "0e1", "7E2": a JSON number, but not an integer the
 * events carry), more than 16 digits or beyond 2^53. A digit loop, not Number(), whose general
 * string-to-double conversion costs several times more for ids beyond 2^31.
 */
export function intAt(f: string, p: number): number {
  let c = f.charCodeAt(p);
  if (c === D0) {
    c = f.charCodeAt(p + 1);
    if ((c >= D0 && c <= D9) || c === DOT || c === 101 || c === 69) return -1;
    scan.num = 0;
    return p + 1;
  }
  const start = p;
  let v = 0;
  while (c >= D0 && c <= D9) {
    v = v * 10 + (c - D0);
    c = f.charCodeAt(++p);
  }
  if (p === start || p - start > MAX_INT_DIGITS || v > Number.MAX_SAFE_INTEGER) return -1;
  if (c === DOT || c === 101 || c === 69) return -1;
  scan.num = v;
  return p;
}

/**
 * Value of a JSON integer a regex matched (1-16 digits, no sign). Above 2^53 the float may be
 * rounded; the caller rejects any value beyond MAX_SAFE_INTEGER.
 */
export function digitsValue(s: string): number {
  let v = 0;
  for (let i = 0; i < s.length; i++) v = v * 10 + (s.charCodeAt(i) - D0);
  return v;
}

/**
 * The rest of a JSON string from p (just after its opening quote) with no escape and no control
 * character; returns the index after its closing quote.
 */
export function stringEnd(f: string, p: number): number {
  const n = f.length;
  for (; p < n; p++) {
    const c = f.charCodeAt(p);
    if (c === Q) return p + 1;
    if (c === BS || c < 0x20) return -1;
  }
  return -1;
}

/**
 * Whether the string starting at p (just after its opening quote) is exactly `last`: the
 * scanners then reuse the previous symbol's string instead of slicing a new one per frame.
 */
export function sameStringAt(f: string, p: number, last: string): boolean {
  const n = last.length;
  if (n === 0 || f.charCodeAt(p + n) !== Q) return false;
  for (let i = 0; i < n; i++) if (f.charCodeAt(p + i) !== last.charCodeAt(i)) return false;
  return true;
}

/**
 * A substring of 13+ chars is a view into its frame in V8: a book level lives on for minutes and
 * would keep its whole frame (kilobytes) alive, and view strings also hash and compare slower in
 * the book's maps. Such a string is copied into one of its own (about 0.1 µs); shorter ones are
 * copies already.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

/**
 * After a member of an object: the index of the next member (past a comma), CLOSED when the
 * object's closing brace is at p (the caller moves past it), or -1 on anything else.
 */
export const CLOSED = -2;
export function nextMember(f: string, p: number): number {
  const c = f.charCodeAt(p);
  if (c === COMMA) return p + 1;
  return c === RBRACE ? CLOSED : -1;
}
