import { describe, expect, it } from 'vitest';
import { EquitiesDecoder, decodeEquitiesFrame } from '../../../src/venues/equities/decode.js';
import fc from 'fast-check';
import { flatNumberText, numberTexts, plainDecimal } from '../../../src/venues/equities/number-text.js';

describe('equities (EODHD-style) decoder', () => {
  it('decodes a documented US trade frame (t = time, ms = market status) with the exact number text', () => {
    const r = decodeEquitiesFrame('{"s":"AAPL","p":227.31,"c":[12,37],"v":100,"dp":false,"ms":"open","t":1726504563000}', 4);
    expect(r.events[0]).toEqual({ type: 'trade', venue: 'equities', symbol: 'AAPL', eventTime: 1726504563000, receiveTime: 4, tradeId: '1726504563000-227.31-100', seq: null, price: '227.31', size: '100', side: 'unknown', source: 'trade' });
  });

  it('keeps digits a double cannot hold and trailing zeros as sent (never via float)', () => {
    const r = decodeEquitiesFrame('{"s":"BRK.A","p":123456789.123456789,"v":0.10,"ms":1}', 1);
    expect(r.events[0]).toMatchObject({ price: '123456789.123456789', size: '0.10' });
    expect(String(123456789.123456789)).not.toBe('123456789.123456789');
  });

  it('rewrites exponent numbers to plain decimals exactly and reads an integer "ms" as the time when "t" is absent', () => {
    expect(decodeEquitiesFrame('{"s":"X","p":1.5e-7,"v":2E+3,"t":5}', 1).events[0]).toMatchObject({ price: '0.00000015', size: '2000', eventTime: 5 });
    expect(decodeEquitiesFrame('{"s":"X","p":1,"v":2,"ms":6}', 1).events[0]).toMatchObject({ eventTime: 6 });
    expect(plainDecimal('-1.25e2')).toBe('-125');
    expect(plainDecimal('12.5e-1')).toBe('1.25');
  });

  it('ignores keys inside nested values and strings when locating a number', () => {
    const frame = '{"s":"A\\"p\\":9","c":[{"p":1}],"p":3.10,"v":7,"ms":1}';
    expect(numberTexts(frame, 1)[0]!.get('p')).toBe('3.10');
    expect(decodeEquitiesFrame(frame, 1).events[0]).toMatchObject({ symbol: 'A"p":9', price: '3.10' });
  });

  it('the flat-frame fast path and the full scanner agree, and both equal the number as written', () => {
    const num = fc.tuple(fc.boolean(), fc.nat({ max: 99_999_999 }), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined })).map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f === undefined ? '' : `.${f}`}`);
    fc.assert(
      fc.property(num, num, fc.string({ maxLength: 6 }).filter((x) => !/["\\{]/.test(x) && !/[\u0000-\u001f]/.test(x)), fc.boolean(), (p, v, sym, pFirst) => {
        const fields = [`"p":${p}`, `"v":${v}`, `"s":"${sym}"`, '"c":[12,37]', '"t":1'];
        const frame = `{${(pFirst ? fields : fields.reverse()).join(',')}}`;
        expect(flatNumberText(frame, 'p')).toBe(p);
        expect(numberTexts(frame, 1)[0]!.get('p')).toBe(p);
        expect(numberTexts(frame, 1)[0]!.get('v')).toBe(v);
      }),
      { numRuns: 500 },
    );
    expect(flatNumberText('{"a":{"p":1},"p":2}', 'p')).toBeUndefined();
  });

  it('decodes an array of trades with each element\'s own number text', () => {
    const r = decodeEquitiesFrame('[{"s":"A","p":1.10,"v":1,"ms":1},{"s":"B","p":2.20,"v":3,"ms":2}]', 1);
    expect(r.events.map((e) => (e.type === 'trade' ? `${e.symbol}:${e.price}` : ''))).toEqual(['A:1.10', 'B:2.20']);
  });

  it('treats {"status_code":200} as no event and a 401 status as a venue error signal', () => {
    expect(decodeEquitiesFrame('{"status_code":200,"message":"Authorized"}', 1)).toEqual({ events: [] });
    expect(decodeEquitiesFrame('{"status_code":401,"message":"Unauthorized"}', 1).signal).toEqual({ kind: 'venue_error', message: '401: Unauthorized' });
  });

  it('makes back-to-back identical trades of a symbol distinct by an occurrence suffix', () => {
    const d = new EquitiesDecoder();
    const f = '{"s":"AAPL","p":227.31,"v":100,"ms":"open","t":1726504563000}';
    const ids = [d.decode(f, 1), d.decode(f, 1)].map((r) => (r.events[0]?.type === 'trade' ? r.events[0].tradeId : ''));
    expect(ids[0]).not.toBe(ids[1]);
  });
  it('keeps non-adjacent repeats of the same time, price and size as distinct trades', () => {
    const d = new EquitiesDecoder();
    const a = '{"s":"AAPL","p":227.31,"v":100,"ms":"open","t":1726504563000}';
    const b = '{"s":"AAPL","p":227.32,"v":50,"ms":"open","t":1726504563000}';
    const later = '{"s":"AAPL","p":227.31,"v":100,"ms":"open","t":1726504563001}';
    const ids = [a, b, a, later].map((f) => { const e = d.decode(f, 1).events[0]; return e?.type === 'trade' ? e.tradeId : ''; });
    expect(new Set(ids).size).toBe(4);
    expect(ids[3]).toBe('1726504563001-227.31-100'); // a new trade time starts counting afresh
  });
});
