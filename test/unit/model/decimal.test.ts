import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareDecimal, fromScaled, normalizeDecimal, toScaled, DecimalError } from '../../../src/model/decimal.js';

describe('decimal', () => {
  it('parses and formats exactly, trimming trailing zeros', () => {
    expect(toScaled('61234.01000000', 8)).toBe(6123401000000n);
    expect(fromScaled(6123401000000n, 8)).toBe('61234.01');
    expect(fromScaled(-5n, 3)).toBe('-0.005');
    expect(normalizeDecimal('0.0100')).toBe('0.01');
    expect(normalizeDecimal('-0.000')).toBe('0');
  });

  it('refuses to round money: extra non-zero digits are an error naming the value', () => {
    expect(() => toScaled('1.234', 2)).toThrow(DecimalError);
    expect(() => toScaled('1.2300', 2)).not.toThrow();
    expect(() => toScaled('1e5', 2)).toThrow(/1e5/);
    expect(() => toScaled('', 2)).toThrow(DecimalError);
  });

  it('round-trips any scaled integer and orders like the integers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (v, s) => {
        expect(toScaled(fromScaled(v, s), s)).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (a, b) => {
        const c = compareDecimal(fromScaled(a, 8), fromScaled(b, 8));
        expect(c).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});
