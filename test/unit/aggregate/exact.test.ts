import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExactSum, mul, parseScaled, parsed, ratio, upscale } from '../../../src/aggregate/exact.js';
import { DecimalError, decimalPlaces, fromScaled, normalizeDecimal, toScaled } from '../../../src/model/decimal.js';
import { decimalArb } from './reference.js';

const signedDecimal = fc.tuple(fc.boolean(), decimalArb).map(([neg, d]) => (neg ? `-${d}` : d));

describe('exact fast path', () => {
  it('parses every decimal string to the same value as the BigInt reference, at its significant scale', () => {
    fc.assert(fc.property(signedDecimal, (s) => {
      const v = parseScaled(s);
      const scale = parsed.scale;
      expect(fromScaled(BigInt(v), scale)).toBe(normalizeDecimal(s));
      expect(BigInt(v) * 10n ** BigInt(decimalPlaces(s) - scale)).toBe(toScaled(s, decimalPlaces(s)));
      // Beyond 2^53 the value must be a bigint (never a rounded number).
      if (typeof v === 'number') expect(Number.isSafeInteger(v)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('rejects malformed decimals instead of guessing', () => {
    for (const bad of ['', '-', '.5', '5.', '1e5', '1,5', ' 1', '1.2.3', 'NaN', '--1', '12345678901234567890x']) {
      expect(() => parseScaled(bad), bad).toThrow(DecimalError);
    }
  });

  it('sums and multiplies exactly across the 2^53 boundary (number limb spills into bigint)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.bigInt({ min: -(2n ** 30n), max: 2n ** 30n }))), (pairs) => {
      const sum = new ExactSum();
      let ref = 0n;
      for (const [a, b] of pairs) {
        const na = a <= 2n ** 53n - 1n && a >= -(2n ** 53n - 1n) ? Number(a) : a;
        const nb = Number(b);
        const prod = mul(na, nb);
        expect(BigInt(prod)).toBe(a * b);
        sum.add(prod);
        ref += a * b;
      }
      expect(sum.value()).toBe(ref);
    }), { numRuns: 500 });
  });

  it('rescales running sums and values exactly when the scale grows', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 52 })), fc.integer({ min: 0, max: 30 }), (xs, k) => {
      const s = new ExactSum();
      for (const x of xs) s.add(x);
      const before = s.value();
      s.rescale(k);
      expect(s.value()).toBe(before * 10n ** BigInt(k));
      for (const x of xs.slice(0, 3)) expect(BigInt(upscale(x, k))).toBe(BigInt(x) * 10n ** BigInt(k));
    }));
  });

  it('vwap ratio from exact sums matches the exact quotient to float precision, including bigint sums', () => {
    const n = new ExactSum(); n.add(10n ** 30n + 7n);
    const d = new ExactSum(); d.add(3n * 10n ** 20n);
    expect(ratio(n, 10, d, 8)).toBeCloseTo((1e30 / 3e20) * 1e-2, 6);
    const empty = new ExactSum();
    expect(ratio(n, 2, empty, 2)).toBeNull();
  });
});

describe('formatScaled', () => {
  it('formats numbers exactly like the BigInt formatter', async () => {
    const { formatScaled } = await import('../../../src/aggregate/exact.js');
    fc.assert(fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 20 }), (v, s) => {
      expect(formatScaled(v, s)).toBe(fromScaled(BigInt(v), s));
    }), { numRuns: 3000 });
    for (const [v, s] of [[0, 3], [5, 3], [-5, 3], [1000, 3], [-1000, 2], [120, 1]] as const) expect(formatScaled(v, s)).toBe(fromScaled(BigInt(v), s));
  });
});
