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
    for (const bad of ['', '-', '.5', '5.', '1e5', '1,5', ' 1', '1.2.3', 'NaN', '--1', '12345678901234567890x', '.', '-.5', '-5.', '1.2.0', '1..0', '1.0.', '0.-1', '1-2', '+1', '1 ', '1.5e0', '00000000000000000001.x', '1.000000000000000000000.0']) {
      expect(() => parseScaled(bad), bad).toThrow(DecimalError);
    }
  });

  it('parses strings with many trailing or leading zeros and long digit runs exactly (fast path vs long path boundary)', () => {
    const digitRun = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }).map((d) => d.join(''));
    fc.assert(fc.property(fc.boolean(), digitRun, fc.option(digitRun), fc.nat({ max: 20 }), (neg, int, frac, zeros) => {
      const s = `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}${'0'.repeat(zeros)}`}`;
      const v = parseScaled(s);
      expect(fromScaled(BigInt(v), parsed.scale)).toBe(normalizeDecimal(s));
      if (typeof v === 'number') expect(Number.isSafeInteger(v)).toBe(true);
    }), { numRuns: 3000 });
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

  it('formats integers around 10^8 multiples, 2^30/2^31 and 2^53 exactly (split digit printing)', async () => {
    const { formatScaled } = await import('../../../src/aggregate/exact.js');
    const anchors = [1e8, 2 ** 30, 2 ** 31, 2 ** 32, 1e15, 2 ** 53 - 1, 123_456_789 * 1e8, 9_007_199_200_000_000];
    fc.assert(fc.property(fc.constantFrom(...anchors), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 90_071 }), fc.integer({ min: 0, max: 20 }), fc.boolean(), (a, d, k, s, neg) => {
      const mag = Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, a + d, k * 1e8 + d + 1e8));
      for (const v of [mag, Math.min(Number.MAX_SAFE_INTEGER, a + d > 0 ? a + d : 1)]) {
        const x = neg ? -v : v;
        expect(formatScaled(x, s)).toBe(fromScaled(BigInt(x), s));
      }
    }), { numRuns: 3000 });
  });

  it('a memo slot shared by different values or scales never returns the other one\'s text', async () => {
    const { formatScaled } = await import('../../../src/aggregate/exact.js');
    // Values 256 apart (and scales 8 apart) land in the same slot; interleave them.
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 2, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (picks, base) => {
      for (const [k, j, neg] of picks) {
        const v = (neg ? -1 : 1) * (base + k * 256 * 2 ** j);
        const s = (j * 8) % 17;
        expect(formatScaled(v, s)).toBe(fromScaled(BigInt(v), s));
      }
    }), { numRuns: 500 });
  });
});
