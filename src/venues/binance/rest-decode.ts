/** Decoders of Binance REST bodies (depth snapshot, aggTrades, trades, exchangeInfo). */
import type { BookSnapshot, Trade } from '../../model/events.js';
import { TickgateError } from '../../model/errors.js';
import { FieldError, arr, bool, dec, int, levels, obj, str, whyOf } from '../fields.js';

export interface SymbolRules {
  readonly symbol: string;
  readonly status: string;
  readonly tickSize: string;
  readonly stepSize: string;
}

export class RestDecodeError extends TickgateError {
  constructor(venue: string, what: string, err: unknown) {
    super('E_REST_DECODE', `${venue}: malformed ${what} response: ${whyOf(err)}`, { context: { venue, what }, retryable: true });
  }
}

function guard<T>(venue: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new RestDecodeError(venue, what, err);
  }
}

/** Body of GET /api/v3/depth. `receiveTime` doubles as eventTime: the body carries no time. */
export function decodeDepthSnapshot(body: unknown, symbol: string, receiveTime: number, venue = 'binance'): BookSnapshot {
  return guard(venue, 'depth', () => {
    const b = obj(body, 'depth');
    return {
      type: 'book_snapshot', venue, symbol, eventTime: typeof b.E === 'number' ? b.E : receiveTime, receiveTime,
      lastUpdateId: int(b, 'lastUpdateId'), seq: null, bids: levels(b, 'bids'), asks: levels(b, 'asks'),
    };
  });
}

/** Rows of GET /api/v3/aggTrades, as Trades with seq = aggregate id and source "backfill". */
export function decodeAggTradeRows(body: unknown, symbol: string, receiveTime: number, venue = 'binance'): Trade[] {
  return guard(venue, 'aggTrades', () => {
    if (!Array.isArray(body)) throw new FieldError('expected array');
    return body.map((raw) => {
      const r = obj(raw, 'row');
      const id = int(r, 'a');
      return {
        type: 'trade', venue, symbol, eventTime: int(r, 'T'), receiveTime, tradeId: String(id), seq: id,
        price: dec(r, 'p'), size: dec(r, 'q'), side: bool(r, 'm') ? 'sell' : 'buy', source: 'backfill',
      } satisfies Trade;
    });
  });
}

/** Rows of GET /api/v3/historicalTrades or /trades. */
export function decodeHistoricalTradeRows(body: unknown, symbol: string, receiveTime: number, venue = 'binance'): Trade[] {
  return guard(venue, 'trades', () => {
    if (!Array.isArray(body)) throw new FieldError('expected array');
    return body.map((raw) => {
      const r = obj(raw, 'row');
      const id = int(r, 'id');
      return {
        type: 'trade', venue, symbol, eventTime: int(r, 'time'), receiveTime, tradeId: String(id), seq: id,
        price: dec(r, 'price'), size: dec(r, 'qty'), side: bool(r, 'isBuyerMaker') ? 'sell' : 'buy', source: 'backfill',
      } satisfies Trade;
    });
  });
}

export function decodeExchangeInfo(body: unknown, venue = 'binance'): SymbolRules[] {
  return guard(venue, 'exchangeInfo', () => {
    const b = obj(body, 'exchangeInfo');
    return arr(b, 'symbols').map((raw) => {
      const s = obj(raw, 'symbol');
      let tickSize = '';
      let stepSize = '';
      for (const f of arr(s, 'filters')) {
        const filter = obj(f, 'filter');
        if (filter.filterType === 'PRICE_FILTER') tickSize = dec(filter, 'tickSize');
        if (filter.filterType === 'LOT_SIZE') stepSize = dec(filter, 'stepSize');
      }
      return { symbol: str(s, 'symbol'), status: str(s, 'status'), tickSize, stepSize };
    });
  });
}
