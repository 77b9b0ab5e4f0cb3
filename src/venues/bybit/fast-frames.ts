/**
 * Validated fast path of the Bybit v5 public decoder for its two hot topics: publicTrade and
 * orderbook (snapshot and delta). A strict JSON scanner for the shapes Bybit sends: flat objects
 * whose keys come from a known set (in any order, since spot and derivatives order them
 * differently, each key at most once), string values without escapes, non-negative safe JSON
 * integers, booleans, levels of exactly two decimal strings. It yields the very events
 * decodeBybitFrame yields (same fields, same key order), or null on anything else (whitespace,
 * escapes, unknown or repeated keys, numbers where strings were, other topics, op replies), and
 * the caller falls back to JSON.parse. It never decides an error: only the full decoder does.
 */
import type { BookDelta, BookSnapshot, Level, MarketEvent, Trade } from '../../model/events.js';
import type { DecodeResult } from '../decode-result.js';
import { CLOSED, COLON, COMMA, D0, D9, detached, DOT, intAt, LBRACE, LBRACK, MINUS, nextMember, Q, RBRACK, sameStringAt, scan, stringEnd } from '../fast-scan.js';


// Keys as bits: a repeated key (JSON.parse keeps the last one) or a missing one falls back.
const K_TOPIC = 1, K_TYPE = 2, K_TS = 4, K_DATA = 8, K_CTS = 16;
const T_T = 1, T_s = 2, T_S = 4, T_v = 8, T_p = 16, T_i = 32, T_L = 64, T_BT = 128, T_seq = 256, T_RPI = 512;
const TRADE_REQUIRED = T_T | T_s | T_S | T_v | T_p | T_i;
const B_s = 1, B_b = 2, B_a = 4, B_u = 8, B_seq = 16;

/** One scanner per decoder (it keeps the last symbol string to reuse it). Not reentrant. */
export class BybitFastScanner {
  private f = '';
  private p = 0;
  /** Out-value of the string readers (no tuple per read). */
  private str = '';
  /** Last symbol seen: an equal one reuses this string (one string per symbol lives on). */
  private sym = '';

  /** Decoded result, or null when the frame is not exactly one of the known shapes. */
  decode(frame: string, receiveTime: number, venue: string): DecodeResult | null {
    this.f = frame;
    if (frame.charCodeAt(0) !== LBRACE || frame.charCodeAt(1) !== Q) return null;
    let p = 1;
    let seen = 0;
    let topic = '';
    let kind = 0; // 1 publicTrade, 2 orderbook
    let type = '';
    let ts = -1;
    let trades: Trade[] | null = null;
    let book: BookFields | null = null;
    for (;;) {
      if ((p = this.key(p)) < 0) return null;
      const k = this.str;
      let bit: number;
      if (k === 'topic') {
        bit = K_TOPIC;
        if ((p = this.string(p)) < 0) return null;
        topic = this.str;
        kind = topic.startsWith('publicTrade.') ? 1 : topic.startsWith('orderbook.') ? 2 : 0;
        if (kind === 0) return null;
      } else if (k === 'type') {
        bit = K_TYPE;
        if ((p = this.string(p)) < 0) return null;
        type = this.str;
      } else if (k === 'ts') {
        bit = K_TS;
        if ((p = intAt(this.f, p)) < 0) return null;
        ts = scan.num;
      } else if (k === 'cts') {
        bit = K_CTS;
        if ((p = intAt(this.f, p)) < 0) return null;
      } else if (k === 'data') {
        bit = K_DATA;
        // The topic says what data is; Bybit sends it first.
        if (kind === 1) {
          if ((trades = this.trades(p, receiveTime, venue)) === null) return null;
        } else if (kind === 2) {
          if ((book = this.book(p)) === null) return null;
        } else return null;
        p = this.p;
      } else return null;
      if ((seen & bit) !== 0) return null;
      seen |= bit;
      const next = nextMember(frame, p);
      if (next >= 0) { p = next; continue; }
      if (next !== CLOSED || p + 1 !== frame.length) return null;
      break;
    }
    if ((seen & (K_TOPIC | K_TS | K_DATA)) !== (K_TOPIC | K_TS | K_DATA)) return null;
    if (kind === 1) return trades!.length === 0 ? null : { events: trades! };
    // The full decoder reads type only for books, and accepts nothing but these two.
    if ((seen & K_TYPE) === 0 || (type !== 'snapshot' && type !== 'delta')) return null;
    const b = book!;
    const ev: BookSnapshot | BookDelta = type === 'snapshot'
      ? { type: 'book_snapshot', venue, symbol: b.symbol, eventTime: ts, receiveTime, seq: b.seq, bids: b.bids, asks: b.asks, lastUpdateId: b.u }
      : { type: 'book_delta', venue, symbol: b.symbol, eventTime: ts, receiveTime, seq: b.seq, bids: b.bids, asks: b.asks, firstUpdateId: b.u, lastUpdateId: b.u, prevUpdateId: null };
    return { events: [ev as MarketEvent] };
  }

