/**
 * Decoder of Bybit v5 REST GET /v5/market/recent-trade:
 * {"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"execId","symbol","price",
 * "size","side","time","isBlockTrade",...}]},"time":...}; the list is newest first, `time` a
 * millisecond string. Rows become Trades with the WebSocket's tradeId (execId = publicTrade `i`),
 * seq null and source "backfill".
 */
import type { Trade } from '../../model/events.js';
import { TickgateError } from '../../model/errors.js';
import { FieldError, arr, dec, intLike, obj, side, str, whyOf } from '../fields.js';

export class BybitRestDecodeError extends TickgateError {
  constructor(venue: string, what: string, err: unknown) {
    super('E_REST_DECODE', `${venue}: malformed ${what} response: ${whyOf(err)}`, { context: { venue, what }, retryable: true });
  }
}

/** A body with retCode != 0 (the venue refused the request; HTTP status is usually 200). */
export interface BybitRetError {
  readonly retCode: number;
  readonly retMsg: string;
}

/** retCode/retMsg of a Bybit v5 body, or null when it is not one. */
export function bybitRetOf(body: unknown): BybitRetError | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.retCode !== 'number') return null;
  return { retCode: b.retCode, retMsg: typeof b.retMsg === 'string' ? b.retMsg.slice(0, 160) : '' };
}

/** Rows of a successful recent-trade body, in the venue's order (newest first). */
export function decodeRecentTrades(body: unknown, receiveTime: number, venue = 'bybit'): Trade[] {
  try {
    const b = obj(body, 'body');
    const ret = bybitRetOf(b);
    if (ret === null) throw new FieldError('field "retCode": expected a number');
    if (ret.retCode !== 0) throw new FieldError(`retCode ${ret.retCode}: ${ret.retMsg}`);
    const result = obj(b.result, 'field "result"');
    return arr(result, 'list').map((raw) => {
      const r = obj(raw, 'list[]');
      return {
        type: 'trade', venue, symbol: str(r, 'symbol'), eventTime: intLike(r, 'time'), receiveTime, tradeId: str(r, 'execId'), seq: null,
        price: dec(r, 'price'), size: dec(r, 'size'), side: side(str(r, 'side'), 'side'), source: 'backfill',
      } satisfies Trade;
    });
  } catch (err) {
    throw new BybitRestDecodeError(venue, 'recent-trade', err);
  }
}
