import { describe, expect, it } from 'vitest';
import { BinanceDecoder, decodeBinanceFrame } from '../../../src/venues/binance/decode.js';
import { decodeAggTradeRows, decodeDepthSnapshot, decodeExchangeInfo, decodeHistoricalTradeRows } from '../../../src/venues/binance/rest-decode.js';

// Real lines from test/fixtures/recorded/binance-spot/btcusdt-20240808.frames.gz
const REAL_TRADE_SELL = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
const REAL_TRADE_BUY = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255857,"s":"BTCUSDT","t":3735683305,"p":"61828.02000000","q":"0.00810000","T":1723161255856,"m":false,"M":true}}';
const REAL_BOOK_TICKER = '{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}';
const REAL_DEPTH = '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":50093239203,"u":50093239207,"b":[["55653.87000000","0.00000000"]],"a":[["61838.04000000","0.32332000"],["61844.30000000","0.40163000"],["61862.50000000","0.05019000"],["61862.51000000","0.00000000"]]}}';

// Documented formats (Binance spot / USD-M futures WebSocket docs).
const AGG_TRADE = '{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true}';
const KLINE = '{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}';
const FORCE_ORDER = '{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910.5","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}';
const FUTURES_DEPTH = '{"e":"depthUpdate","E":123456789,"T":123456788,"s":"BTCUSDT","U":157,"u":160,"pu":149,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}';
const EXECUTION_REPORT = '{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":4293153,"l":"0.25000000","z":"0.25000000","L":"0.10264410","n":"0","N":null,"T":1499405658657,"t":-1,"v":3,"I":8641984,"w":true,"m":false,"M":false,"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}';
const BALANCE_UPDATE = '{"e":"balanceUpdate","E":1573200697110,"a":"BTC","d":"-100.00000000","T":1573200697068}';
const ACCOUNT_POSITION = '{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}';

