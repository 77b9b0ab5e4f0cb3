import { describe, expect, it } from 'vitest';
import { eventKind, eventMsgId } from '../../../src/cluster/event-identity.js';
import type { BookDelta, StreamState, Trade } from '../../../src/model/events.js';

const trade: Trade = { type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 5, tradeId: '42', seq: 42, price: '1.0', size: '2', side: 'buy', source: 'trade' };

describe('event identity on the bus', () => {
  it('the same venue event seen by two collectors (other receive time, live or backfill) has one id', () => {
    expect(eventMsgId({ ...trade, receiveTime: 999 })).toBe(eventMsgId(trade));
    expect(eventMsgId({ ...trade, source: 'backfill' })).toBe(eventMsgId(trade));
    expect(eventMsgId(trade)).toBe('binance|BTCUSDT|trade|42');
  });

  it('different events, symbols, venues and id spaces never share an id', () => {
    const ids = new Set([
      eventMsgId(trade), eventMsgId({ ...trade, tradeId: '43' }), eventMsgId({ ...trade, symbol: 'ETHUSDT' }),
      eventMsgId({ ...trade, venue: 'bybit' }), eventMsgId({ ...trade, source: 'aggTrade' }),
    ]);
    expect(ids.size).toBe(5);
    expect(eventKind({ ...trade, source: 'aggTrade' })).toBe('agg_trade');
  });

  it('book deltas are identified by their update id range; stream_state markers stay per collector', () => {
    const d: BookDelta = { type: 'book_delta', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 2, firstUpdateId: 10, lastUpdateId: 12, prevUpdateId: null, seq: null, bids: [], asks: [] };
    expect(eventMsgId(d)).toBe('binance|BTCUSDT|book_delta|10-12');
    expect(eventMsgId({ ...d, receiveTime: 77 })).toBe(eventMsgId(d));
    const s: StreamState = { type: 'stream_state', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 2, source: 'trade', state: 'behind', reason: 'disconnected' };
    expect(eventMsgId({ ...s, receiveTime: 3 })).not.toBe(eventMsgId(s));
  });
});
