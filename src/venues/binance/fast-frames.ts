/**
 * Validated fast path of the Binance market-stream decoder: an exact-shape matcher (one sticky
 * regex per flat shape, a char scanner for depth updates) for the frame shapes Binance sends (trade, aggTrade, bookTicker, depthUpdate; spot and USD-M key orders, raw
 * or in the combined {"stream","data"} envelope). It yields the very events decodeBinanceFrame
 * yields (same fields, same key order), or null on anything it does not recognise byte for byte
 * (reordered keys, whitespace, escapes, new fields, numbers where strings were, unsafe integers),
 * and the caller falls back to JSON.parse. It never decides an error: only the full decoder does.
 */
import type { BookDelta, BookTicker, MarketEvent, Trade } from '../../model/events.js';
import type { DecodeResult } from '../decode-result.js';
import { at, codes, COMMA, detached, digitsValue, intAt, LBRACK, RBRACE, RBRACK, sameStringAt, scan, stringEnd } from '../fast-scan.js';


const HEAD_TRADE = codes('{"e":"trade","E":');
const HEAD_AGG_TRADE = codes('{"e":"aggTrade","E":');
const HEAD_DEPTH = codes('{"e":"depthUpdate","E":');
const HEAD_SPOT_TICKER = codes('{"u":');
const HEAD_FUTURES_TICKER = codes('{"e":"bookTicker","u":');
const KEY_s = codes(',"s":"');
const KEY_T = codes(',"T":');
const KEY_a = codes(',"a":');
const KEY_U = codes(',"U":');
const KEY_u = codes(',"u":');
const KEY_pu = codes(',"pu":');
const KEY_b_ARR = codes(',"b":');
const HEAD_ENVELOPE = codes('{"stream":"');
const KEY_DATA = codes(',"data":');

// Flat shapes are matched by one sticky regex each (irregexp checks a char in about a
// nanosecond, well under a charCodeAt loop); depth updates, with their level lists, by the scanner.
// Strings: no quote, backslash or control character (so no escape to decode). Integers: JSON
// integers of at most 16 digits (safety of the ones used is checked after the match).
const STR = '[^"\\\\\\x00-\\x1f]*';
const DEC = '-?\\d+(?:\\.\\d+)?';
const INT = '(?:0|[1-9]\\d{0,15})';
const BOOL = '(true|false)';
const sticky = (src: string): RegExp => new RegExp(src, 'y');
// trade captures only what becomes a string of the event (symbol, id, price, size): E, T and m
// are read from the frame where the matched layout puts them (a capture costs a string each).
const TRADE = `\\{"e":"trade","E":${INT},"s":"(${STR})","t":(${INT}),"p":"(${DEC})","q":"(${DEC})","T":${INT},"m":(?:true|false),"M":(?:true|false)\\}`;
const AGG_TRADE = `\\{"e":"aggTrade","E":${INT},"s":"(${STR})","a":(${INT}),"p":"(${DEC})","q":"(${DEC})","f":${INT},"l":${INT},"T":(${INT}),"m":${BOOL}(?:,"M":(?:true|false))?\\}`;
const SPOT_TICKER = `\\{"u":(${INT}),"s":"(${STR})","b":"(${DEC})","B":"(${DEC})","a":"(${DEC})","A":"(${DEC})"\\}`;
const FUTURES_TICKER = `\\{"e":"bookTicker","u":(${INT}),"E":(${INT}),"T":${INT},"s":"(${STR})","b":"(${DEC})","B":"(${DEC})","a":"(${DEC})","A":"(${DEC})"\\}`;
/** The combined-stream envelope around a data shape, matched as one frame (the stream name is not captured: events do not depend on it). */
const envelope = (data: string): RegExp => sticky(`\\{"stream":"${STR}","data":${data}\\}`);
const RX_TRADE = sticky(TRADE);
const RX_AGG_TRADE = sticky(AGG_TRADE);
const RX_SPOT_TICKER = sticky(SPOT_TICKER);
const RX_FUTURES_TICKER = sticky(FUTURES_TICKER);
// Whole enveloped frames in one match: the envelope's literal checks and the string scan of the
// stream name cost more in JS code than in irregexp (about 1.5x on trade frames).
const RX_ENV_TRADE = envelope(TRADE);
const RX_ENV_AGG_TRADE = envelope(AGG_TRADE);
const RX_ENV_SPOT_TICKER = envelope(SPOT_TICKER);
const RX_ENV_FUTURES_TICKER = envelope(FUTURES_TICKER);
const LOWER_S = 115;
const RX_LEVEL = sticky(`\\["(${DEC})","(${DEC})"\\]`);

export { FastPathStats } from '../fast-path-stats.js';

/**
 * One scanner per decoder (it keeps the last symbol to reuse its string). Not reentrant; the
 * cursor lives on the instance so the hot loop reads no closure.
 */
