/**
 * Binance decoders (spot and USD-M futures market streams incl. markPrice and forceOrder, spot
 * user data stream): one text frame
 * in, normalized events out. Prices and sizes stay the exact decimal strings Binance sends.
 * Accepts the combined envelope {"stream","data"} and raw stream frames alike.
 */
import type { MarketEvent, Trade } from '../../model/events.js';
import { DEFAULT_DECODE_FAST_PATH, DEFAULT_DECODE_MAX_FRAME_CHARS } from '../../config/defaults/venues.js';
import { DecodeError, DecodeStats, type DecodeResult, type FrameDecoder } from '../decode-result.js';
import { FieldError, bool, dec, int, levels, obj, optInt, optStr, side, str, whyOf, type Json } from '../fields.js';
import { decodeBinancePrivate } from './decode-private.js';
import { BinanceFastScanner, FastPathStats } from './fast-frames.js';

export interface BinanceDecoderOptions {
  /** Venue id put on events (default "binance"; e.g. "binance-futures"). */
  readonly venue?: string;
  /** Account id for private events of a user data stream (never a key). */
  readonly account?: string;
  readonly maxFrameChars?: number;
  /** Scan the known market frame shapes without JSON.parse (falls back to it on anything else). */
  readonly fastPath?: boolean;
}

export class BinanceDecoder implements FrameDecoder {
  readonly venue: string;
  private readonly account: string;
  private readonly maxFrameChars: number;
  private readonly counters = new DecodeStats();
  private readonly fast: BinanceFastScanner | null;
  private readonly fastCounts = new FastPathStats();

  constructor(opts: BinanceDecoderOptions = {}) {
    this.venue = opts.venue ?? 'binance';
    this.account = opts.account ?? '';
    this.maxFrameChars = opts.maxFrameChars ?? DEFAULT_DECODE_MAX_FRAME_CHARS;
    this.fast = opts.fastPath ?? DEFAULT_DECODE_FAST_PATH ? new BinanceFastScanner() : null;
  }

  decode(frame: string, receiveTime: number): DecodeResult {
    if (this.fast !== null && frame.length <= this.maxFrameChars) {
      const r = this.fast.decode(frame, receiveTime, this.venue);
      if (r !== null) {
        this.fastCounts.fast++;
        return this.counters.count(r);
      }
      this.fastCounts.fallback++;
    }
    return this.counters.count(decodeBinanceFrame(frame, receiveTime, this.venue, this.account, this.maxFrameChars));
  }

  stats(): ReturnType<DecodeStats['snapshot']> {
    return this.counters.snapshot();
  }

  /** Frames decoded by the fast path, and frames it handed to JSON.parse (0/0 when it is off). */
  fastPathStats(): { fast: number; fallback: number } {
    return this.fastCounts.snapshot();
  }
}

/** Pure function form of BinanceDecoder.decode (no stats). Never throws. */
export function decodeBinanceFrame(
  frame: string,
  receiveTime: number,
  venue = 'binance',
  account = '',
  maxFrameChars = DEFAULT_DECODE_MAX_FRAME_CHARS,
): DecodeResult {
  if (frame.length > maxFrameChars) {
    return { events: [], error: new DecodeError(venue, 'unknown', `frame of ${frame.length} chars exceeds ${maxFrameChars}`, frame) };
  }
  let stream = 'unknown';
  try {
    const root = obj(JSON.parse(frame), 'frame');
    let data: unknown = root;
    if (typeof root.stream === 'string' && 'data' in root) {
      stream = root.stream;
      data = root.data;
    } else if ('result' in root && 'id' in root) {
      return { events: [], signal: { kind: 'ack', id: String(root.id), ok: true } };
    } else if (typeof root.code === 'number' && typeof root.msg === 'string') {
      const id = root.id === undefined || root.id === null ? '' : String(root.id);
      const error = `${root.code}: ${root.msg.slice(0, 200)}`;
      return id ? { events: [], signal: { kind: 'ack', id, ok: false, error } } : { events: [], signal: { kind: 'venue_error', message: error } };
    }
    if (Array.isArray(data)) {
      // !forceOrder@arr and !ticker@arr style arrays: decode each element.
      const events: MarketEvent[] = [];
      for (const item of data) decodeData(obj(item, 'data[]'), receiveTime, venue, account, events);
      return { events };
    }
    const d = obj(data, 'data');
    if (stream === 'unknown') stream = streamOf(d);
    if (d.e === 'listenKeyExpired') {
      return { events: [], signal: { kind: 'listen_key_expired', eventTime: typeof d.E === 'number' ? d.E : receiveTime } };
    }
    const events: MarketEvent[] = [];
    decodeData(d, receiveTime, venue, account, events);
    return { events };
  } catch (err) {
    return { events: [], error: new DecodeError(venue, stream, whyOf(err), frame) };
  }
}

