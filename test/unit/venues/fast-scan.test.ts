/** The shared readers of the venues' fast paths, against JSON.parse as the reference. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLOSED, intAt, nextMember, sameStringAt, scan, stringEnd } from '../../../src/venues/fast-scan.js';

describe('fast-scan', () => {
  it('intAt reads exactly the non-negative safe JSON integers, and refuses leading zeros, fractions, exponents and unsafe values', () => {
    const cases: [string, number | null][] = [
      ['0', 0], ['0,', 0], ['7}', 7], ['1234567890123', 1234567890123], ['9007199254740991', 9007199254740991],
      ['01', null], ['0.', null], ['0.5', null], ['0e1', null], ['0E1', null], ['7.0', null], ['7e2', null], ['-1', null], ['', null], ['x', null],
      ['9007199254740992', null], ['12345678901234567', null],
    ];
    for (const [text, want] of cases) {
      const end = intAt(`:${text}`, 1);
      if (want === null) expect(end, text).toBe(-1);
      else {
        expect(end, text).toBe(1 + String(want).length);
        expect(scan.num).toBe(want);
      }
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(',', '}', ']', ''), (n, after) => {
      const text = `${n}${after}`;
      expect(intAt(text, 0)).toBe(String(n).length);
      expect(scan.num).toBe(JSON.parse(String(n)));
    }));
  });

  it('stringEnd finds the closing quote of a plain string and refuses escapes, control characters and an unterminated one', () => {
    expect(stringEnd('"BTCUSDT",', 1)).toBe(9);
    expect(stringEnd('""', 1)).toBe(2);
    expect(stringEnd('"BTC\\"X"', 1)).toBe(-1);
    expect(stringEnd('"BTC\u0001"', 1)).toBe(-1);
    expect(stringEnd('"BTC', 1)).toBe(-1);
  });

  it('sameStringAt matches the whole previous string only', () => {
    expect(sameStringAt('"BTCUSDT"', 1, 'BTCUSDT')).toBe(true);
    expect(sameStringAt('"BTCUSDTX"', 1, 'BTCUSDT')).toBe(false);
    expect(sameStringAt('"BTCUSD"', 1, 'BTCUSDT')).toBe(false);
    expect(sameStringAt('""', 1, '')).toBe(false);
  });

  it('nextMember: past a comma, CLOSED at a brace, -1 otherwise', () => {
    expect(nextMember('1,"a"', 1)).toBe(2);
    expect(nextMember('1}', 1)).toBe(CLOSED);
    expect(nextMember('1 ,', 1)).toBe(-1);
  });
});
