/**
 * The Bybit fast path (publicTrade, orderbook) ≡ the full JSON.parse decoder: on the documented
 * v5 frames, on frames generated in each shape (the documented key order and the spot order the
 * simulator sends), and on mutated frames, which it must either decode identically or hand to
 * the full decoder (counted as a fallback).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BybitDecoder, decodeBybitFrame } from '../../../src/venues/bybit/decode.js';
import { decimalArb as decimal, expectSameDecode, idArb as id, levelsArb as levels, mutate, mutationsArb, symArb as sym } from './fast-equivalence.js';

// Documented Bybit v5 public examples (derivatives key order), and the spot key order.
const TRADE = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false},{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"0.010","p":"16578.00","L":"MinusTick","i":"8f3b2e8c-1a3e-5f77-9a0a-0c7d1f0b2c11","BT":false}]}';
const SPOT_TRADE = '{"topic":"publicTrade.BTCUSDT","ts":1739502303204,"type":"snapshot","data":[{"i":"2290000000653460017","T":1739502303201,"p":"96403.6","v":"0.000124","S":"Buy","s":"BTCUSDT","BT":false,"RPI":false}]}';
const TRADE_SEQ = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Sell","v":"0.5","p":"16578.5","L":"ZeroMinusTick","i":"a1","BT":false,"seq":123456789}]}';
const OB_SNAPSHOT = '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],"u":18521288,"seq":7961638724},"cts":1672304484976}';
const OB_DELTA = '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"],["30245.40","0.224"],["30242.10","1.593"]],"a":[["30248.70","0"],["30249.30","0.892"]],"u":177400507,"seq":66544703342},"cts":1687940967464}';
const OB_EMPTY_SIDE = '{"topic":"orderbook.1.ETHUSDT","ts":1687940967466,"type":"delta","data":{"s":"ETHUSDT","b":[],"a":[["1800.5","2"]],"u":5,"seq":9},"cts":1687940967464}';
const DOCUMENTED = [TRADE, SPOT_TRADE, TRADE_SEQ, OB_SNAPSHOT, OB_DELTA, OB_EMPTY_SIDE];

function expectSame(frame: string, rt: number): { fast: boolean } {
  const want = decodeBybitFrame(frame, rt, 'bybit', undefined, new BybitDecoder({ fastPath: false }).tickers);
  return expectSameDecode(new BybitDecoder({ fastPath: true }), want, frame, rt);
}

describe('Bybit fast path on documented frames', () => {
  it('decodes each on the fast path, equal to the full decoder', () => {
    for (const f of DOCUMENTED) expect(expectSame(f, 7).fast).toBe(true);
    const d = new BybitDecoder();
    expect(d.decode(TRADE, 3).events[0]).toEqual({ type: 'trade', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1672304486865, receiveTime: 3, tradeId: '20f43950-d8dd-5b31-9112-a178eb6023af', seq: null, price: '16578.50', size: '0.001', side: 'buy', source: 'publicTrade' });
    expect(d.decode(OB_DELTA, 3).events[0]).toMatchObject({ type: 'book_delta', firstUpdateId: 177400507, lastUpdateId: 177400507, seq: 66544703342, asks: [['30248.70', '0'], ['30249.30', '0.892']] });
    expect(d.fastPathStats()).toEqual({ fast: 2, fallback: 0 });
  });

  it('leaves other topics, op replies and an empty trade batch to the full decoder (counted)', () => {
    const others = [
      '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","bid1Price":"1","bid1Size":"1","ask1Price":"2","ask1Size":"1"},"cs":1,"ts":2}',
      '{"success":true,"ret_msg":"pong","conn_id":"abc","req_id":"","op":"ping"}',
      '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}',
      '{"topic":"orderbook.50.BTCUSDT","type":"weird","ts":1,"data":{"s":"X","b":[],"a":[],"u":1}}',
      '{"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[{"T":1,"s":"X","S":"Buy","v":"1","p":"1","i":"a"}]}',
      '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,"s":"X","S":"BUY","v":"1","p":"1","i":"a"}]}',
    ];
    const d = new BybitDecoder();
    for (const f of others) {
      expect(expectSame(f, 1).fast).toBe(false);
      d.decode(f, 1);
    }
    expect(d.fastPathStats()).toEqual({ fast: 0, fallback: others.length });
  });

  it('the switch off decodes through JSON.parse only, with the same events and stats', () => {
    const off = new BybitDecoder({ fastPath: false });
    const on = new BybitDecoder();
    for (const f of DOCUMENTED) expect(off.decode(f, 1)).toStrictEqual(on.decode(f, 1));
    expect(off.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
    expect(on.fastPathStats()).toEqual({ fast: DOCUMENTED.length, fallback: 0 });
    expect(off.stats()).toEqual(on.stats());
  });
});

const tradeId = fc.oneof(fc.uuid(), fc.nat().map(String));
const side = fc.constantFrom('Buy', 'Sell');
/** A trade item in the derivatives order (with L, maybe seq) or the spot order (with RPI). */
const tradeItem = fc.oneof(
  fc.tuple(id, sym, side, decimal, decimal, tradeId, fc.boolean(), fc.option(id)).map(([T, s, S, v, p, i, bt, seq]) =>
    `{"T":${T},"s":"${s}","S":"${S}","v":"${v}","p":"${p}","L":"PlusTick","i":"${i}","BT":${bt}${seq === null ? '' : `,"seq":${seq}`}}`),
  fc.tuple(tradeId, id, decimal, decimal, side, sym, fc.boolean()).map(([i, T, p, v, S, s, rpi]) =>
    `{"i":"${i}","T":${T},"p":"${p}","v":"${v}","S":"${S}","s":"${s}","BT":false,"RPI":${rpi}}`),
);
const tradeFrame = fc.tuple(sym, id, fc.array(tradeItem, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([s, ts, items, docsOrder]) => (docsOrder
  ? `{"topic":"publicTrade.${s}","type":"snapshot","ts":${ts},"data":[${items.join(',')}]}`
  : `{"topic":"publicTrade.${s}","ts":${ts},"type":"snapshot","data":[${items.join(',')}]}`));
const bookFrame = fc.tuple(sym, id, fc.constantFrom('snapshot', 'delta'), levels, levels, id, fc.option(id), fc.constantFrom('1', '50', '200')).map(([s, ts, type, b, a, u, seq, depth]) =>
  `{"topic":"orderbook.${depth}.${s}","type":"${type}","ts":${ts},"data":{"s":"${s}","b":${b},"a":${a},"u":${u}${seq === null ? '' : `,"seq":${seq}`}},"cts":${ts}}`);

describe('Bybit fast path on generated frames of each shape', () => {
  it('decodes every generated publicTrade and orderbook frame on the fast path, equal to the full decoder', () => {
    fc.assert(fc.property(fc.oneof(tradeFrame, bookFrame), fc.nat(), (frame, rt) => {
      expect(expectSame(frame, rt).fast).toBe(true);
    }), { numRuns: 1_000, seed: 21 });
  });

  it('leaves unsafe integers (beyond 2^53) to the full decoder, which reports them', () => {
    const unsafe = '9007199254740993';
    for (const f of [TRADE.replace('"ts":1672304486868', `"ts":${unsafe}`), TRADE.replace('"T":1672304486865', `"T":${unsafe}`), OB_DELTA.replace('"u":177400507', `"u":${unsafe}`), OB_DELTA.replace('"seq":66544703342', `"seq":${unsafe}`)]) {
      expect(expectSame(f, 0).fast).toBe(false);
      expect(decodeBybitFrame(f, 0).error?.code).toBe('E_DECODE');
    }
  });
});

describe('Bybit fast path on mutated frames (fuzz)', () => {
  const frameArb = fc.oneof(fc.constantFrom(...DOCUMENTED), tradeFrame, bookFrame);

  it('any byte-level mutation is decoded identically or left to the full decoder', () => {
    fc.assert(fc.property(frameArb, mutationsArb(['S', 'B']), fc.nat(), (frame, ms, rt) => {
      expectSame(mutate(frame, ms), rt);
    }), { numRuns: 2_000, seed: 14 });
  });

  it('whitespace, escapes, new or repeated fields, numbers for strings and longer levels all fall back, with equal results', () => {
    type Edit = (m: Record<string, unknown>) => string | null;
    const data = (m: Record<string, unknown>): Record<string, unknown> => (Array.isArray(m.data) ? m.data[0] : m.data) as Record<string, unknown>;
    const withData = (m: Record<string, unknown>, d: Record<string, unknown>): string => JSON.stringify({ ...m, data: Array.isArray(m.data) ? [d, ...m.data.slice(1)] : d });
    const edits: Record<string, Edit> = {
      whitespace: (m) => JSON.stringify(m, null, 1),
      escape: (m) => JSON.stringify(m).replace(/"s":"([A-Z0-9])/, '"s":"\\u0041$1'),
      newField: (m) => JSON.stringify({ ...m, x: 1 }),
      newItemField: (m) => withData(m, { ...data(m), x: 'y' }),
      repeatedKey: (m) => JSON.stringify(m).replace('"ts":', '"ts":1,"ts":'),
      numberForString: (m) => {
        const d = data(m);
        const k = ['p', 'v', 's'].find((key) => typeof d[key] === 'string' && /^\d+(\.\d+)?$/.test(d[key] as string));
        return k === undefined ? null : withData(m, { ...d, [k]: Number(d[k]) });
      },
      stringForNumber: (m) => JSON.stringify({ ...m, ts: String(m.ts) }),
      floatInt: (m) => JSON.stringify(m).replace(/"(ts|T|u)":(\d+)/, '"$1":$2.0'),
      levelOfThree: (m) => {
        const d = data(m);
        return Array.isArray(d.b) && d.b.length > 0 ? withData(m, { ...d, b: d.b.map((l: unknown[]) => [...l, '1']) }) : null;
      },
      nullSeq: (m) => (Array.isArray(m.data) ? null : withData(m, { ...data(m), seq: null })),
    };
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...DOCUMENTED), tradeFrame, bookFrame), fc.constantFrom(...Object.keys(edits)), (frame, name) => {
      const edited = edits[name]!(JSON.parse(frame) as Record<string, unknown>);
      if (edited === null || edited === frame) return;
      expect(expectSame(edited, 1).fast).toBe(false);
    }), { numRuns: 800, seed: 1415 });
  });
});