  /** [{trade},...] with at least one item; leaves this.p after the closing bracket. */
  private trades(p: number, rt: number, venue: string): Trade[] | null {
    const f = this.f;
    if (f.charCodeAt(p) !== LBRACK) return null;
    p++;
    const out: Trade[] = [];
    for (;;) {
      if (f.charCodeAt(p) !== LBRACE || f.charCodeAt(p + 1) !== Q) return null;
      p++;
      let seen = 0;
      let time = 0, symbol = '', side: 'buy' | 'sell' = 'buy', size = '', price = '', id = '';
      for (;;) {
        if ((p = this.key(p)) < 0) return null;
        const k = this.str;
        let bit: number;
        // Single-letter keys by char code (no string compare).
        const k0 = k.length === 1 ? k.charCodeAt(0) : 0;
        if (k0 === 84) { // T
          bit = T_T;
          if ((p = intAt(this.f, p)) < 0) return null;
          time = scan.num;
        } else if (k0 === 115) { // s
          bit = T_s;
          if ((p = this.symbol(p)) < 0) return null;
          symbol = this.sym;
        } else if (k0 === 83) { // S
          bit = T_S;
          if ((p = this.string(p)) < 0) return null;
          // Bybit sends "Buy"/"Sell"; other spellings the full decoder accepts are left to it.
          if (this.str === 'Buy') side = 'buy';
          else if (this.str === 'Sell') side = 'sell';
          else return null;
        } else if (k0 === 118) { // v
          bit = T_v;
          if ((p = this.decimal(p)) < 0) return null;
          size = this.str;
        } else if (k0 === 112) { // p
          bit = T_p;
          if ((p = this.decimal(p)) < 0) return null;
          price = this.str;
        } else if (k0 === 105) { // i
          bit = T_i;
          if ((p = this.string(p)) < 0) return null;
          id = this.str;
        } else if (k0 === 76) { // L: tick direction, not used
          bit = T_L;
          if ((p = this.string(p)) < 0) return null;
        } else if (k === 'BT') { // block trade flag, not used
          bit = T_BT;
          if ((p = this.boolean(p)) < 0) return null;
        } else if (k === 'RPI') {
          bit = T_RPI;
          if ((p = this.boolean(p)) < 0) return null;
        } else if (k === 'seq') {
          bit = T_seq;
          if ((p = intAt(this.f, p)) < 0) return null;
        } else return null;
        if ((seen & bit) !== 0) return null;
        seen |= bit;
        const next = nextMember(f, p);
        if (next >= 0) { p = next; continue; }
        if (next !== CLOSED) return null;
        p++;
        break;
      }
      if ((seen & TRADE_REQUIRED) !== TRADE_REQUIRED) return null;
      out.push({
        type: 'trade', venue, symbol, eventTime: time, receiveTime: rt, tradeId: id, seq: null,
        price, size, side, source: 'publicTrade',
      });
      const c = f.charCodeAt(p);
      if (c === COMMA) { p++; continue; }
      if (c !== RBRACK) return null;
      this.p = p + 1;
      return out;
    }
  }

