import { describe, expect, it } from 'vitest';
import { BybitDecoder, decodeBybitFrame } from '../../../src/venues/bybit/decode.js';

// Documented Bybit v5 public examples.
const TRADE = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false},{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"0.010","p":"16578.00","L":"MinusTick","i":"8f3b2e8c-1a3e-5f77-9a0a-0c7d1f0b2c11","BT":false}]}';
const OB_SNAPSHOT = '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],"u":18521288,"seq":7961638724},"cts":1672304484976}';
const OB_DELTA = '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"],["30245.40","0.224"],["30242.10","1.593"]],"a":[["30248.70","0"],["30249.30","0.892"]],"u":177400507,"seq":66544703342},"cts":1687940967464}';
const TICKER_LINEAR = '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"17216.00","bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020"},"cs":24987956059,"ts":1673272861686}';
const TICKER_SPOT = '{"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77","highPrice24h":"21426.99","lowPrice24h":"20575","prevPrice24h":"20704.93","volume24h":"6780.866843","turnover24h":"141946527.22907118","price24hPcnt":"0.0196","usdIndexPrice":"21120.2400136"}}';
const LIQUIDATION = '{"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}';

describe('Bybit v5 decoder', () => {
  it('decodes publicTrade batches with UUID ids, taker side and no numeric seq', () => {
    const ev = decodeBybitFrame(TRADE, 3).events;
    expect(ev).toHaveLength(2);
    expect(ev[0]).toEqual({ type: 'trade', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1672304486865, receiveTime: 3, tradeId: '20f43950-d8dd-5b31-9112-a178eb6023af', seq: null, price: '16578.50', size: '0.001', side: 'buy', source: 'publicTrade' });
    expect(ev[1]).toMatchObject({ side: 'sell', price: '16578.00', size: '0.010' });
  });

  it('decodes an orderbook snapshot with u and seq', () => {
    expect(decodeBybitFrame(OB_SNAPSHOT, 1).events[0]).toEqual({ type: 'book_snapshot', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1672304484978, receiveTime: 1, seq: 7961638724, lastUpdateId: 18521288, bids: [['16493.50', '0.006'], ['16493.00', '0.100']], asks: [['16611.00', '0.029'], ['16612.00', '0.213']] });
  });

  it('decodes an orderbook delta with first = last = u and keeps a "0" size (level removal)', () => {
    expect(decodeBybitFrame(OB_DELTA, 1).events[0]).toMatchObject({ type: 'book_delta', firstUpdateId: 177400507, lastUpdateId: 177400507, prevUpdateId: null, seq: 66544703342, asks: [['30248.70', '0'], ['30249.30', '0.892']] });
  });

  it('emits a BookTicker only from tickers carrying bid1/ask1 (linear), not spot tickers', () => {
    expect(decodeBybitFrame(TICKER_LINEAR, 1).events[0]).toMatchObject({ type: 'book_ticker', bidPrice: '17215.50', bidSize: '84.489', askPrice: '17216.00', askSize: '83.020', updateId: 24987956059 });
    const spot = decodeBybitFrame(TICKER_SPOT, 1);
    expect(spot.events).toEqual([]);
    expect(spot.error).toBeUndefined();
  });

  it('maps allLiquidation position side to the liquidation order side (a long liquidated is a sell)', () => {
    expect(decodeBybitFrame(LIQUIDATION, 1).events[0]).toEqual({ type: 'liquidation', venue: 'bybit', symbol: 'ROSEUSDT', eventTime: 1739502302929, receiveTime: 1, side: 'buy', price: '0.04499', size: '20000' });
    const long = LIQUIDATION.replace('"S":"Sell"', '"S":"Buy"');
    expect(decodeBybitFrame(long, 1).events[0]).toMatchObject({ side: 'sell' });
  });

  it('turns op replies into ack and pong signals', () => {
    expect(decodeBybitFrame('{"success":true,"ret_msg":"","conn_id":"abc","req_id":"7","op":"subscribe"}', 1).signal).toEqual({ kind: 'ack', id: '7', ok: true });
    expect(decodeBybitFrame('{"success":false,"ret_msg":"Invalid symbol :[orderbook.50.NOPE]","conn_id":"abc","req_id":"8","op":"subscribe"}', 1).signal).toEqual({ kind: 'ack', id: '8', ok: false, error: 'Invalid symbol :[orderbook.50.NOPE]' });
    expect(decodeBybitFrame('{"success":true,"ret_msg":"pong","conn_id":"abc","req_id":"","op":"ping"}', 1).signal).toEqual({ kind: 'pong' });
    expect(decodeBybitFrame('{"req_id":"x","op":"pong","args":["1675418560633"],"conn_id":"c"}', 1).signal).toEqual({ kind: 'pong' });
  });

  it('counts per-type stats', () => {
    const d = new BybitDecoder();
    d.decode(TRADE, 1);
    d.decode(OB_DELTA, 1);
    expect(d.stats()).toMatchObject({ frames: 2, events: 3, malformed: 0, byType: { trade: 2, book_delta: 1 } });
  });
});
