/**
 * Bybit v5 public-stream decoders: publicTrade, orderbook (snapshot/delta with u and seq),
 * tickers (BookTicker when the category carries bid1/ask1, i.e. linear/inverse; deltas merged into
 * the last snapshot per symbol), kline.<interval>.<symbol>, allLiquidation,
 * and op replies (subscribe acks, pongs) as signals. Decimals stay the strings Bybit sends.
 */
import type { MarketEvent } from '../../model/events.js';
import { DEFAULT_DECODE_FAST_PATH, DEFAULT_DECODE_MAX_FRAME_CHARS } from '../../config/defaults/venues.js';
import { DecodeError, DecodeStats, type DecodeResult, type FrameDecoder } from '../decode-result.js';
import { TickerState } from './ticker-state.js';
import { BybitFastScanner } from './fast-frames.js';
import { FastPathStats } from '../fast-path-stats.js';
import { FieldError, arr, dec, int, intLike, levels, obj, optInt, side, str, whyOf, type Json } from '../fields.js';

export interface BybitDecoderOptions {
  readonly venue?: string;
  readonly maxFrameChars?: number;
  /** Symbols whose ticker state is kept to merge linear/inverse deltas. */
  readonly maxTickerSymbols?: number;
  /** Scan publicTrade and orderbook frames without JSON.parse (validated; anything else falls back). */
  readonly fastPath?: boolean;
}

export class BybitDecoder implements FrameDecoder {
  readonly venue: string;
  private readonly maxFrameChars: number;
  private readonly counters = new DecodeStats();
  /** Per-connection ticker state: deltas are merged into the last snapshot. */
  readonly tickers: TickerState;
  private readonly fast: BybitFastScanner | null;
  private readonly fastCounts = new FastPathStats();

  constructor(opts: BybitDecoderOptions = {}) {
    this.venue = opts.venue ?? 'bybit';
    this.maxFrameChars = opts.maxFrameChars ?? DEFAULT_DECODE_MAX_FRAME_CHARS;
    this.tickers = new TickerState(opts.maxTickerSymbols);
    this.fast = opts.fastPath ?? DEFAULT_DECODE_FAST_PATH ? new BybitFastScanner() : null;
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
    return this.counters.count(decodeBybitFrame(frame, receiveTime, this.venue, this.maxFrameChars, this.tickers));
  }

  stats(): ReturnType<DecodeStats['snapshot']> {
    return this.counters.snapshot();
  }