export class BinanceFastScanner {
  private f = '';
  private p = 0;
  /** Last symbol seen: an equal one in the next frame reuses this string (no slice). */
  private sym = '';

  /** Decoded result, or null when the frame is not exactly one of the known shapes. */
  decode(frame: string, receiveTime: number, venue: string): DecodeResult | null {
    this.f = frame;
    // An enveloped flat shape is matched whole, picked by the stream kind after the '@'
    // ("btcusdt@trade"); anything else (depth, raw frames, a miss) takes the general scan below.
    if (frame.charCodeAt(2) === LOWER_S) {
      const at = frame.indexOf('@', 11);
      if (at > 0) {
        const ev = this.enveloped(frame.charCodeAt(at + 1), receiveTime, venue);
        if (ev !== null) return { events: [ev] };
      }
    }
    let p = 0;
    if (at(this.f, 0, HEAD_ENVELOPE)) {
      p = stringEnd(this.f, 11);
      if (p < 0 || !at(this.f, p, KEY_DATA)) return null;
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

  /** A whole enveloped trade / aggTrade / bookTicker frame (kind: the stream's char after '@'), else null. */
  private enveloped(kind: number, rt: number, venue: string): MarketEvent | null {
    const n = this.f.length;
    let ev: MarketEvent | null = null;
    // Where the data object starts once the regex matched: after the stream name (no quote in it) and ,"data":.
    if (kind === 116) ev = this.rxTrade(RX_ENV_TRADE, rt, venue, 0, this.f.indexOf('"', 11) + 9); // t
    else if (kind === 98) ev = this.rxSpotTicker(RX_ENV_SPOT_TICKER, rt, venue, 0) ?? this.rxFuturesTicker(RX_ENV_FUTURES_TICKER, rt, venue, 0); // b
    else if (kind === 97) ev = this.rxAggTrade(RX_ENV_AGG_TRADE, rt, venue, 0, this.f.indexOf('"', 11) + 9); // a
    return ev !== null && this.p === n ? ev : null;
  }

  private data(rt: number, venue: string): MarketEvent | null {
    const p = this.p;
    if (at(this.f, p, HEAD_TRADE)) return this.rxTrade(RX_TRADE, rt, venue, p, p);
    if (at(this.f, p, HEAD_SPOT_TICKER)) return this.rxSpotTicker(RX_SPOT_TICKER, rt, venue, p);
    if (at(this.f, p, HEAD_DEPTH)) return this.depth(rt, venue, p + 23);
    if (at(this.f, p, HEAD_AGG_TRADE)) return this.rxAggTrade(RX_AGG_TRADE, rt, venue, p, p);
    if (at(this.f, p, HEAD_FUTURES_TICKER)) return this.rxFuturesTicker(RX_FUTURES_TICKER, rt, venue, p);
    return null;
  }

  /** A symbol string equal to the previous one is replaced by it (one string per symbol lives on). */
  private intern(s: string): string {
    if (s === this.sym) return this.sym;
    this.sym = s;
    return s;
  }

  /**
   * trade: groups symbol, id, price, size. E, T and m are read at their places in the matched
   * layout (data start d + the head's length, then offsets from the captured lengths) by the digit
   * scanner: a capture costs a string per field per frame, and a 13-digit one is a view into the
   * frame whose digits read slower.
   */
  private rxTrade(rx: RegExp, rt: number, venue: string, p: number, d: number): Trade | null {
    rx.lastIndex = p;
    const m = rx.exec(this.f);
    if (m === null) return null;
    const sym = m[1]!;
    const tradeId = m[2]!;
    const price = m[3]!;
    const size = m[4]!;
    const id = digitsValue(tradeId);
    if (id > Number.MAX_SAFE_INTEGER) return null;
    const end = rx.lastIndex;
    // {"e":"trade","E":E,"s":"S","t":T,"p":"P","q":"Q","T":TT,"m":B,...
    let q = intAt(this.f, d + HEAD_TRADE.length);
    if (q < 0) return null;
    const e = scan.num;
    q = intAt(this.f, q + 6 + sym.length + 6 + tradeId.length + 6 + price.length + 7 + size.length + 6);
    if (q < 0) return null;
    this.p = end;
    return {
      // The id's digits are String(id) (no sign, no leading zero): no number formatting per trade.
      type: 'trade', venue, symbol: this.intern(sym), eventTime: scan.num, receiveTime: rt, tradeId, seq: id,
      price, size, side: this.f.charCodeAt(q + 5) === 116 ? 'sell' : 'buy', source: 'trade', frameTime: e,
    };
  }

  /**
   * aggTrade: groups symbol, id, price, size, time, m (same key order as decodeBinanceFrame's).
   * E, f and l are read by the digit scanner where the matched layout puts them (offsets from the
   * captured lengths), not captured: no string per field.
   */
  private rxAggTrade(rx: RegExp, rt: number, venue: string, p: number, d: number): Trade | null {
    rx.lastIndex = p;
    const m = rx.exec(this.f);
    if (m === null) return null;
    const sym = m[1]!;
    const tradeId = m[2]!;
    const price = m[3]!;
    const size = m[4]!;
    const id = digitsValue(tradeId);
    const time = digitsValue(m[5]!);
    if (id > Number.MAX_SAFE_INTEGER || time > Number.MAX_SAFE_INTEGER) return null;
    const end = rx.lastIndex;
    // {"e":"aggTrade","E":E,"s":"S","a":A,"p":"P","q":"Q","f":F,"l":L,...
    let q = intAt(this.f, d + HEAD_AGG_TRADE.length);
    if (q < 0) return null;
    const e = scan.num;
    q = intAt(this.f, q + 6 + sym.length + 6 + tradeId.length + 6 + price.length + 7 + size.length + 6);
    if (q < 0) return null;
    const first = scan.num;
    if (intAt(this.f, q + 5) < 0) return null;
    this.p = end;
    return {
      type: 'trade', venue, symbol: this.intern(sym), eventTime: time, receiveTime: rt, tradeId, seq: id,
      price, size, side: m[6] === 'true' ? 'sell' : 'buy', source: 'aggTrade', frameTime: e,
      firstTradeId: first, lastTradeId: scan.num,
    };
  }

  private rxSpotTicker(rx: RegExp, rt: number, venue: string, p: number): BookTicker | null {
    rx.lastIndex = p;
    const m = rx.exec(this.f);
    if (m === null) return null;
    const u = digitsValue(m[1]!);
    if (u > Number.MAX_SAFE_INTEGER) return null;
    this.p = rx.lastIndex;
    return {
      type: 'book_ticker', venue, symbol: this.intern(m[2]!), eventTime: rt, receiveTime: rt,
      bidPrice: m[3]!, bidSize: m[4]!, askPrice: m[5]!, askSize: m[6]!, updateId: u,
    };
  }

  private rxFuturesTicker(rx: RegExp, rt: number, venue: string, p: number): BookTicker | null {
    rx.lastIndex = p;
    const m = rx.exec(this.f);
    if (m === null) return null;
    const u = digitsValue(m[1]!);
    const e = digitsValue(m[2]!);
    if (u > Number.MAX_SAFE_INTEGER || e > Number.MAX_SAFE_INTEGER) return null;
    this.p = rx.lastIndex;
    return {
      type: 'book_ticker', venue, symbol: this.intern(m[3]!), eventTime: e, receiveTime: rt,
      bidPrice: m[4]!, bidSize: m[5]!, askPrice: m[6]!, askSize: m[7]!, updateId: u,
    };
  }

  /**
   * Spot {"e":"depthUpdate","E":n,"s":"S","U":n,"u":n,"b":[...],"a":[...]};
   * USD-M {"e":"depthUpdate","E":n,"T":n,"s":"S","U":n,"u":n,"pu":n,"b":[...],"a":[...]}.
   */
  private depth(rt: number, venue: string, p: number): BookDelta | null {
    const f = this.f;
    if ((p = intAt(this.f, p)) < 0) return null;
    const e = scan.num;
    if (at(this.f, p, KEY_T) && (p = intAt(this.f, p + 5)) < 0) return null;
    if (!at(this.f, p, KEY_s) || (p = this.symbol(p + 6)) < 0 || !at(this.f, p, KEY_U)) return null;
    const symbol = this.sym;
    if ((p = intAt(this.f, p + 5)) < 0 || !at(this.f, p, KEY_u)) return null;
    const first = scan.num;
    if ((p = intAt(this.f, p + 5)) < 0) return null;
    const last = scan.num;
    let pu: number | null = null;
    if (at(this.f, p, KEY_pu)) {
      if ((p = intAt(this.f, p + 6)) < 0) return null;
      pu = scan.num;
    }
    if (!at(this.f, p, KEY_b_ARR)) return null;
    const bids = this.levels(p + 5);
    if (bids === null) return null;
    p = this.p;
    if (!at(this.f, p, KEY_a)) return null;
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
      RX_LEVEL.lastIndex = p;
      const m = RX_LEVEL.exec(f);
      if (m === null) return null;
      out.push([detached(m[1]!), detached(m[2]!)]);
      p = RX_LEVEL.lastIndex;
      const c = f.charCodeAt(p);
      if (c === COMMA) {
        p++;
        continue;
      }
      if (c !== RBRACK) return null;
      this.p = p + 1;
      return out;
    }
  }

  /** A plain string into this.sym (reusing the previous symbol's string when equal). */
  private symbol(p: number): number {
    const f = this.f;
    const last = this.sym;
    if (sameStringAt(f, p, last)) return p + last.length + 1;
    const end = stringEnd(f, p);
    if (end < 0) return -1;
    this.sym = f.slice(p, end - 1);
    return end;
  }
}
