/**
 * The Binance fast path ≡ the full JSON.parse decoder: on every real recorded frame, on frames
 * generated in each exact shape, and on mutated frames (which it must either decode identically
 * or hand to the full decoder, counted as a fallback).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinanceDecoder, decodeBinanceFrame } from '../../../src/venues/binance/decode.js';
import { BinanceFastScanner } from '../../../src/venues/binance/fast-frames.js';
import { BINANCE_FRAMES } from '../../helpers/recorded-data.js';
import { decimalArb as decimal, expectSameDecode, idArb as id, levelsArb as levels, mutate, mutationsArb, observable, symArb as sym } from './fast-equivalence.js';

const recorded: { rt: number; frame: string }[] = gunzipSync(readFileSync(BINANCE_FRAMES))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => ({ rt: Number(l.slice(0, l.indexOf(' '))), frame: l.slice(l.indexOf(' ') + 1) }));

function expectSame(frame: string, rt: number, venue = 'binance'): { fast: boolean } {
  return expectSameDecode(new BinanceDecoder({ venue, fastPath: true }), decodeBinanceFrame(frame, rt, venue), frame, rt);
}

describe('Binance fast path on the real recorded frames', () => {
  it('decodes every one of the 41,248 frames exactly as JSON.parse + the full decoder, all on the fast path', () => {
    const fast = new BinanceDecoder({ fastPath: true });
    const full = new BinanceDecoder({ fastPath: false });
    const kinds = new Map<string, number>();
    for (const { rt, frame } of recorded) {
      const got = fast.decode(frame, rt);
      const want = full.decode(frame, rt);
      if (observable(got) !== observable(want)) expect(observable(got)).toBe(observable(want));
      const k = got.events[0]?.type ?? 'none';
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(fast.fastPathStats()).toEqual({ fast: recorded.length, fallback: 0 });
    // The README's counts of the recording (independent ground truth of the shapes).
    expect(Object.fromEntries(kinds)).toEqual({ trade: 9_757, book_ticker: 28_040, book_delta: 3_451 });
    expect(fast.stats()).toEqual(full.stats());
    expect(full.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
  });

  it('the switch off decodes through JSON.parse only (no fast frame counted), with the same events', () => {
    const off = new BinanceDecoder({ fastPath: false });
    const on = new BinanceDecoder();
    for (const { rt, frame } of recorded.slice(0, 2_000)) expect(off.decode(frame, rt)).toStrictEqual(on.decode(frame, rt));
    expect(off.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
    expect(on.fastPathStats().fast).toBe(2_000);
    expect(off.stats()).toEqual(on.stats());
  });

  it('reuses one symbol string across frames (interned), not a copy per event', () => {
    const s = new BinanceFastScanner();
    const a = s.decode(recorded[0]!.frame, 0, 'binance')!.events[0]!;
    const b = s.decode(recorded[1]!.frame, 0, 'binance')!.events[0]!;
    expect(a.symbol).toBe('BTCUSDT');
    expect(b.symbol).toBe(a.symbol);
  });
});

describe('Binance fast path on mutated frames (fuzz)', () => {
  const frameArb = fc.integer({ min: 0, max: recorded.length - 1 }).map((i) => recorded[i]!);

  it('any byte-level mutation is decoded identically or left to the full decoder', () => {
    fc.assert(fc.property(frameArb, mutationsArb(), ({ rt, frame }, ms) => {
      expectSame(mutate(frame, ms), rt);
    }), { numRuns: 3_000, seed: 14 });
  });

  it('reordered keys, whitespace, escapes, new fields and numbers-for-strings all fall back, with equal results', () => {
    type Edit = (d: Record<string, unknown>) => string | null;
    const wrap = (frame: string, data: string): string => (frame.startsWith('{"stream"') ? `{"stream":${JSON.stringify(JSON.parse(frame).stream)},"data":${data}}` : data);
    const edits: Record<string, Edit> = {
      reorder: (d) => JSON.stringify(Object.fromEntries(Object.entries(d).reverse())),
      whitespace: (d) => JSON.stringify(d, null, 1),
      escape: (d) => JSON.stringify(d).replace('"BTCUSDT"', '"BTC\\u0055SDT"'),
      newField: (d) => JSON.stringify({ ...d, x: 1 }),
      numberForString: (d) => {
        const k = ['p', 'q', 'b', 'B'].find((key) => typeof d[key] === 'string');
        return k === undefined ? null : JSON.stringify({ ...d, [k]: Number(d[k]) });
      },
      stringForNumber: (d) => JSON.stringify({ ...d, u: d.u === undefined ? undefined : String(d.u), t: d.t === undefined ? undefined : String(d.t), E: d.E === undefined ? undefined : String(d.E) }),
      floatId: (d) => JSON.stringify(d).replace(/"(u|t|U)":(\d+)/, '"$1":$2.0'),
      levelOfThree: (d) => (Array.isArray(d.b) && d.b.length > 0 ? JSON.stringify({ ...d, b: d.b.map((l: unknown[]) => [...l, 'x']) }) : null),
    };
    fc.assert(fc.property(frameArb, fc.constantFrom(...Object.keys(edits)), ({ rt, frame }, name) => {
      const data = JSON.parse(frame).data as Record<string, unknown>;
      const edited = edits[name]!(data);
      if (edited === null) return;
      const f = wrap(frame, edited);
      if (f === frame) return;
      const { fast } = expectSame(f, rt);
      expect(fast).toBe(false);
    }), { numRuns: 1_500, seed: 1414 });
  });
});

describe('Binance fast path on generated frames of each exact shape', () => {
  const b = fc.boolean();
  const shapes = [
    fc.tuple(id, sym, id, decimal, decimal, id, b, b).map(([E, s, t, p, q, T, m, M]) => `{"e":"trade","E":${E},"s":"${s}","t":${t},"p":"${p}","q":"${q}","T":${T},"m":${m},"M":${M}}`),
    fc.tuple(id, sym, id, decimal, decimal, id, id, id, b, fc.option(b)).map(([E, s, a, p, q, f, l, T, m, M]) =>
      `{"e":"aggTrade","E":${E},"s":"${s}","a":${a},"p":"${p}","q":"${q}","f":${f},"l":${l},"T":${T},"m":${m}${M === null ? '' : `,"M":${M}`}}`),
    fc.tuple(id, sym, decimal, decimal, decimal, decimal).map(([u, s, b1, B, a, A]) => `{"u":${u},"s":"${s}","b":"${b1}","B":"${B}","a":"${a}","A":"${A}"}`),
    fc.tuple(id, id, id, sym, decimal, decimal, decimal, decimal).map(([u, E, T, s, b1, B, a, A]) => `{"e":"bookTicker","u":${u},"E":${E},"T":${T},"s":"${s}","b":"${b1}","B":"${B}","a":"${a}","A":"${A}"}`),
    fc.tuple(id, sym, id, id, levels, levels).map(([E, s, U, u, bs, as]) => `{"e":"depthUpdate","E":${E},"s":"${s}","U":${U},"u":${u},"b":${bs},"a":${as}}`),
    fc.tuple(id, id, sym, id, id, id, levels, levels).map(([E, T, s, U, u, pu, bs, as]) => `{"e":"depthUpdate","E":${E},"T":${T},"s":"${s}","U":${U},"u":${u},"pu":${pu},"b":${bs},"a":${as}}`),
  ];

  it('decodes every generated frame on the fast path, raw or in the envelope, equal to the full decoder', () => {
    fc.assert(fc.property(fc.oneof(...shapes), fc.boolean(), fc.constantFrom('binance', 'binance-futures'), fc.nat(), (data, envelope, venue, rt) => {
      const frame = envelope ? `{"stream":"x@y","data":${data}}` : data;
      expect(expectSame(frame, rt, venue).fast).toBe(true);
    }), { numRuns: 3_000, seed: 7 });
  });

  it('carries the generated E (frameTime) and aggTrade f/l on both paths, raw or enveloped', () => {
    const aggs = fc.tuple(id, sym, id, decimal, decimal, id, id, id, b);
    fc.assert(fc.property(aggs, fc.boolean(), fc.nat(), ([E, s, a, p, q, f, l, T, m], envelope, rt) => {
      const data = `{"e":"aggTrade","E":${E},"s":"${s}","a":${a},"p":"${p}","q":"${q}","f":${f},"l":${l},"T":${T},"m":${m}}`;
      const frame = envelope ? `{"stream":"x@aggTrade","data":${data}}` : data;
      const want = { frameTime: E, firstTradeId: f, lastTradeId: l, eventTime: T, seq: a };
      expect(new BinanceFastScanner().decode(frame, rt, 'binance')!.events[0]).toMatchObject(want);
      expect(decodeBinanceFrame(frame, rt).events[0]).toMatchObject(want);
    }), { numRuns: 500, seed: 21 });
    fc.assert(fc.property(fc.tuple(id, sym, id, id), fc.boolean(), ([E, s, t, T], envelope) => {
      const data = `{"e":"trade","E":${E},"s":"${s}","t":${t},"p":"1","q":"2","T":${T},"m":false,"M":true}`;
      const frame = envelope ? `{"stream":"x@trade","data":${data}}` : data;
      const ev = new BinanceFastScanner().decode(frame, 0, 'binance')!.events[0]!;
      expect(ev).toMatchObject({ frameTime: E, eventTime: T });
      expect(['firstTradeId', 'lastTradeId'].filter((k) => k in ev)).toEqual([]);
      expect(decodeBinanceFrame(frame, 0).events[0]).toStrictEqual(ev);
    }), { numRuns: 300, seed: 22 });
  });

  it('leaves an unsafe integer (beyond 2^53) to the full decoder, which reports it', () => {
    const f = '{"e":"trade","E":1,"s":"BTCUSDT","t":9007199254740993,"p":"1.0","q":"2","T":3,"m":true,"M":true}';
    expect(expectSame(f, 0).fast).toBe(false);
    expect(decodeBinanceFrame(f, 0).error?.code).toBe('E_DECODE');
    // Every integer field of every shape, raw and enveloped.
    const unsafe = '9007199254740993';
    const frames = [
      `{"e":"trade","E":1,"s":"X","t":1,"p":"1","q":"2","T":${unsafe},"m":true,"M":true}`,
      `{"e":"aggTrade","E":1,"s":"X","a":${unsafe},"p":"1","q":"2","f":1,"l":1,"T":3,"m":true}`,
      `{"e":"aggTrade","E":${unsafe},"s":"X","a":1,"p":"1","q":"2","f":1,"l":1,"T":3,"m":true}`,
      `{"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"2","f":${unsafe},"l":1,"T":3,"m":true}`,
      `{"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"2","f":1,"l":${unsafe},"T":3,"m":true}`,
      `{"e":"trade","E":${unsafe},"s":"X","t":1,"p":"1","q":"2","T":3,"m":true,"M":true}`,
      `{"u":${unsafe},"s":"X","b":"1","B":"1","a":"1","A":"1"}`,
      `{"e":"bookTicker","u":1,"E":${unsafe},"T":1,"s":"X","b":"1","B":"1","a":"1","A":"1"}`,
      `{"e":"bookTicker","u":${unsafe},"E":1,"T":1,"s":"X","b":"1","B":"1","a":"1","A":"1"}`,
    ];
    for (const data of frames) {
      for (const frame of [data, `{"stream":"x@${data.includes('aggTrade') ? 'aggTrade' : data.includes('trade') ? 'trade' : 'bookTicker'}","data":${data}}`]) {
        expect(expectSame(frame, 0).fast).toBe(false);
        // The full decoder takes a USD-M ticker's E as sent (it falls back to the receive time when absent).
        if (!data.includes(`"E":${unsafe}`)) expect(decodeBinanceFrame(frame, 0).error?.code).toBe('E_DECODE');
      }
    }
  });
});