function streamOf(d: Json): string {
  const s = typeof d.s === 'string' ? d.s.toLowerCase() : '';
  const e = typeof d.e === 'string' ? d.e : d.u !== undefined && d.b !== undefined ? 'bookTicker' : '';
  return s && e ? `${s}@${e}` : e || 'unknown';
}

function decodeData(d: Json, rt: number, venue: string, account: string, out: MarketEvent[]): void {
  const e = d.e;
  switch (e) {
    case 'trade':
      out.push(trade(d, rt, venue, 't', 'trade'));
      return;
    case 'aggTrade':
      out.push(trade(d, rt, venue, 'a', 'aggTrade'));
      return;
    case 'depthUpdate':
      out.push({
        type: 'book_delta', venue, symbol: str(d, 's'), eventTime: int(d, 'E'), receiveTime: rt,
        firstUpdateId: int(d, 'U'), lastUpdateId: int(d, 'u'), prevUpdateId: optInt(d, 'pu'), seq: null,
        bids: levels(d, 'b'), asks: levels(d, 'a'),
      });
      return;
    case 'bookTicker':
    case undefined:
      if (e === undefined && (d.u === undefined || d.b === undefined)) throw new FieldError('field "e": missing event type');
      out.push({
        type: 'book_ticker', venue, symbol: str(d, 's'), eventTime: typeof d.E === 'number' ? d.E : rt, receiveTime: rt,
        bidPrice: dec(d, 'b'), bidSize: dec(d, 'B'), askPrice: dec(d, 'a'), askSize: dec(d, 'A'), updateId: int(d, 'u'),
      });
      return;
    case 'kline': {
      const k = obj(d.k, 'field "k"');
      out.push({
        type: 'kline', venue, symbol: str(d, 's'), eventTime: int(d, 'E'), receiveTime: rt, interval: str(k, 'i'),
        openTime: int(k, 't'), closeTime: int(k, 'T'), open: dec(k, 'o'), high: dec(k, 'h'), low: dec(k, 'l'),
        close: dec(k, 'c'), volume: dec(k, 'v'), quoteVolume: dec(k, 'q'), trades: int(k, 'n'), closed: bool(k, 'x'),
      });
      return;
    }
    case 'markPriceUpdate':
      out.push({
        type: 'mark_price', venue, symbol: str(d, 's'), eventTime: int(d, 'E'), receiveTime: rt,
        markPrice: dec(d, 'p'), indexPrice: dec(d, 'i'),
        // Delivery contracts send "" for r and 0 for T.
        fundingRate: typeof d.r === 'string' && d.r !== '' ? dec(d, 'r') : null, nextFundingTime: typeof d.T === 'number' ? d.T : 0,
      });
      return;
    case 'forceOrder': {
      const o = obj(d.o, 'field "o"');
      const avg = typeof o.ap === 'string' && !/^0*(\.0*)?$/.test(o.ap) ? dec(o, 'ap') : dec(o, 'p');
      const filled = typeof o.z === 'string' && !/^0*(\.0*)?$/.test(o.z) ? dec(o, 'z') : dec(o, 'q');
      out.push({
        type: 'liquidation', venue, symbol: str(o, 's'), eventTime: typeof o.T === 'number' ? o.T : int(d, 'E'),
        receiveTime: rt, side: side(str(o, 'S'), 'S'), price: avg, size: filled,
      });
      return;
    }
    default:
      if (typeof e !== 'string') throw new FieldError('field "e": expected string');
      decodeBinancePrivate(d, e, rt, venue, account, out);
  }
}

function trade(d: Json, rt: number, venue: string, idKey: 't' | 'a', source: string): Trade {
  const id = int(d, idKey);
  // Fields in the order the fast path builds them (source, frameTime, firstTradeId, lastTradeId, execType):
  // the two paths yield equal objects, key order included.
  const t: { -readonly [K in keyof Trade]: Trade[K] } = {
    type: 'trade', venue, symbol: str(d, 's'), eventTime: int(d, 'T'), receiveTime: rt, tradeId: String(id), seq: id,
    price: dec(d, 'p'), size: dec(d, 'q'), side: bool(d, 'm') ? 'sell' : 'buy', source,
  };
  // The frame's E (the compat endpoint's downstream E) and aggTrade f/l, when sent.
  const e = optInt(d, 'E');
  if (e !== null) t.frameTime = e;
  if (idKey === 'a') {
    const f = optInt(d, 'f');
    const l = optInt(d, 'l');
    if (f !== null) t.firstTradeId = f;
    if (l !== null) t.lastTradeId = l;
  }
  // USD-M @trade says which kind of trade it is (MARKET / INSURANCE_FUND / ADL / NA).
  const x = optStr(d, 'X');
  if (x !== undefined) t.execType = x;
  return t;
}