describe('Binance decoder', () => {
  it('decodes a real combined-stream trade with the exact price text and aggressor side from m', () => {
    const [sell] = decodeBinanceFrame(REAL_TRADE_SELL, 5).events;
    expect(sell).toEqual({ type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1723161255342, receiveTime: 5, tradeId: '3735683259', seq: 3735683259, price: '61837.63000000', size: '0.02000000', side: 'sell', source: 'trade', frameTime: 1723161255343 });
    expect(decodeBinanceFrame(REAL_TRADE_BUY, 5).events[0]).toMatchObject({ side: 'buy', price: '61828.02000000' });
  });

  it('decodes a real bookTicker (no "e" field) with its update id', () => {
    expect(decodeBinanceFrame(REAL_BOOK_TICKER, 7).events[0]).toEqual({ type: 'book_ticker', venue: 'binance', symbol: 'BTCUSDT', eventTime: 7, receiveTime: 7, bidPrice: '61837.63000000', bidSize: '3.78826000', askPrice: '61837.64000000', askSize: '1.54698000', updateId: 50093239212 });
  });

  it('decodes a real spot depthUpdate with U/u and no pu', () => {
    const d = decodeBinanceFrame(REAL_DEPTH, 1).events[0];
    expect(d).toMatchObject({ type: 'book_delta', firstUpdateId: 50093239203, lastUpdateId: 50093239207, prevUpdateId: null, seq: null });
    expect(d && d.type === 'book_delta' && d.asks[3]).toEqual(['61862.51000000', '0.00000000']);
  });

  it('decodes a futures depthUpdate keeping pu', () => {
    expect(decodeBinanceFrame(FUTURES_DEPTH, 1).events[0]).toMatchObject({ firstUpdateId: 157, lastUpdateId: 160, prevUpdateId: 149, bids: [['0.0024', '10']] });
  });

  it('carries aggTrade f/l and the frame\'s E (frameTime); a frame without them has no such keys, a malformed one is an error', () => {
    const [t] = decodeBinanceFrame(AGG_TRADE, 1).events;
    expect(t).toMatchObject({ firstTradeId: 100, lastTradeId: 105, frameTime: 1672515782136, eventTime: 1672515782136 });
    const [bare] = decodeBinanceFrame('{"e":"aggTrade","s":"BNBBTC","a":12345,"p":"0.001","q":"100","T":1672515782136,"m":true}', 1).events;
    expect(bare).toBeDefined();
    expect(['frameTime', 'firstTradeId', 'lastTradeId'].filter((k) => k in bare!)).toEqual([]);
    const [plain] = decodeBinanceFrame('{"e":"trade","s":"BTCUSDT","t":7,"p":"1","q":"2","T":3,"m":false}', 1).events;
    expect(['frameTime', 'firstTradeId', 'lastTradeId'].filter((k) => k in plain!)).toEqual([]);
    // A trade frame's f/l are not aggTrade ids: never read there.
    const [tf] = decodeBinanceFrame('{"e":"trade","E":9,"s":"BTCUSDT","t":7,"p":"1","q":"2","T":3,"m":false,"f":1,"l":2}', 1).events;
    expect(tf).toMatchObject({ frameTime: 9 });
    expect('firstTradeId' in tf!).toBe(false);
    expect(decodeBinanceFrame(AGG_TRADE.replace('"f":100', '"f":"100"'), 1).error?.message).toMatch(/field "f": expected integer/);
    expect(decodeBinanceFrame(AGG_TRADE.replace('"E":1672515782136', '"E":1.5'), 1).error?.message).toMatch(/field "E": expected integer/);
  });

  it('decodes raw (non-envelope) aggTrade with seq = aggregate id', () => {
    expect(decodeBinanceFrame(AGG_TRADE, 1).events[0]).toMatchObject({ type: 'trade', tradeId: '12345', seq: 12345, price: '0.001', size: '100', side: 'sell', source: 'aggTrade', eventTime: 1672515782136 });
    const wrapped = `{"stream":"bnbbtc@aggTrade","data":${AGG_TRADE}}`;
    expect(decodeBinanceFrame(wrapped, 1).events).toEqual(decodeBinanceFrame(AGG_TRADE, 1).events);
  });

  it('decodes kline fields exactly', () => {
    expect(decodeBinanceFrame(KLINE, 1).events[0]).toEqual({ type: 'kline', venue: 'binance', symbol: 'BNBBTC', eventTime: 1672515782136, receiveTime: 1, interval: '1m', openTime: 1672515780000, closeTime: 1672515839999, open: '0.0010', high: '0.0025', low: '0.0015', close: '0.0020', volume: '1000', quoteVolume: '1.0000', trades: 100, closed: false });
  });

  it('decodes forceOrder as a liquidation at the average price, from object or !forceOrder@arr array', () => {
    const l = decodeBinanceFrame(FORCE_ORDER, 1).events[0];
    expect(l).toEqual({ type: 'liquidation', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1568014460893, receiveTime: 1, side: 'sell', price: '9910.5', size: '0.014' });
    expect(decodeBinanceFrame(`{"stream":"!forceOrder@arr","data":[${FORCE_ORDER},${FORCE_ORDER}]}`, 1).events).toHaveLength(2);
  });

  it('decodes executionReport into an OrderUpdate for the configured account', () => {
    const d = new BinanceDecoder({ account: 'main' });
    expect(d.decode(EXECUTION_REPORT, 1).events[0]).toEqual({ type: 'order_update', venue: 'binance', account: 'main', symbol: 'ETHBTC', eventTime: 1499405658658, receiveTime: 1, orderId: '4293153', clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW', side: 'buy', orderType: 'LIMIT', status: 'PARTIALLY_FILLED', price: '0.10264410', size: '1.00000000', filledSize: '0.25000000' });
  });

  it('decodes balanceUpdate as a signed delta; outboundAccountPosition yields no event and no error', () => {
    const d = new BinanceDecoder({ account: 'main' });
    expect(d.decode(BALANCE_UPDATE, 1).events[0]).toMatchObject({ type: 'balance_update', account: 'main', asset: 'BTC', delta: '-100.00000000' });
    const r = d.decode(ACCOUNT_POSITION, 1);
    expect(r.events).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(d.stats().ignored).toBe(1);
  });

  it('signals listenKeyExpired without echoing the key', () => {
    const key = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const r = decodeBinanceFrame(`{"e":"listenKeyExpired","E":1576653824250,"listenKey":"${key}"}`, 1);
    expect(r.signal).toEqual({ kind: 'listen_key_expired', eventTime: 1576653824250 });
    expect(JSON.stringify(r)).not.toContain(key);
  });

  it('turns SUBSCRIBE acks and errors into ack signals', () => {
    expect(decodeBinanceFrame('{"result":null,"id":3}', 1).signal).toEqual({ kind: 'ack', id: '3', ok: true });
    expect(decodeBinanceFrame('{"code":2,"msg":"Invalid request: unknown stream","id":4}', 1).signal).toEqual({ kind: 'ack', id: '4', ok: false, error: '2: Invalid request: unknown stream' });
  });

  it('counts frames, events and types in stats()', () => {
    const d = new BinanceDecoder();
    d.decode(REAL_TRADE_SELL, 1);
    d.decode(REAL_DEPTH, 1);
    d.decode('{"e":', 1);
    expect(d.stats()).toMatchObject({ frames: 3, events: 2, malformed: 1, byType: { trade: 1, book_delta: 1 } });
  });
});

describe('Binance REST body decoders', () => {
  it('decodes aggTrades rows as backfill trades with seq = a', () => {
    const rows = decodeAggTradeRows(JSON.parse('[{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}]'), 'BNBBTC', 9);
    expect(rows[0]).toEqual({ type: 'trade', venue: 'binance', symbol: 'BNBBTC', eventTime: 1498793709153, receiveTime: 9, tradeId: '26129', seq: 26129, price: '0.01633102', size: '4.70443515', side: 'sell', source: 'backfill' });
  });

  it('decodes historicalTrades rows', () => {
    const rows = decodeHistoricalTradeRows(JSON.parse('[{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":false,"isBestMatch":true}]'), 'BNBBTC', 9);
    expect(rows[0]).toMatchObject({ seq: 28457, price: '4.00000100', side: 'buy' });
  });

  it('decodes a depth snapshot and rejects a malformed one with a typed error', () => {
    const s = decodeDepthSnapshot({ lastUpdateId: 1027024, bids: [['4.00000000', '431.00000000']], asks: [['4.00000200', '12.00000000']] }, 'BNBBTC', 3);
    expect(s).toMatchObject({ type: 'book_snapshot', lastUpdateId: 1027024, bids: [['4.00000000', '431.00000000']] });
    expect(() => decodeDepthSnapshot({ lastUpdateId: 'x', bids: [], asks: [] }, 'BNBBTC', 3)).toThrow(/E_REST_DECODE|malformed depth/);
  });

  it('reads tick and step sizes from exchangeInfo', () => {
    const info = { symbols: [{ symbol: 'BTCUSDT', status: 'TRADING', filters: [{ filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000.00', tickSize: '0.01000000' }, { filterType: 'LOT_SIZE', minQty: '0.00001', maxQty: '9000', stepSize: '0.00001000' }] }] };
    expect(decodeExchangeInfo(info)).toEqual([{ symbol: 'BTCUSDT', status: 'TRADING', tickSize: '0.01000000', stepSize: '0.00001000' }]);
  });
});
