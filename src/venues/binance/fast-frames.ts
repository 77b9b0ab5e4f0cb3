/**
 * Validated fast path of the Binance market-stream decoder: a byte scanner for the exact frame
 * shapes Binance sends (trade, aggTrade, bookTicker, depthUpdate; spot and USD-M key orders, raw
 * or in the combined {"stream","data"} envelope). It yields the very events decodeBinanceFrame
 * yields (same fields, same key order), or null on anything it does not recognise byte for byte
 * (reordered keys, whitespace, escapes, new fields, numbers where strings were, unsafe integers),
 * and the caller falls back to JSON.parse. It never decides an error: only the full decoder does.
 */
import type { BookDelta, BookTicker, MarketEvent, Trade } from '../../model/events.js';
import type { DecodeResult } from '../decode-result.js';

const Q = 34; // "
const BS = 92; // backslash
const COMMA = 44;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const MINUS = 45;
const DOT = 46;
const D0 = 48;
const D9 = 57;
/** Integers longer than this are left to JSON.parse (16 digits may exceed 2^53). */
const MAX_INT_DIGITS = 16;


/** Char codes of a literal (compared one by one: String#startsWith with a position is a slow builtin call). */
function codes(s: string): readonly number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}
const HEAD_TRADE = codes('{"e":"trade","E":');
const HEAD_AGG_TRADE = codes('{"e":"aggTrade","E":');
const HEAD_DEPTH = codes('{"e":"depthUpdate","E":');
const HEAD_SPOT_TICKER = codes('{"u":');
const HEAD_FUTURES_TICKER = codes('{"e":"bookTicker","u":');
const KEY_s = codes(',"s":"');
const KEY_t = codes(',"t":');
const KEY_p = codes(',"p":"');
const KEY_q = codes(',"q":"');
const KEY_T = codes(',"T":');
const KEY_m = codes(',"m":');
const KEY_M = codes(',"M":');
const KEY_a = codes(',"a":');
const KEY_f = codes(',"f":');
const KEY_l = codes(',"l":');
const KEY_E = codes(',"E":');
const KEY_b_STR = codes(',"b":"');
const KEY_B = codes(',"B":"');
const KEY_a_STR = codes(',"a":"');
const KEY_A = codes(',"A":"');
const KEY_U = codes(',"U":');
const KEY_u = codes(',"u":');
const KEY_pu = codes(',"pu":');
const KEY_b_ARR = codes(',"b":');
const LEVEL_OPEN = codes('["');
const NEXT_STRING = codes(',"');
const LIT_TRUE = codes('true');
const LIT_FALSE = codes('false');
const HEAD_ENVELOPE = codes('{"stream":"');
const KEY_DATA = codes(',"data":');

/** Frames the fast path decoded and frames it left to the full decoder. */
export class FastPathStats {
  fast = 0;
  fallback = 0;
  snapshot(): { fast: number; fallback: number } {
    return { fast: this.fast, fallback: this.fallback };
  }
}

/**
 * One scanner per decoder (it keeps the last symbol to reuse its string). Not reentrant; the
 * cursor lives on the instance so the hot loop reads no closure.
 */
export class BinanceFastScanner {
  private f = '';
  private p = 0;
  /** Last symbol seen: an equal one in the next frame reuses this string (no slice). */
  private sym = '';
  // Out-values of the number and decimal readers (no tuple per read).
  private num = 0;
  /** Where the last integer's digits began: its text is String(num) (no sign, no leading zero), sliced instead of formatted. */
  private numAt = 0;

  /** Decoded result, or null when the frame is not exactly one of the known shapes. */
  decode(frame: string, receiveTime: number, venue: string): DecodeResult | null {
    this.f = frame;
    let p = 0;
    if (this.at(0, HEAD_ENVELOPE)) {
      p = this.skipString(11);
      if (p < 0 || !this.at(p, KEY_DATA)) return null;
      p += 8;
    }
    this.p = p;
    const ev = this.data(receiveTime, venue);
    if (ev === null) return null;
    // The envelope closes right after data; a raw frame ends with data.
    const end = p === 0 ? this.p : this.p + 1;
    if (end !== frame.length || (p !== 0 && frame.charCodeAt(this.p) !== RBRACE)) return null;
    return { events: [ev] };
  }