  /** {"s":..,"b":[..],"a":[..],"u":n,"seq":n} in any order; leaves this.p after the closing brace. */
  private book(p: number): BookFields | null {
    const f = this.f;
    if (f.charCodeAt(p) !== LBRACE || f.charCodeAt(p + 1) !== Q) return null;
    p++;
    let seen = 0;
    let symbol = '', u = 0, seq: number | null = null;
    let bids: Level[] | null = null, asks: Level[] | null = null;
    for (;;) {
      if ((p = this.key(p)) < 0) return null;
      const k = this.str;
      let bit: number;
      const k0 = k.length === 1 ? k.charCodeAt(0) : 0;
      if (k0 === 115) { // s
        bit = B_s;
        if ((p = this.symbol(p)) < 0) return null;
        symbol = this.sym;
      } else if (k0 === 98) { // b
        bit = B_b;
        if ((bids = this.levels(p)) === null) return null;
        p = this.p;
      } else if (k0 === 97) { // a
        bit = B_a;
        if ((asks = this.levels(p)) === null) return null;
        p = this.p;
      } else if (k0 === 117) { // u
        bit = B_u;
        if ((p = intAt(this.f, p)) < 0) return null;
        u = scan.num;
      } else if (k === 'seq') {
        bit = B_seq;
        if ((p = intAt(this.f, p)) < 0) return null;
        seq = scan.num;
      } else return null;
      if ((seen & bit) !== 0) return null;
      seen |= bit;
      const next = nextMember(f, p);
      if (next >= 0) { p = next; continue; }
      if (next !== CLOSED) return null;
      this.p = p + 1;
      break;
    }
    if ((seen & (B_s | B_b | B_a | B_u)) !== (B_s | B_b | B_a | B_u)) return null;
    return { symbol, u, seq, bids: bids!, asks: asks! };
  }

  /** [["d","d"],...] exactly (two decimal strings per level); leaves this.p after the closing bracket. */
  private levels(p: number): Level[] | null {
    const f = this.f;
    if (f.charCodeAt(p) !== LBRACK) return null;
    p++;
    const out: [string, string][] = [];
    if (f.charCodeAt(p) === RBRACK) {
      this.p = p + 1;
      return out;
    }
    for (;;) {
      if (f.charCodeAt(p) !== LBRACK) return null;
      if ((p = this.decimal(p + 1)) < 0) return null;
      const price = detached(this.str);
      if (f.charCodeAt(p) !== COMMA) return null;
      if ((p = this.decimal(p + 1)) < 0) return null;
      const size = detached(this.str);
      if (f.charCodeAt(p) !== RBRACK) return null;
      out.push([price, size]);
      const c = f.charCodeAt(++p);
      if (c === COMMA) { p++; continue; }
      if (c !== RBRACK) return null;
      this.p = p + 1;
      return out;
    }
  }

  /** A key string and its colon into this.str; returns the index of the value. */
  private key(p: number): number {
    if ((p = this.string(p)) < 0 || this.f.charCodeAt(p) !== COLON) return -1;
    return p + 1;
  }

  /** A JSON string without escapes or control characters into this.str; returns the index after it. */
  private string(p: number): number {
    const f = this.f;
    if (f.charCodeAt(p) !== Q) return -1;
    const end = stringEnd(f, p + 1);
    if (end < 0) return -1;
    this.str = f.slice(p + 1, end - 1);
    return end;
  }

  /** A symbol string into this.sym, reusing the previous symbol's string when equal. */
  private symbol(p: number): number {
    const f = this.f;
    if (f.charCodeAt(p) !== Q) return -1;
    const last = this.sym;
    if (sameStringAt(f, p + 1, last)) return p + last.length + 2;
    if ((p = this.string(p)) < 0) return -1;
    this.sym = this.str;
    return p;
  }

  /** A string holding a decimal (-?\d+(\.\d+)?) into this.str. */
  private decimal(p: number): number {
    const f = this.f;
    if (f.charCodeAt(p) !== Q) return -1;
    const start = ++p;
    if (f.charCodeAt(p) === MINUS) p++;
    let c = f.charCodeAt(p);
    const intStart = p;
    while (c >= D0 && c <= D9) c = f.charCodeAt(++p);
    if (p === intStart) return -1;
    if (c === DOT) {
      const fracStart = ++p;
      c = f.charCodeAt(p);
      while (c >= D0 && c <= D9) c = f.charCodeAt(++p);
      if (p === fracStart) return -1;
    }
    if (c !== Q) return -1;
    this.str = f.slice(start, p);
    return p + 1;
  }

  /** A JSON true or false (its value is not used by any event); returns the index after it. */
  private boolean(p: number): number {
    const f = this.f;
    if (f.startsWith('true', p)) return p + 4;
    if (f.startsWith('false', p)) return p + 5;
    return -1;
  }
}

interface BookFields {
  readonly symbol: string;
  readonly u: number;
  readonly seq: number | null;
  readonly bids: Level[];
  readonly asks: Level[];
}