  /** Frames decoded by the fast path, and frames it handed to JSON.parse (0/0 when it is off). */
  fastPathStats(): { fast: number; fallback: number } {
    return this.fastCounts.snapshot();
  }
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/**
 * Pure form of BybitDecoder.decode. Without `tickers` state, ticker frames are decoded alone (a
 * delta omitting unchanged fields yields no quote). Never throws.
 */
export function decodeBybitFrame(frame: string, receiveTime: number, venue = 'bybit', maxFrameChars = DEFAULT_DECODE_MAX_FRAME_CHARS, tickers?: TickerState): DecodeResult {
  if (frame.length > maxFrameChars) {
    return { events: [], error: new DecodeError(venue, 'unknown', `frame of ${frame.length} chars exceeds ${maxFrameChars}`, frame) };
  }
  let stream = 'unknown';
  try {
    const m = obj(JSON.parse(frame), 'frame');
    if (typeof m.op === 'string') return { events: [], signal: opReply(m) };
    stream = str(m, 'topic');
    const dot = stream.indexOf('.');
    const kind = dot < 0 ? stream : stream.slice(0, dot);
    const ts = int(m, 'ts');
    const out: MarketEvent[] = [];
    switch (kind) {
      case 'publicTrade':
        for (const raw of arr(m, 'data')) {
          const t = obj(raw, 'data[]');
          out.push({
            type: 'trade', venue, symbol: str(t, 's'), eventTime: int(t, 'T'), receiveTime, tradeId: str(t, 'i'), seq: null,
            price: dec(t, 'p'), size: dec(t, 'v'), side: side(str(t, 'S'), 'S'), source: 'publicTrade',
          });
        }
        break;
      case 'orderbook': {
        const d = obj(m.data, 'field "data"');
        const type = str(m, 'type');
        const base = { venue, symbol: str(d, 's'), eventTime: ts, receiveTime, seq: optInt(d, 'seq'), bids: levels(d, 'b'), asks: levels(d, 'a') };
        const u = int(d, 'u');
        if (type === 'snapshot') out.push({ type: 'book_snapshot', ...base, lastUpdateId: u });
        else if (type === 'delta') out.push({ type: 'book_delta', ...base, firstUpdateId: u, lastUpdateId: u, prevUpdateId: null });
        else throw new FieldError('field "type": expected snapshot or delta');
        break;
      }
      case 'tickers': {
        const raw = obj(m.data, 'field "data"');
        const symbol = str(raw, 'symbol');
        // Linear/inverse: snapshot then deltas of changed fields only; merge into the last state.
        const d = tickers ? tickers.apply(symbol, typeof m.type === 'string' ? m.type : 'snapshot', raw) : raw;
        if (d === null) break;
        // Spot tickers carry no bid/ask: emit only complete quotes.
        if ([d.bid1Price, d.bid1Size, d.ask1Price, d.ask1Size].every((v) => typeof v === 'string' && DECIMAL_RE.test(v))) {
          out.push({
            type: 'book_ticker', venue, symbol: str(d, 'symbol'), eventTime: ts, receiveTime,
            bidPrice: dec(d, 'bid1Price'), bidSize: dec(d, 'bid1Size'), askPrice: dec(d, 'ask1Price'), askSize: dec(d, 'ask1Size'),
            updateId: typeof m.cs === 'number' ? m.cs : null,
          });
        } else {
          str(d, 'symbol');
        }
        break;
      }
      case 'kline':
        for (const raw of arr(m, 'data')) {
          const k = obj(raw, 'data[]');
          out.push({
            type: 'kline', venue, symbol: stream.slice(stream.lastIndexOf('.') + 1), eventTime: intLike(k, 'timestamp'), receiveTime,
            interval: bybitIntervalName(str(k, 'interval')), openTime: intLike(k, 'start'), closeTime: intLike(k, 'end'),
            open: dec(k, 'open'), high: dec(k, 'high'), low: dec(k, 'low'), close: dec(k, 'close'),
            volume: dec(k, 'volume'), quoteVolume: dec(k, 'turnover'),
            // Bybit sends no trade count.
            trades: 0, closed: k.confirm === true,
          });
        }
        break;
      case 'allLiquidation':
        for (const raw of arr(m, 'data')) {
          const l = obj(raw, 'data[]');
          // Bybit's S is the liquidated position's side; the liquidation order goes the other way.
          const positionSide = side(str(l, 'S'), 'S');
          out.push({
            type: 'liquidation', venue, symbol: str(l, 's'), eventTime: intLike(l, 'T'), receiveTime,
            side: positionSide === 'buy' ? 'sell' : 'buy', price: dec(l, 'p'), size: dec(l, 'v'),
          });
        }
        break;
      default:
        return { events: [] };
    }
    return { events: out };
  } catch (err) {
    return { events: [], error: new DecodeError(venue, stream, whyOf(err), frame) };
  }
}

/** Bybit interval ("1", "60", "D", "W", "M") in the Binance-style names used on events ("1m", "1h", "1d", "1w", "1M"). */
export function bybitIntervalName(i: string): string {
  if (i === 'D') return '1d';
  if (i === 'W') return '1w';
  if (i === 'M') return '1M';
  const n = Number(i);
  if (!Number.isInteger(n) || n <= 0) throw new FieldError(`field "interval": unknown interval ${i.slice(0, 8)}`);
  return n % 60 === 0 ? `${n / 60}h` : `${n}m`;
}

function opReply(m: Json): DecodeResult['signal'] {
  const op = m.op as string;
  if (op === 'pong' || m.ret_msg === 'pong') return { kind: 'pong' };
  const id = typeof m.req_id === 'string' ? m.req_id : '';
  const ok = m.success === true;
  const msg = typeof m.ret_msg === 'string' ? m.ret_msg.slice(0, 200) : '';
  return ok ? { kind: 'ack', id, ok } : { kind: 'ack', id, ok, error: msg || `${op} refused` };
}
