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

  /** Decoded result, or null when the frame is not exactly one of the known shapes. */
  decode(frame: string, receiveTime: number, venue: string): DecodeResult | null {
    this.f = frame;
    let p = 0;
    if (frame.startsWith('{"stream":"', 0)) {
      p = this.skipString(11);
      if (p < 0 || !frame.startsWith(',"data":', p)) return null;
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
    if (f.startsWith('{"e":"trade","E":', p)) return this.trade(rt, venue, p + 17);
    if (f.startsWith('{"e":"aggTrade","E":', p)) return this.aggTrade(rt, venue, p + 20);
    if (f.startsWith('{"e":"depthUpdate","E":', p)) return this.depth(rt, venue, p + 23);
    if (f.startsWith('{"u":', p)) return this.spotBookTicker(rt, venue, p + 5);
    if (f.startsWith('{"e":"bookTicker","u":', p)) return this.futuresBookTicker(rt, venue, p + 22);
    return null;
  }

  /** Spot: {"e":"trade","E":n,"s":"S","t":n,"p":"d","q":"d","T":n,"m":b,"M":b} */
  private trade(rt: number, venue: string, p: number): Trade | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !f.startsWith(',"s":"', p)) return null;
    if ((p = this.symbol(p + 6)) < 0 || !f.startsWith(',"t":', p)) return null;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"p":"', p)) return null;
    const id = this.num;
    const symbol = this.sym;
    const ps = p + 6;
    if ((p = this.decimal(ps)) < 0 || !f.startsWith(',"q":"', p)) return null;
    const price = f.slice(ps, p - 1);
    const qs = p + 6;
    if ((p = this.decimal(qs)) < 0 || !f.startsWith(',"T":', p)) return null;
    const size = f.slice(qs, p - 1);
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"m":', p)) return null;
    const time = this.num;
    const m = this.bool(p + 5);
    if (m < 0) return null;
    p = this.p;
    if (!f.startsWith(',"M":', p) || this.bool(p + 5) < 0 || f.charCodeAt(this.p) !== RBRACE) return null;
    this.p++;
    return {
      type: 'trade', venue, symbol, eventTime: time, receiveTime: rt, tradeId: String(id), seq: id,
      price, size, side: m === 1 ? 'sell' : 'buy', source: 'trade',
    };
  }

  /** Spot {"e":"aggTrade","E":n,"s":"S","a":n,"p":"d","q":"d","f":n,"l":n,"T":n,"m":b,"M":b}; USD-M has no "M". */
  private aggTrade(rt: number, venue: string, p: number): Trade | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !f.startsWith(',"s":"', p)) return null;
    if ((p = this.symbol(p + 6)) < 0 || !f.startsWith(',"a":', p)) return null;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"p":"', p)) return null;
    const id = this.num;
    const symbol = this.sym;
    const ps = p + 6;
    if ((p = this.decimal(ps)) < 0 || !f.startsWith(',"q":"', p)) return null;
    const price = f.slice(ps, p - 1);
    const qs = p + 6;
    if ((p = this.decimal(qs)) < 0 || !f.startsWith(',"f":', p)) return null;
    const size = f.slice(qs, p - 1);
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"l":', p)) return null;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"T":', p)) return null;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"m":', p)) return null;
    const time = this.num;
    const m = this.bool(p + 5);
    if (m < 0) return null;
    p = this.p;
    if (f.startsWith(',"M":', p)) {
      if (this.bool(p + 5) < 0) return null;
      p = this.p;
    }
    if (f.charCodeAt(p) !== RBRACE) return null;
    this.p = p + 1;
    return {
      type: 'trade', venue, symbol, eventTime: time, receiveTime: rt, tradeId: String(id), seq: id,
      price, size, side: m === 1 ? 'sell' : 'buy', source: 'aggTrade',
    };
  }

  /** Spot {"u":n,"s":"S","b":"d","B":"d","a":"d","A":"d"} (no event time: the receive time stands in). */
  private spotBookTicker(rt: number, venue: string, p: number): BookTicker | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !f.startsWith(',"s":"', p)) return null;
    const u = this.num;
    if ((p = this.symbol(p + 6)) < 0) return null;
    return this.tickerTail(rt, venue, p, rt, u);
  }

  /** USD-M {"e":"bookTicker","u":n,"E":n,"T":n,"s":"S","b":"d","B":"d","a":"d","A":"d"} */
  private futuresBookTicker(rt: number, venue: string, p: number): BookTicker | null {
    const f = this.f;
    if ((p = this.int(p)) < 0 || !f.startsWith(',"E":', p)) return null;
    const u = this.num;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"T":', p)) return null;
    const e = this.num;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"s":"', p)) return null;
    if ((p = this.symbol(p + 6)) < 0) return null;
    return this.tickerTail(rt, venue, p, e, u);
  }

  private tickerTail(rt: number, venue: string, p: number, eventTime: number, u: number): BookTicker | null {
    const f = this.f;
    const symbol = this.sym;
    if (!f.startsWith(',"b":"', p)) return null;
    const s1 = p + 6;
    if ((p = this.decimal(s1)) < 0 || !f.startsWith(',"B":"', p)) return null;
    const s2 = p + 6;
    const e1 = p - 1;
    if ((p = this.decimal(s2)) < 0 || !f.startsWith(',"a":"', p)) return null;
    const s3 = p + 6;
    const e2 = p - 1;
    if ((p = this.decimal(s3)) < 0 || !f.startsWith(',"A":"', p)) return null;
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
    if (f.startsWith(',"T":', p) && (p = this.int(p + 5)) < 0) return null;
    if (!f.startsWith(',"s":"', p) || (p = this.symbol(p + 6)) < 0 || !f.startsWith(',"U":', p)) return null;
    const symbol = this.sym;
    if ((p = this.int(p + 5)) < 0 || !f.startsWith(',"u":', p)) return null;
    const first = this.num;
    if ((p = this.int(p + 5)) < 0) return null;
    const last = this.num;
    let pu: number | null = null;
    if (f.startsWith(',"pu":', p)) {
      if ((p = this.int(p + 6)) < 0) return null;
      pu = this.num;
    }
    if (!f.startsWith(',"b":', p)) return null;
    const bids = this.levels(p + 5);
    if (bids === null) return null;
    p = this.p;
    if (!f.startsWith(',"a":', p)) return null;
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
      if (!f.startsWith('["', p)) return null;
      const s1 = p + 2;
      if ((p = this.decimal(s1)) < 0 || !f.startsWith(',"', p)) return null;
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
    if (last.length > 0 && f.startsWith(last, p) && f.charCodeAt(p + last.length) === Q) return p + last.length + 1;
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
    if (f.startsWith('true', p)) {
      this.p = p + 4;
      return 1;
    }
    if (f.startsWith('false', p)) {
      this.p = p + 5;
      return 0;
    }
    return -1;
  }
}
