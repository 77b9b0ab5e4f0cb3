/**
 * US-equities trade feed decoder (EODHD-style real-time API). A trade frame is
 * {"s":"AAPL","p":227.31,"v":100,"c":[12,37],"dp":false,"ms":"open","t":1726504563000}: `t` is the
 * trade time in epoch ms, `ms` the market status ("open", "closed", "extended-hours"; an integer
 * `ms` is read as the time when `t` is absent), `c` condition codes, `dp` dark pool. Status
 * frames are {"status_code":200,"message":"Authorized"}. Price and size are JSON
 * numbers: their exact text is taken from the frame (number-text.ts), never from the float.
 * The feed has no trade id; tradeId is built from time, price and size, with an occurrence suffix
 * when the same symbol repeats an identical trade back to back.
 */
import type { MarketEvent } from '../../model/events.js';
import { DEFAULT_DECODE_MAX_FRAME_CHARS } from '../../config/defaults/venues.js';
import { DecodeError, DecodeStats, type DecodeResult, type FrameDecoder } from '../decode-result.js';
import { FieldError, obj, str, whyOf, type Json } from '../fields.js';
import { flatNumberText, numberTexts } from './number-text.js';

export interface EquitiesDecoderOptions {
  readonly venue?: string;
  readonly maxFrameChars?: number;
}

export class EquitiesDecoder implements FrameDecoder {
  readonly venue: string;
  private readonly maxFrameChars: number;
  private readonly counters = new DecodeStats();
  /** Per symbol: the trade time being decoded and how often each time-price-size key occurred at it. */
  private readonly seen = new Map<string, { time: number; counts: Map<string, number> }>();

  constructor(opts: EquitiesDecoderOptions = {}) {
    this.venue = opts.venue ?? 'equities';
    this.maxFrameChars = opts.maxFrameChars ?? DEFAULT_DECODE_MAX_FRAME_CHARS;
  }

  decode(frame: string, receiveTime: number): DecodeResult {
    const r = decodeEquitiesFrame(frame, receiveTime, this.venue, this.maxFrameChars);
    for (const e of r.events) {
      if (e.type !== 'trade') continue;
      // Two real trades can share time, price and size, adjacent or not: number the repeats
      // within one trade time so each keeps a distinct id (and no dedup drops a real trade).
      let st = this.seen.get(e.symbol);
      if (st === undefined || st.time !== e.eventTime) {
        st = { time: e.eventTime, counts: new Map() };
        this.seen.set(e.symbol, st);
      }
      const n = (st.counts.get(e.tradeId) ?? 0) + 1;
      st.counts.set(e.tradeId, n);
      if (n > 1) (e as { tradeId: string }).tradeId = `${e.tradeId}#${n}`;
    }
    return this.counters.count(r);
  }

  stats(): ReturnType<DecodeStats['snapshot']> {
    return this.counters.snapshot();
  }
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
const PRICE_SIZE_KEYS = ['p', 'v'] as const;

export function decodeEquitiesFrame(frame: string, receiveTime: number, venue = 'equities', maxFrameChars = DEFAULT_DECODE_MAX_FRAME_CHARS): DecodeResult {
  if (frame.length > maxFrameChars) {
    return { events: [], error: new DecodeError(venue, 'unknown', `frame of ${frame.length} chars exceeds ${maxFrameChars}`, frame) };
  }
  let stream = 'unknown';
  try {
    const root: unknown = JSON.parse(frame);
    const items = Array.isArray(root) ? root : [root];
    const texts = flatTexts(frame) ?? numberTexts(frame, Array.isArray(root) ? 2 : 1, PRICE_SIZE_KEYS);
    const out: MarketEvent[] = [];
    for (let i = 0; i < items.length; i++) {
      const m = obj(items[i], 'frame');
      if ('status_code' in m) {
        const code = m.status_code;
        if (code === 200) continue;
        return { events: out, signal: { kind: 'venue_error', message: `${String(code)}: ${String(m.message ?? '').slice(0, 200)}` } };
      }
      stream = str(m, 's');
      out.push(trade(m, texts[i], receiveTime, venue, stream));
    }
    return { events: out };
  } catch (err) {
    return { events: [], error: new DecodeError(venue, stream, whyOf(err), frame) };
  }
}

function trade(m: Json, texts: Map<string, string> | undefined, rt: number, venue: string, symbol: string): MarketEvent {
  const price = exactNumber(m, texts, 'p');
  const size = exactNumber(m, texts, 'v');
  const tRaw = typeof m.t === 'number' ? m.t : m.ms;
  if (typeof tRaw !== 'number' || !Number.isSafeInteger(tRaw)) throw new FieldError('field "t": expected integer epoch ms');
  if (price.startsWith('-') || size.startsWith('-')) throw new FieldError('negative price or size');
  return {
    type: 'trade', venue, symbol, eventTime: tRaw, receiveTime: rt, tradeId: `${tRaw}-${price}-${size}`, seq: null,
    price, size, side: 'unknown', source: 'trade',
  };
}

/** Number texts of p and v for a flat single-object frame (the usual case), else undefined. */
function flatTexts(frame: string): Map<string, string>[] | undefined {
  const p = flatNumberText(frame, 'p');
  if (p === undefined) return undefined;
  const m = new Map<string, string>();
  if (p !== null) m.set('p', p);
  const v = flatNumberText(frame, 'v');
  if (v) m.set('v', v);
  return [m];
}

/** The number's source text; a decimal string is accepted too (some feeds quote prices). */
function exactNumber(m: Json, texts: Map<string, string> | undefined, key: string): string {
  const v = m[key];
  if (typeof v === 'string' && DECIMAL_RE.test(v)) return v;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`field "${key}": expected number`);
  const text = texts?.get(key);
  if (text === undefined || !DECIMAL_RE.test(text)) throw new FieldError(`field "${key}": number text not found`);
  return text;
}