  private data(rt: number, venue: string): MarketEvent | null {
    const f = this.f;
    const p = this.p;
    if (this.at(p, HEAD_TRADE)) return this.trade(rt, venue, p + 17);
    if (this.at(p, HEAD_AGG_TRADE)) return this.aggTrade(rt, venue, p + 20);
    if (this.at(p, HEAD_DEPTH)) return this.depth(rt, venue, p + 23);
    if (this.at(p, HEAD_SPOT_TICKER)) return this.spotBookTicker(rt, venue, p + 5);
    if (this.at(p, HEAD_FUTURES_TICKER)) return this.futuresBookTicker(rt, venue, p + 22);
    return null;
  }

  /** Spot: {"e":"trade","E":n,"s":"S","t":n,"p":"d","q":"d","T":n,"m":b,"M":b} */
  private trade(rt: number, venue: string, p: number): Trade | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !this.at(p, KEY_s)) return null;
    if ((p = this.symbol(p + 6)) < 0 || !this.at(p, KEY_t)) return null;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_p)) return null;
    const id = this.num;
    // String(id) of an ever-new large id misses V8's number-string cache (~0.25 µs): slice its digits.
    const tradeId = f.slice(this.numAt, p);
    const symbol = this.sym;
    const ps = p + 6;
    if ((p = this.decimal(ps)) < 0 || !this.at(p, KEY_q)) return null;
    const price = f.slice(ps, p - 1);
    const qs = p + 6;
    if ((p = this.decimal(qs)) < 0 || !this.at(p, KEY_T)) return null;
    const size = f.slice(qs, p - 1);
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_m)) return null;
    const time = this.num;
    const m = this.bool(p + 5);
    if (m < 0) return null;
    p = this.p;
    if (!this.at(p, KEY_M) || this.bool(p + 5) < 0 || f.charCodeAt(this.p) !== RBRACE) return null;
    this.p++;
    return {
      type: 'trade', venue, symbol, eventTime: time, receiveTime: rt, tradeId, seq: id,
      price, size, side: m === 1 ? 'sell' : 'buy', source: 'trade',
    };
  }

  /** Spot {"e":"aggTrade","E":n,"s":"S","a":n,"p":"d","q":"d","f":n,"l":n,"T":n,"m":b,"M":b}; USD-M has no "M". */
  private aggTrade(rt: number, venue: string, p: number): Trade | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !this.at(p, KEY_s)) return null;
    if ((p = this.symbol(p + 6)) < 0 || !this.at(p, KEY_a)) return null;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_p)) return null;
    const id = this.num;
    const tradeId = f.slice(this.numAt, p);
    const symbol = this.sym;
    const ps = p + 6;
    if ((p = this.decimal(ps)) < 0 || !this.at(p, KEY_q)) return null;
    const price = f.slice(ps, p - 1);
    const qs = p + 6;
    if ((p = this.decimal(qs)) < 0 || !this.at(p, KEY_f)) return null;
    const size = f.slice(qs, p - 1);
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_l)) return null;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_T)) return null;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_m)) return null;
    const time = this.num;
    const m = this.bool(p + 5);
    if (m < 0) return null;
    p = this.p;
    if (this.at(p, KEY_M)) {
      if (this.bool(p + 5) < 0) return null;
      p = this.p;
    }
    if (f.charCodeAt(p) !== RBRACE) return null;
    this.p = p + 1;
    return {
      type: 'trade', venue, symbol, eventTime: time, receiveTime: rt, tradeId, seq: id,
      price, size, side: m === 1 ? 'sell' : 'buy', source: 'aggTrade',
    };
  }

  /** Spot {"u":n,"s":"S","b":"d","B":"d","a":"d","A":"d"} (no event time: the receive time stands in). */
  private spotBookTicker(rt: number, venue: string, p: number): BookTicker | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !this.at(p, KEY_s)) return null;
    const u = this.num;
    if ((p = this.symbol(p + 6)) < 0) return null;
    return this.tickerTail(rt, venue, p, rt, u);
  }

  /** USD-M {"e":"bookTicker","u":n,"E":n,"T":n,"s":"S","b":"d","B":"d","a":"d","A":"d"} */
  private futuresBookTicker(rt: number, venue: string, p: number): BookTicker | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !this.at(p, KEY_E)) return null;
    const u = this.num;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_T)) return null;
    const e = this.num;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_s)) return null;
    if ((p = this.symbol(p + 6)) < 0) return null;
    return this.tickerTail(rt, venue, p, e, u);
  }

  private tickerTail(rt: number, venue: string, p: number, eventTime: number, u: number): BookTicker | null {
    const f = this.f;
    const symbol = this.sym;
    if (!this.at(p, KEY_b_STR)) return null;
    const s1 = p + 6;
    if ((p = this.decimal(s1)) < 0 || !this.at(p, KEY_B)) return null;
    const s2 = p + 6;
    const e1 = p - 1;
    if ((p = this.decimal(s2)) < 0 || !this.at(p, KEY_a_STR)) return null;
    const s3 = p + 6;
    const e2 = p - 1;
    if ((p = this.decimal(s3)) < 0 || !this.at(p, KEY_A)) return null;
    const s4 = p + 6;
    const e3 = p - 1;
    if ((p = this.decimal(s4)) < 0 || f.charCodeAt(p) !== RBRACE) return null;
    this.p = p + 1;
    return {
      type: 'book_ticker', venue, symbol, eventTime, receiveTime: rt,
      bidPrice: f.slice(s1, e1), bidSize: f.slice(s2, e2), askPrice: f.slice(s3, e3), askSize: f.slice(s4, p - 1), updateId: u,
    };
  }

  /**
   * Spot {"e":"depthUpdate","E":n,"s":"S","U":n,"u":n,"b":[...],"a":[...]};
   * USD-M {"e":"depthUpdate","E":n,"T":n,"s":"S","U":n,"u":n,"pu":n,"b":[...],"a":[...]}.
   */
  private depth(rt: number, venue: string, p: number): BookDelta | null {
    const f = this.f;
    if ((p = this.int(p)) < 0) return null;
    const e = this.num;
    if (this.at(p, KEY_T) && (p = this.int(p + 5)) < 0) return null;
    if (!this.at(p, KEY_s) || (p = this.symbol(p + 6)) < 0 || !this.at(p, KEY_U)) return null;
    const symbol = this.sym;
    if ((p = this.int(p + 5)) < 0 || !this.at(p, KEY_u)) return null;
    const first = this.num;
    if ((p = this.int(p + 5)) < 0) return null;
    const last = this.num;
    let pu: number | null = null;
    if (this.at(p, KEY_pu)) {
      if ((p = this.int(p + 6)) < 0) return null;
      pu = this.num;
    }
    if (!this.at(p, KEY_b_ARR)) return null;
    const bids = this.levels(p + 5);
    if (bids === null) return null;
    p = this.p;
    if (!this.at(p, KEY_a)) return null;
    const asks = this.levels(p + 5);
    if (asks === null) return null;
    p = this.p;
    if (f.charCodeAt(p) !== RBRACE) return null;
    this.p = p + 1;
    return {
      type: 'book_delta', venue, symbol, eventTime: e, receiveTime: rt,
      firstUpdateId: first, lastUpdateId: last, prevUpdateId: pu, seq: null, bids, asks,
    };
  }

  /** [["d","d"],...] exactly (no extra elements); leaves this.p after the closing bracket. */
  private levels(p: number): [string, string][] | null {
    const f = this.f;
    if (f.charCodeAt(p) !== LBRACK) return null;
    p++;
    const out: [string, string][] = [];
    if (f.charCodeAt(p) === RBRACK) {
      this.p = p + 1;
      return out;
    }
    for (;;) {
      if (!this.at(p, LEVEL_OPEN)) return null;
      const s1 = p + 2;
      if ((p = this.decimal(s1)) < 0 || !this.at(p, NEXT_STRING)) return null;
      const e1 = p - 1;
      const s2 = p + 2;
      if ((p = this.decimal(s2)) < 0 || f.charCodeAt(p) !== RBRACK) return null;
      out.push([f.slice(s1, e1), f.slice(s2, p - 1)]);
      const c = f.charCodeAt(p + 1);
      if (c === COMMA) {
        p += 2;
        continue;
      }
      if (c !== RBRACK) return null;
      this.p = p + 2;
      return out;
    }
  }

  /** Whether the frame holds `lit` at p. */
  private at(p: number, lit: readonly number[]): boolean {
    const f = this.f;
    const n = lit.length;
    if (p + n > f.length) return false;
    for (let i = 0; i < n; i++) if (f.charCodeAt(p + i) !== lit[i]) return false;
    return true;
  }

  /** A JSON string with no escape and no control character; returns the index after its closing quote. */
  private skipString(p: number): number {
    const f = this.f;
    const n = f.length;
    for (; p < n; p++) {
      const c = f.charCodeAt(p);
      if (c === Q) return p + 1;
      if (c === BS || c < 0x20) return -1;
    }
    return -1;
  }

  /** A plain string into this.sym (reusing the previous symbol's string when equal). */
  private symbol(p: number): number {
    const f = this.f;
    const last = this.sym;
    const n = last.length;
    if (n > 0 && f.charCodeAt(p + n) === Q) {
      let i = 0;
      while (i < n && f.charCodeAt(p + i) === last.charCodeAt(i)) i++;
      if (i === n) return p + n + 1;
    }
    const end = this.skipString(p);
    if (end < 0) return -1;
    this.sym = f.slice(p, end - 1);
    return end;
  }

  /** A non-negative safe JSON integer into this.num; returns the index after it. */
  private int(p: number): number {
    const f = this.f;
    let c = f.charCodeAt(p);
    if (c === D0) {
      c = f.charCodeAt(p + 1);
      if (c >= D0 && c <= D9) return -1; // leading zero: not JSON
      this.num = 0;
      this.numAt = p;
      return p + 1;
    }
    const start = p;
    let v = 0;
    while (c >= D0 && c <= D9) {
      v = v * 10 + (c - D0);
      c = f.charCodeAt(++p);
    }
    if (p === start || p - start > MAX_INT_DIGITS || v > Number.MAX_SAFE_INTEGER) return -1;
    // A fraction or exponent makes it a non-integer JSON number: the full decoder decides.
    if (c === DOT || c === 101 || c === 69) return -1;
    this.num = v;
    this.numAt = start;
    return p;
  }

  /** The body of a decimal string -?\d+(\.\d+)? and its closing quote; returns the index after the quote. */
  private decimal(p: number): number {
    const f = this.f;
    let c = f.charCodeAt(p);
    if (c === MINUS) c = f.charCodeAt(++p);
    const start = p;
    while (c >= D0 && c <= D9) c = f.charCodeAt(++p);
    if (p === start) return -1;
    if (c === DOT) {
      const fs = ++p;
      c = f.charCodeAt(p);
      while (c >= D0 && c <= D9) c = f.charCodeAt(++p);
      if (p === fs) return -1;
    }
    return c === Q ? p + 1 : -1;
  }

  /** true → 1, false → 0, else -1; leaves this.p after the literal. */
  private bool(p: number): number {
    const f = this.f;
    if (this.at(p, LIT_TRUE)) {
      this.p = p + 4;
      return 1;
    }
    if (this.at(p, LIT_FALSE)) {
      this.p = p + 5;
      return 0;
    }
    return -1;
  }
}
