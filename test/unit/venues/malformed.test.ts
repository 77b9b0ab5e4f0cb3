/** A malformed-frame corpus run through every decoder: nothing throws; each bad frame is counted
 * and reported with venue, stream and a short excerpt. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import { BybitDecoder } from '../../../src/venues/bybit/decode.js';
import { EquitiesDecoder } from '../../../src/venues/equities/decode.js';
import { DecodeError, type FrameDecoder } from '../../../src/venues/decode-result.js';

const GOOD_BINANCE = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
const GOOD_BYBIT = '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"]],"a":[["30248.70","0"]],"u":177400507,"seq":66544703342},"cts":1687940967464}';
const GOOD_EQ = '{"s":"AAPL","p":227.31,"c":[12,37],"v":100,"dp":false,"ms":"open","t":1726504563000}';

const HUGE = `{"stream":"btcusdt@trade","data":{"e":"trade","p":"${'9'.repeat(5 * 1024 * 1024)}"}}`;

const binanceBad: [string, string][] = [
  ['truncated JSON', GOOD_BINANCE.slice(0, 60)],
  ['empty frame', ''],
  ['not an object', '[1,2,3]'],
  ['price as number', GOOD_BINANCE.replace('"p":"61837.63000000"', '"p":61837.63')],
  ['price not a decimal', GOOD_BINANCE.replace('"61837.63000000"', '"abc"')],
  ['trade id as string', GOOD_BINANCE.replace('"t":3735683259', '"t":"3735683259"')],
  ['missing quantity', GOOD_BINANCE.replace('"q":"0.02000000",', '')],
  ['m not boolean', GOOD_BINANCE.replace('"m":true', '"m":"yes"')],
  ['depth level wrong shape', '{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0"]],"a":[]}}'],
  ['depth level numbers', '{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[[1.0,2]],"a":[]}}'],
  ['kline without k', '{"e":"kline","E":1,"s":"BNBBTC"}'],
  ['event type not a string', '{"e":5,"E":1}'],
  ['data null', '{"stream":"btcusdt@trade","data":null}'],
  ['huge frame', HUGE],
];
const bybitBad: [string, string][] = [
  ['truncated JSON', GOOD_BYBIT.slice(0, 50)],
  ['delta without u', GOOD_BYBIT.replace('"u":177400507,', '')],
  ['size as number', GOOD_BYBIT.replace('"30.028"', '30.028')],
  ['unknown book type', GOOD_BYBIT.replace('"type":"delta"', '"type":"weird"')],
  ['trade data not array', '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":{}}'],
  ['no topic', '{"ts":1,"data":[]}'],
  ['huge frame', HUGE],
];
const eqBad: [string, string][] = [
  ['truncated JSON', GOOD_EQ.slice(0, 20)],
  ['price as bool', GOOD_EQ.replace('227.31', 'true')],
  ['missing timestamp', GOOD_EQ.replace(',"t":1726504563000', '')],
  ['timestamp as string', GOOD_EQ.replace('"t":1726504563000', '"t":"1726504563000"')],
  ['negative price', GOOD_EQ.replace('227.31', '-1')],
  ['symbol not a string', GOOD_EQ.replace('"AAPL"', '5')],
  ['huge frame', HUGE],
];

function check(decoder: FrameDecoder, venue: string, corpus: [string, string][]): void {
  for (const [name, frame] of corpus) {
    let r;
    expect(() => (r = decoder.decode(frame, 1)), name).not.toThrow();
    expect(r!.events, name).toEqual([]);
    expect(r!.error, name).toBeInstanceOf(DecodeError);
    const e = r!.error as DecodeError;
    expect(e.code).toBe('E_DECODE');
    expect(e.venue).toBe(venue);
    expect(typeof e.stream).toBe('string');
    expect(e.excerpt.length, name).toBeLessThanOrEqual(150);
    expect(e.message.length, name).toBeLessThan(400);
  }
  expect(decoder.stats().malformed).toBe(corpus.length);
}

describe('malformed frames', () => {
  it('binance: every bad frame becomes a counted DecodeError naming venue and stream', () => {
    const d = new BinanceDecoder();
    check(d, 'binance', binanceBad);
    expect(d.decode(binanceBad[3]![1], 1).error!.stream).toBe('btcusdt@trade');
    // An event type tickgate does not normalize is ignored, not malformed.
    const r = d.decode('{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1,"s":"BTCUSDT"}}', 1);
    expect(r).toEqual({ events: [] });
    expect(d.stats().ignored).toBe(1);
  });

  it('bybit: every bad frame becomes a counted DecodeError', () => {
    const d = new BybitDecoder();
    check(d, 'bybit', bybitBad);
    expect(d.decode(bybitBad[1]![1], 1).error!.stream).toBe('orderbook.50.BTCUSDT');
  });

  it('equities: every bad frame becomes a counted DecodeError', () => {
    check(new EquitiesDecoder(), 'equities', eqBad);
  });

  it('a truncated user-data frame never leaks the listenKey into the error', () => {
    const key = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const r = new BinanceDecoder().decode(`{"e":"listenKeyExpired","E":1576653824250,"listenKey":"${key}`, 1);
    expect(r.error).toBeInstanceOf(DecodeError);
    expect(JSON.stringify(r.error!.toJSON()) + r.error!.message).not.toContain(key);
    expect(r.error!.excerpt).toContain('"listenKey":"***');
  });

  it('no decoder throws on arbitrary input (fuzz: random strings and mutated valid frames)', () => {
    const decoders: FrameDecoder[] = [new BinanceDecoder(), new BybitDecoder(), new EquitiesDecoder()];
    const mutated = fc.tuple(fc.constantFrom(GOOD_BINANCE, GOOD_BYBIT, GOOD_EQ), fc.nat(), fc.nat(), fc.string({ maxLength: 8 })).map(([f, a, b, ins]) => {
      const i = a % f.length;
      const j = Math.min(f.length, i + (b % 12));
      return f.slice(0, i) + ins + f.slice(j);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), mutated), (frame) => {
        for (const d of decoders) {
          const r = d.decode(frame, 1);
          expect(Array.isArray(r.events)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
